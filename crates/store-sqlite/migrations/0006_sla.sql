-- SLA policies (issue 5) and each ticket's SLA state beside the ticket.

CREATE TABLE sla_policies (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    position        INTEGER NOT NULL,
    active          INTEGER NOT NULL,
    department_ids  TEXT NOT NULL,      -- JSON list; empty: every department
    schedule        TEXT NOT NULL,      -- JSON: {"time_zone", "week", "holidays"}
    targets         TEXT NOT NULL,      -- JSON: business minutes per priority and metric
    warning_minutes INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX sla_policies_position ON sla_policies(position, id);

-- Derived from the ticket and the policies; recomputed by the desk on every
-- change that matters and by the SLA checker. `ticket_version` says which
-- ticket version it was computed from (a missing or older one is stale).
CREATE TABLE ticket_sla (
    ticket_id              INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    ticket_version         INTEGER NOT NULL,
    policy_id              INTEGER REFERENCES sla_policies(id) ON DELETE SET NULL,
    targets                TEXT NOT NULL,  -- JSON SlaTargets as of computed_at
    first_response_due_at  INTEGER,
    first_response_status  TEXT,
    next_response_due_at   INTEGER,
    next_response_status   TEXT,
    resolution_due_at      INTEGER,
    resolution_status      TEXT,
    next_due_at            INTEGER,         -- earliest due time of a running target
    next_alert_at          INTEGER,         -- when the checker must look again
    breached               INTEGER NOT NULL,
    announced              TEXT NOT NULL,   -- JSON list of alert keys already written
    computed_at            INTEGER NOT NULL
);
CREATE INDEX ticket_sla_next_due ON ticket_sla(next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX ticket_sla_next_alert ON ticket_sla(next_alert_at) WHERE next_alert_at IS NOT NULL;
CREATE INDEX ticket_sla_breached ON ticket_sla(ticket_id) WHERE breached = 1;
