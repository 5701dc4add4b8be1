-- Search folds the accents of Latin letters (issue 18: `gonderemiyorum`
-- finds `gönderemiyorum`). The index holds folded words, so an index built
-- before holds the old form: mark it stale, and the server rebuilds it in the
-- background at start (`reindex_if_stale`; `tessera reindex` does the same).
-- A new, empty installation has nothing to rebuild.
INSERT OR REPLACE INTO settings (key, value)
SELECT 'search_index_stale', '1' WHERE EXISTS (SELECT 1 FROM tickets);
