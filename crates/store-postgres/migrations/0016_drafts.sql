-- Drafts of replies and notes (issue 18, as SQLite's 0021_drafts.sql): one
-- per user and ticket, kept until sent or discarded, so typed text follows
-- its writer to another machine. Gone with the user or the ticket.
CREATE TABLE drafts (
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE,
    ticket_id  BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE,
    kind       TEXT NOT NULL,             -- reply | note
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, ticket_id)
);
