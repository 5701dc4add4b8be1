-- Where the quoted history of an e-mail reply starts in a message's body
-- (issue 16): a byte offset at a character boundary, set by the mail path
-- only. The page folds what follows it and the search document leaves it
-- out; the body itself is kept whole. NULL: nothing folded (every message
-- written before this release, and all web and API messages).
ALTER TABLE messages ADD COLUMN quote_start BIGINT;
