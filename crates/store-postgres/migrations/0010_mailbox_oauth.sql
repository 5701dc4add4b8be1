-- OAuth2 for IMAP mailboxes (issue 16): the provider's endpoints and the
-- client Tessera is registered as, the refresh token that gets new access
-- tokens (the access token itself stays in `secret`), its expiry, and the
-- pending authorisation of an admin (single use). The client secret, the
-- refresh token and the pending authorisation are sealed by the desk, like
-- `secret`. All NULL on a password mailbox.
ALTER TABLE mailboxes ADD COLUMN oauth_provider TEXT;       -- google | microsoft | custom
ALTER TABLE mailboxes ADD COLUMN oauth_tenant TEXT;         -- Microsoft's tenant (or NULL: common)
ALTER TABLE mailboxes ADD COLUMN oauth_authorize_url TEXT;
ALTER TABLE mailboxes ADD COLUMN oauth_token_url TEXT;
ALTER TABLE mailboxes ADD COLUMN oauth_scope TEXT;
ALTER TABLE mailboxes ADD COLUMN oauth_client_id TEXT;
ALTER TABLE mailboxes ADD COLUMN oauth_client_secret TEXT;  -- sealed
ALTER TABLE mailboxes ADD COLUMN oauth_refresh_token TEXT;  -- sealed
ALTER TABLE mailboxes ADD COLUMN oauth_expires_at BIGINT;   -- the access token's expiry (ms)
ALTER TABLE mailboxes ADD COLUMN oauth_pending TEXT;        -- sealed pending authorisation
