-- "Recently solved" and "recently updated" views count and list the live
-- tickets of a time window. Their partial indexes now also hold what the
-- views and an agent's scope test (category, department, assignee, flag)
-- and the order they sort by (updated), so SQLite counts a window and picks
-- its first page from the index alone, reading only the rows it returns.
DROP INDEX tickets_live_solved;
CREATE INDEX tickets_live_solved ON tickets(
    solved_at, status_category, department_id, assignee_id, flagged_id, updated_at)
    WHERE deleted_at IS NULL AND solved_at IS NOT NULL;
DROP INDEX tickets_live_updated;
CREATE INDEX tickets_live_updated ON tickets(
    updated_at, status_category, department_id, assignee_id, flagged_id)
    WHERE deleted_at IS NULL;
