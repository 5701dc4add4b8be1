-- Mail going out (issue 17).
-- One row per message built: what it is, which ticket and message it
-- carries, its Message-ID and the plan the sender composes it from (JSON:
-- recipients, texts, threading ids; the composer is pure, so a retry sends
-- the same bytes).
CREATE TABLE outbound_mail (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER REFERENCES tickets(id) ON DELETE CASCADE,
    message_ref INTEGER,
    event_id    INTEGER,
    kind        TEXT NOT NULL,
    mail_id     TEXT NOT NULL,
    plan        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX outbound_mail_ticket ON outbound_mail(ticket_id);
CREATE INDEX outbound_mail_mail_id ON outbound_mail(mail_id);
-- One row per recipient of a message: each is its own SMTP transaction, so a
-- refused CC never holds the requester's copy back, and each has its state.
CREATE TABLE outbound_deliveries (
    id              INTEGER PRIMARY KEY,
    outbound_id     INTEGER NOT NULL REFERENCES outbound_mail(id) ON DELETE CASCADE,
    address         TEXT NOT NULL,
    user_id         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    leased_until    INTEGER,
    answer          TEXT,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX outbound_deliveries_due ON outbound_deliveries(next_attempt_at) WHERE state IN ('queued', 'deferred');
CREATE INDEX outbound_deliveries_mail ON outbound_deliveries(outbound_id);
CREATE INDEX outbound_deliveries_address ON outbound_deliveries(address, updated_at);
-- Addresses nothing is sent to: a permanent failure or a bounce put them
-- here; an agent takes them off.
CREATE TABLE mail_suppressions (
    address     TEXT PRIMARY KEY,
    reason      TEXT NOT NULL,
    delivery_id INTEGER,
    created_at  INTEGER NOT NULL
);
-- Who wants which mail: one row per user and kind they changed from the
-- default (`on` or `off`).
CREATE TABLE notification_prefs (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    mode    TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
-- Admins' own versions of the mail templates, per kind and language; a kind
-- and language without a row uses the built-in one.
CREATE TABLE mail_templates (
    kind       TEXT NOT NULL,
    language   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, language)
);
