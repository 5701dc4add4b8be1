-- Mail coming in (issue 16). Every message is stored raw first (the blob
-- addressed by its SHA-256, one row per distinct message) and only then
-- acknowledged to its source; what it became is recorded on its row in the
-- same commit as the ticket or reply it made, so it is applied exactly once.
CREATE TABLE inbound_messages (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT NOT NULL UNIQUE,   -- the raw message's blob
    size          INTEGER NOT NULL,
    source        TEXT NOT NULL,          -- imap | pipe | http
    mailbox_id    INTEGER,                -- the IMAP mailbox it was fetched from
    envelope_to   TEXT,                   -- the recipient the MTA named
    received_at   INTEGER NOT NULL,
    state         TEXT NOT NULL,          -- stored | applied | automatic | refused | duplicate | quarantined
    reason        TEXT,                   -- why it was quarantined, refused or taken as automatic
    mail_id       TEXT,                   -- its Message-ID header
    ticket_id     INTEGER REFERENCES tickets(id),
    message_ref   INTEGER REFERENCES messages(id),
    matched_by    TEXT,                   -- how it was threaded
    attempts      INTEGER NOT NULL DEFAULT 0,
    processed_at  INTEGER
);
CREATE INDEX inbound_messages_state ON inbound_messages(state, id);
CREATE INDEX inbound_messages_ticket ON inbound_messages(ticket_id);

-- Every Message-ID Tessera knows a ticket by: of mail received, of the
-- mail those named in References, and (next) of mail sent. The first
-- ticket to claim an id keeps it.
CREATE TABLE mail_ids (
    mail_id     TEXT PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    message_ref INTEGER REFERENCES messages(id),
    inbound_id  INTEGER REFERENCES inbound_messages(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX mail_ids_ticket ON mail_ids(ticket_id);
