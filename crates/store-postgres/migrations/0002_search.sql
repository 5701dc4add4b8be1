-- Full-text search (issue 7) with PostgreSQL's own means: a tsvector per
-- ticket and a GIN index over it.
--
-- BACKEND-SPECIFIC: this table has no counterpart in the SQLite store
-- (whose search_index and search_terms are FTS5 tables), so
-- `tessera migrate-data` does not copy it either way; the copier rebuilds
-- the index on the target (`rebuild_search_index`).
--
-- Tessera folds and splits the text itself (tessera_core::search::fold and
-- index_tokens: Turkish I/İ/ı/i, Russian ё, full-width forms; words whole,
-- Chinese, Japanese and Korean as overlapping bigrams), exactly as the
-- SQLite store does, and writes the tokens as a tsvector literal
-- ('tok':1A 'tok2':2A …) cast to tsvector: PostgreSQL's parser, stemmer,
-- stop words and locale never run, and queries are tsquery literals of the
-- same tokens.
--
-- Positions: the subject, then the requester's name and e-mail, then the
-- public replies, then the internal notes, with one unused position
-- between two columns and between two messages, so a phrase (<->) never
-- spans them. Weights say which column a position is in: A subject,
-- B people, C replies, D notes. Customers' queries carry the :ABC
-- restriction on every lexeme, so notes cannot match for them, and their
-- ranking reads ts_filter(doc, '{a,b,c}').
--
-- Permissions are not in the index: every search is a WHERE over the
-- tickets table with the scope's columns, the words being
-- `t.id IN (SELECT ticket_id FROM search_index WHERE doc @@ …)`.
--
-- One row per ticket that is not deleted; it is rewritten inside the
-- transaction that changes the ticket's text (see src/search.rs).
CREATE TABLE search_index (
    ticket_id BIGINT PRIMARY KEY,
    doc       tsvector NOT NULL
);
CREATE INDEX search_index_doc ON search_index USING gin (doc);

-- Tickets written before this migration are not in the index yet: the
-- server rebuilds it at start (and `tessera reindex` does it on demand).
INSERT INTO settings (key, value)
SELECT 'search_index_stale', '1' WHERE EXISTS (SELECT 1 FROM tickets);
