-- The ticket as each committed change left it, written in the change's
-- transaction while a webhook is active, so that a delivery made later (a
-- retry, one held back behind a failing one) describes the ticket as of its
-- event (decision 18). The ticket's JSON, without sealed custom field values.
-- (SQLite: 0010_ticket_versions.)

CREATE TABLE ticket_versions (
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) DEFERRABLE INITIALLY IMMEDIATE,
    version   BIGINT NOT NULL,
    ticket    TEXT NOT NULL,
    PRIMARY KEY (ticket_id, version)
);
