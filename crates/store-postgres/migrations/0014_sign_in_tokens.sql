-- Account access of issue 17 (as SQLite's 0019_sign_in_tokens.sql):
-- single-use sign-in tokens (a password reset, a customer's sign-in link, a
-- billing panel's hand-off). Only the SHA-256 of the 256-bit secret is
-- kept. A token is spent by one UPDATE … WHERE used_at IS NULL AND
-- expires_at > now … RETURNING, so two concurrent uses have one winner.
CREATE TABLE sign_in_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE,
    purpose    TEXT NOT NULL,             -- reset | link | handoff
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX sign_in_tokens_user ON sign_in_tokens(user_id, purpose);
CREATE INDEX sign_in_tokens_expiry ON sign_in_tokens(expires_at);
