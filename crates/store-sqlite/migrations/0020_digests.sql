-- Digests and departments' notification defaults (issue 17, decision 48).
-- A choice is now a mode: `off`, `immediate` or `digest`; the `on` stored
-- before means immediate (readers accept both, so an older instance still
-- running reads `immediate` as on).
UPDATE notification_prefs SET mode = 'immediate' WHERE mode = 'on';
-- Notifications collected for a person's next digest: one row each, its
-- line rendered when collected (JSON). The digest mail is queued and its
-- rows deleted in one commit.
CREATE TABLE digest_items (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    ticket_id  INTEGER REFERENCES tickets(id) ON DELETE CASCADE,
    event_id   INTEGER,
    item       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX digest_items_user ON digest_items(user_id, id);
CREATE INDEX digest_items_created ON digest_items(created_at);
-- A department's default mode of each agents' kind for its agents (a
-- person's own choice wins; without either, immediate).
CREATE TABLE department_notification_defaults (
    department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    mode          TEXT NOT NULL,
    PRIMARY KEY (department_id, kind)
);
