-- IMAP mailboxes (issue 16): where Tessera fetches mail from, the
-- department it opens tickets in, and how far reading got. The secret is
-- sealed by the desk (never stored in clear). The cursor (uid_validity,
-- last_uid) is the only rule for "already fetched" (never \Seen); the lease
-- lets one instance at a time read a mailbox.
CREATE TABLE mailboxes (
    id              INTEGER PRIMARY KEY,
    department_id   INTEGER NOT NULL REFERENCES departments(id),
    address         TEXT NOT NULL,
    imap_url        TEXT NOT NULL,
    starttls        INTEGER NOT NULL DEFAULT 0,
    username        TEXT NOT NULL,
    auth_kind       TEXT NOT NULL,            -- password | oauth2
    secret          TEXT NOT NULL,            -- sealed password or token
    folder          TEXT NOT NULL,
    after_import    TEXT NOT NULL,            -- keyword | move | delete
    move_folder     TEXT,
    active          INTEGER NOT NULL DEFAULT 1,
    uid_validity    INTEGER NOT NULL DEFAULT 0,
    last_uid        INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT,
    lease_until     INTEGER,
    last_fetch_at   INTEGER,
    last_success_at INTEGER,
    last_error      TEXT,
    state           TEXT NOT NULL DEFAULT 'ok', -- ok | error | reauthorise
    backlog         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX mailboxes_department ON mailboxes(department_id);
