-- The mail domains of an organization (issue 16): an unknown sender from one
-- of them joins it when mail makes them a customer. A JSON list of lower-case
-- domains (text, as SQLite keeps it); set by admins only.
ALTER TABLE organizations ADD COLUMN email_domains TEXT NOT NULL DEFAULT '[]';
