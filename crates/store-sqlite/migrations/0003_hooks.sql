-- Webhooks, their deliveries and attempts; validation hooks and panels.

CREATE TABLE webhooks (
    id                   INTEGER PRIMARY KEY,
    url                  TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    kinds                TEXT NOT NULL,          -- JSON list of event kinds; empty: all
    sides                TEXT NOT NULL,          -- JSON list of sides; empty: all
    format               TEXT NOT NULL,          -- native | wisecp
    secret               TEXT NOT NULL,          -- sealed with the installation key
    active               INTEGER NOT NULL,
    failure_limit        INTEGER NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    disabled_reason      TEXT,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

-- One row per (webhook, event, payload name): what must be delivered.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id         INTEGER REFERENCES events(id),
    ticket_id        INTEGER,
    name             TEXT NOT NULL,              -- event kind, or the WiseCP hook name
    state            TEXT NOT NULL,              -- pending | delivered | failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    leased_until     INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    redelivery_of    INTEGER REFERENCES webhook_deliveries(id),
    test_payload     TEXT                        -- the body of a test delivery
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries(webhook_id, ticket_id, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries(webhook_id, id);

CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY,
    delivery_id  INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    status       INTEGER,
    latency_ms   INTEGER NOT NULL,
    response     TEXT NOT NULL DEFAULT '',       -- excerpt of the answer
    error        TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);

-- Validation hooks and panels: HTTP endpoints asked before a change or for
-- a piece of a page.
CREATE TABLE hook_endpoints (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,                   -- validation | panel
    name        TEXT NOT NULL,                   -- WiseCP hook name or panel place
    url         TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    format      TEXT NOT NULL,
    secret      TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    timeout_ms  INTEGER NOT NULL,
    on_failure  TEXT NOT NULL,                   -- allow | refuse
    active      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX hook_endpoints_name ON hook_endpoints(kind, name, priority, id);
