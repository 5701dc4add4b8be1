-- Exact view counts at a million tickets: a running tally of live tickets
-- by the columns most views select on. Counting a view whose conditions use
-- only these columns sums a few thousand tally rows instead of reading
-- hundreds of thousands of index entries. Triggers keep it exact inside the
-- same transaction as every ticket change (including rows written straight
-- into the database, as bench/generate.py does).
CREATE TABLE ticket_counts (
    status          TEXT NOT NULL,
    status_category TEXT NOT NULL,
    department_id   INTEGER NOT NULL,
    -- 0: nobody.
    assignee_id     INTEGER NOT NULL,
    priority        INTEGER NOT NULL,
    archived        INTEGER NOT NULL,
    n               INTEGER NOT NULL,
    PRIMARY KEY (status, status_category, department_id, assignee_id, priority, archived)
) WITHOUT ROWID;

INSERT INTO ticket_counts (status, status_category, department_id, assignee_id, priority, archived, n)
SELECT status, status_category, department_id, COALESCE(assignee_id, 0), priority, archived, COUNT(*)
FROM tickets WHERE deleted_at IS NULL
GROUP BY status, status_category, department_id, COALESCE(assignee_id, 0), priority, archived;

CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO ticket_counts (status, status_category, department_id, assignee_id, priority, archived, n)
    VALUES (NEW.status, NEW.status_category, NEW.department_id, COALESCE(NEW.assignee_id, 0), NEW.priority, NEW.archived, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets WHEN OLD.deleted_at IS NULL BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE status = OLD.status AND status_category = OLD.status_category AND department_id = OLD.department_id
      AND assignee_id = COALESCE(OLD.assignee_id, 0) AND priority = OLD.priority AND archived = OLD.archived;
END;

CREATE TRIGGER ticket_counts_update AFTER UPDATE OF status, status_category, department_id, assignee_id, priority, archived, deleted_at ON tickets
WHEN OLD.status IS NOT NEW.status OR OLD.status_category IS NOT NEW.status_category
  OR OLD.department_id IS NOT NEW.department_id OR OLD.assignee_id IS NOT NEW.assignee_id
  OR OLD.priority IS NOT NEW.priority OR OLD.archived IS NOT NEW.archived OR OLD.deleted_at IS NOT NEW.deleted_at
BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE OLD.deleted_at IS NULL
      AND status = OLD.status AND status_category = OLD.status_category AND department_id = OLD.department_id
      AND assignee_id = COALESCE(OLD.assignee_id, 0) AND priority = OLD.priority AND archived = OLD.archived;
    INSERT INTO ticket_counts (status, status_category, department_id, assignee_id, priority, archived, n)
    SELECT NEW.status, NEW.status_category, NEW.department_id, COALESCE(NEW.assignee_id, 0), NEW.priority, NEW.archived, 1
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- Agents also see the tickets they flagged; counting those apart needs them found fast.
CREATE INDEX tickets_flagged ON tickets(flagged_id) WHERE flagged_id IS NOT NULL;

-- The queue order (boosted first, then priority, then the longest wait) as an
-- index, so a view's first page in queue order reads its first rows instead of
-- sorting every matching ticket.
CREATE INDEX tickets_queue_order ON tickets(
    queue_boost DESC, priority DESC, COALESCE(awaiting_agent_since, 9223372036854775807), id);

-- "Recently updated" and "recently solved" views count live tickets in a
-- time window: partial indexes of live tickets answer that from the index
-- alone, without reading each ticket to check it was not deleted.
CREATE INDEX tickets_live_updated ON tickets(updated_at) WHERE deleted_at IS NULL;
CREATE INDEX tickets_live_solved ON tickets(solved_at, status_category) WHERE deleted_at IS NULL AND solved_at IS NOT NULL;
