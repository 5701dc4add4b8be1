-- The web UI: users' time zones, server-side sessions, and rate-limit
-- buckets (kept in the database so they hold across instances).

ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- A browser session. The cookie holds a random secret; only its SHA-256 is
-- stored here, so a copy of the database yields no usable session.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    ticket_id    INTEGER REFERENCES tickets(id),   -- a guest's one ticket
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

-- Fixed-window counters: `count` hits since `window_start`.
CREATE TABLE rate_limits (
    key          TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL
) WITHOUT ROWID;
