-- Account access of issue 17: single-use sign-in tokens (a password reset,
-- a customer's sign-in link, a billing panel's hand-off). Only the SHA-256
-- of the 256-bit secret is kept. A token is spent by one UPDATE that sets
-- used_at where it is still NULL and the token has not expired, so two
-- concurrent uses have one winner.
CREATE TABLE sign_in_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,             -- reset | link | handoff
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX sign_in_tokens_user ON sign_in_tokens(user_id, purpose);
CREATE INDEX sign_in_tokens_expiry ON sign_in_tokens(expires_at);
