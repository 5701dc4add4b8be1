-- Drafts of replies and notes (issue 18): one per user and ticket, kept
-- until sent or discarded, so typed text follows its writer to another
-- machine. Gone with the user or the ticket.
CREATE TABLE drafts (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,             -- reply | note
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, ticket_id)
);
