-- The ticket as each committed change left it, written in the change's
-- transaction while a webhook is active, so that a delivery made later (a
-- retry, one held back behind a failing one) describes the ticket as of its
-- event (decision 18). The ticket's JSON, without sealed custom field values.

CREATE TABLE ticket_versions (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    version   INTEGER NOT NULL,
    ticket    TEXT NOT NULL,
    PRIMARY KEY (ticket_id, version)
) WITHOUT ROWID;
