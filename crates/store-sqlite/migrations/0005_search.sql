-- Full-text search (issue 5): one document per ticket in an FTS5 table.
--
-- Tessera folds and splits the text itself (tessera_core::search::fold and
-- index_tokens: Turkish I/İ/ı/i, Russian ё, full-width forms; words whole,
-- Chinese, Japanese and Korean as overlapping bigrams) and stores the tokens
-- separated by spaces, so SQLite's own case folding never runs and the
-- `ascii` tokenizer only splits on those spaces. The table keeps no copy of
-- the text (contentless); rows are replaced whole when a ticket's text or
-- scope changes. The rowid is the ticket id; deleted tickets have no row.
--
-- Columns: the subject; the requester's name and e-mail; public replies;
-- internal notes (agents only); and `scope`, tokens naming who may see the
-- ticket (§d<department> §a<assignee> §f<flagged agent> §r<requester>
-- §o<organization>; no text or query yields a token with §), so a
-- permission-scoped count never reads the tickets table. Messages are
-- separated by the token `§`, which no query produces, so a phrase never
-- spans two messages.
CREATE VIRTUAL TABLE search_index USING fts5(
    subject, people, replies, notes, scope,
    tokenize = 'ascii',
    content = '',
    contentless_delete = 1,
    detail = full
);

-- Every token the index has held, so that a word typed as a prefix
-- ("fatura" for "fatura", "faturası", "faturanın") becomes an OR of the few
-- whole tokens it starts (cheap lookups) rather than an FTS5 prefix query,
-- which merges every matching list before it can answer. Tokens are never
-- removed (a stale one matches nothing).
CREATE TABLE search_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;

-- Tickets written before this migration are not in the index yet: the
-- server rebuilds it at start (and `tessera reindex` does it on demand).
INSERT INTO settings (key, value)
SELECT 'search_index_stale', '1' WHERE EXISTS (SELECT 1 FROM tickets);
