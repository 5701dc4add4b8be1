-- Mail rules of issue 16.
-- The blocked-senders list: an address (`someone@example.com`) or a whole
-- domain (`@example.com`), lower case, refused installation-wide
-- (department_id NULL) or in one department. WHMCS's BlockTicketSender adds
-- to it too. One entry per pattern and department.
CREATE TABLE sender_blocks (
    id            INTEGER PRIMARY KEY,
    pattern       TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id) ON DELETE CASCADE,
    note          TEXT NOT NULL DEFAULT '',
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX sender_blocks_pattern ON sender_blocks(pattern, COALESCE(department_id, 0));
-- The fourth threading rule, per department: a message from the requester
-- of a ticket here whose subject (without reply prefixes) is the ticket's,
-- within this many days of the ticket's last change, joins it. 0: off.
ALTER TABLE departments ADD COLUMN mail_thread_days INTEGER NOT NULL DEFAULT 0;
