-- Tessera's first schema. Times are integer milliseconds since the Unix
-- epoch (UTC); booleans are 0/1; lists and maps are JSON text.

CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    external_id TEXT,
    notes       TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX organizations_name ON organizations(name);
CREATE UNIQUE INDEX organizations_external_id ON organizations(external_id) WHERE external_id IS NOT NULL;

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL UNIQUE,          -- lower-cased e-mail
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'admin')),
    organization_id INTEGER REFERENCES organizations(id),
    sees_all        INTEGER NOT NULL DEFAULT 0,
    password_hash   TEXT,
    locale          TEXT NOT NULL DEFAULT 'en',
    disabled        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX users_organization ON users(organization_id);
CREATE INDEX users_role ON users(role, id);

CREATE TABLE departments (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    description      TEXT NOT NULL,
    public           INTEGER NOT NULL,
    email            TEXT,
    auto_assign      TEXT NOT NULL,
    requires_service INTEGER NOT NULL,
    signature        TEXT NOT NULL,
    position         INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);

CREATE TABLE department_members (
    department_id INTEGER NOT NULL REFERENCES departments(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (department_id, user_id)
) WITHOUT ROWID;
CREATE INDEX department_members_user ON department_members(user_id);

CREATE TABLE services (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    external_id TEXT,
    label       TEXT NOT NULL,
    owner_id    INTEGER NOT NULL REFERENCES users(id),
    status      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX services_external_id ON services(kind, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX services_owner ON services(owner_id);

CREATE TABLE statuses (
    key      TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    category TEXT NOT NULL,
    position INTEGER NOT NULL,
    builtin  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO statuses (key, name, category, position, builtin) VALUES
    ('new', 'New', 'new', 0, 1),
    ('open', 'Open', 'open', 10, 1),
    ('in_progress', 'In progress', 'open', 20, 1),
    ('answered', 'Answered', 'pending', 30, 1),
    ('on_hold', 'On hold', 'hold', 40, 1),
    ('solved', 'Solved', 'solved', 50, 1),
    ('closed', 'Closed', 'closed', 60, 1);

CREATE TABLE custom_fields (
    id                INTEGER PRIMARY KEY,
    key               TEXT NOT NULL UNIQUE,
    labels            TEXT NOT NULL,
    field_type        TEXT NOT NULL,
    required          INTEGER NOT NULL,
    options           TEXT NOT NULL,
    customer_visible  INTEGER NOT NULL,
    customer_editable INTEGER NOT NULL,
    department_ids    TEXT NOT NULL,
    wipe_on_solve     INTEGER NOT NULL,
    position          INTEGER NOT NULL,
    created_at        INTEGER NOT NULL
);

CREATE TABLE tickets (
    id                     INTEGER PRIMARY KEY,
    number                 TEXT NOT NULL UNIQUE,
    access_key             TEXT NOT NULL,
    subject                TEXT NOT NULL,
    department_id          INTEGER NOT NULL REFERENCES departments(id),
    requester_id           INTEGER NOT NULL REFERENCES users(id),
    organization_id        INTEGER REFERENCES organizations(id),
    service_id             INTEGER REFERENCES services(id),
    assignee_id            INTEGER REFERENCES users(id),
    assigned_by_id         INTEGER REFERENCES users(id),
    flagged_id             INTEGER REFERENCES users(id),
    cc                     TEXT NOT NULL,
    tags                   TEXT NOT NULL,
    ticket_type            TEXT,
    priority               INTEGER NOT NULL,
    status                 TEXT NOT NULL REFERENCES statuses(key),
    status_category        TEXT NOT NULL,
    source                 TEXT NOT NULL,
    custom_fields          TEXT NOT NULL,
    locked                 INTEGER NOT NULL,
    archived               INTEGER NOT NULL,
    queue_boost            INTEGER NOT NULL,
    closed_reason          TEXT,
    merged_into_id         INTEGER REFERENCES tickets(id),
    follow_up_of_id        INTEGER REFERENCES tickets(id),
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    last_reply_at          INTEGER,
    last_customer_reply_at INTEGER,
    last_agent_reply_at    INTEGER,
    first_response_at      INTEGER,
    awaiting_agent_since   INTEGER,
    solved_at              INTEGER,
    closed_at              INTEGER,
    due_at                 INTEGER,
    deleted_at             INTEGER,
    customer_unread        INTEGER NOT NULL,
    agent_unread           INTEGER NOT NULL,
    version                INTEGER NOT NULL
);
CREATE INDEX tickets_updated ON tickets(updated_at, id);
CREATE INDEX tickets_created ON tickets(created_at, id);
CREATE INDEX tickets_department ON tickets(department_id, updated_at);
CREATE INDEX tickets_requester ON tickets(requester_id, updated_at);
CREATE INDEX tickets_organization ON tickets(organization_id, updated_at) WHERE organization_id IS NOT NULL;
CREATE INDEX tickets_assignee ON tickets(assignee_id, status_category);
CREATE INDEX tickets_category ON tickets(status_category, updated_at);

CREATE TABLE ticket_tags (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    tag       TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag)
) WITHOUT ROWID;
CREATE INDEX ticket_tags_tag ON ticket_tags(tag, ticket_id);

CREATE TABLE messages (
    id               INTEGER PRIMARY KEY,
    ticket_id        INTEGER NOT NULL REFERENCES tickets(id),
    kind             TEXT NOT NULL CHECK (kind IN ('reply', 'note')),
    author_id        INTEGER REFERENCES users(id),
    author_name      TEXT NOT NULL,
    author_email     TEXT,
    author_staff     INTEGER NOT NULL,
    body             TEXT NOT NULL,
    html             TEXT,
    channel          TEXT NOT NULL,
    author_ip        TEXT,
    encrypted        INTEGER NOT NULL,
    email_message_id TEXT,
    rating           INTEGER,
    created_at       INTEGER NOT NULL,
    edited_at        INTEGER,
    edited_by_id     INTEGER REFERENCES users(id),
    deleted_at       INTEGER
);
CREATE INDEX messages_ticket ON messages(ticket_id, id);
CREATE INDEX messages_email_message_id ON messages(email_message_id) WHERE email_message_id IS NOT NULL;

CREATE TABLE message_edits (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES messages(id),
    editor_id     INTEGER NOT NULL REFERENCES users(id),
    previous_body TEXT NOT NULL,
    previous_html TEXT,
    edited_at     INTEGER NOT NULL
);
CREATE INDEX message_edits_message ON message_edits(message_id, id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    uploader_id  INTEGER NOT NULL REFERENCES users(id),
    ticket_id    INTEGER REFERENCES tickets(id),
    message_id   INTEGER REFERENCES messages(id),
    created_at   INTEGER NOT NULL
);
CREATE INDEX attachments_ticket ON attachments(ticket_id, message_id);

-- The append-only log of changes; ids grow in commit order (one writer).
CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    ticket_id      INTEGER NOT NULL REFERENCES tickets(id),
    actor_id       INTEGER REFERENCES users(id),
    side           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    message_id     INTEGER REFERENCES messages(id),
    changes        TEXT NOT NULL,
    data           TEXT NOT NULL,
    ticket_version INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX events_ticket ON events(ticket_id, id);

CREATE TABLE ticket_reads (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    read_at   INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
) WITHOUT ROWID;

CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    identifier  TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE idempotency_keys (
    user_id     INTEGER NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER,
    body        BLOB,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
