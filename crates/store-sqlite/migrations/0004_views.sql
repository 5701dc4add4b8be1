-- Saved views (seed 004's ticket views), with the defaults every
-- installation starts with (Zendesk's and Bangwo8's list).

CREATE TABLE views (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL,
    owner_id       INTEGER REFERENCES users(id) ON DELETE CASCADE,
    department_ids TEXT NOT NULL,
    active         INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    conditions     TEXT NOT NULL,
    columns        TEXT NOT NULL,
    sort           TEXT NOT NULL,
    default_key    TEXT UNIQUE,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX views_owner ON views(owner_id, position);

INSERT INTO views (title, description, owner_id, department_ids, active, position, conditions, columns, sort, default_key, created_at, updated_at)
VALUES
 ('Your unsolved tickets', '', NULL, '[]', 1, 1,
  '{"all":[{"field":"assignee_id","operator":"is","value":"current_user"},{"field":"status","operator":"less_than","value":"solved"}],"any":[]}',
  '["number","subject","requester","department","status","priority","wait","updated"]', '{"by":"queue","order":"desc"}', 'your_unsolved', 0, 0),
 ('Unassigned tickets', '', NULL, '[]', 1, 2,
  '{"all":[{"field":"assignee_id","operator":"absent","value":null},{"field":"status","operator":"less_than","value":"solved"}],"any":[]}',
  '["number","subject","requester","department","status","priority","wait","updated"]', '{"by":"queue","order":"desc"}', 'unassigned', 0, 0),
 ('All unsolved tickets', '', NULL, '[]', 1, 3,
  '{"all":[{"field":"status","operator":"less_than","value":"solved"}],"any":[]}',
  '["number","subject","requester","department","status","priority","assignee","wait","updated"]', '{"by":"queue","order":"desc"}', 'all_unsolved', 0, 0),
 ('New tickets in your departments', '', NULL, '[]', 1, 4,
  '{"all":[{"field":"status_category","operator":"is","value":"new"},{"field":"department_id","operator":"in","value":"current_user_departments"}],"any":[]}',
  '["number","subject","requester","department","priority","wait","created"]', '{"by":"queue","order":"desc"}', 'new_in_departments', 0, 0),
 ('Unsolved tickets in your departments', '', NULL, '[]', 1, 5,
  '{"all":[{"field":"status","operator":"less_than","value":"solved"},{"field":"department_id","operator":"in","value":"current_user_departments"}],"any":[]}',
  '["number","subject","requester","department","status","priority","assignee","wait","updated"]', '{"by":"queue","order":"desc"}', 'departments_unsolved', 0, 0),
 ('Waiting for the customer', '', NULL, '[]', 1, 6,
  '{"all":[{"field":"status_category","operator":"is","value":"pending"}],"any":[]}',
  '["number","subject","requester","department","status","assignee","updated"]', '{"by":"updated","order":"desc"}', 'pending', 0, 0),
 ('Recently updated tickets', '', NULL, '[]', 1, 7,
  '{"all":[{"field":"updated_at","operator":"within_last","value":24}],"any":[]}',
  '["number","subject","requester","department","status","priority","assignee","updated"]', '{"by":"updated","order":"desc"}', 'recently_updated', 0, 0),
 ('Recently solved tickets', '', NULL, '[]', 1, 8,
  '{"all":[{"field":"status_category","operator":"in","value":["solved","closed"]},{"field":"solved_at","operator":"within_last","value":168}],"any":[]}',
  '["number","subject","requester","department","assignee","updated"]', '{"by":"updated","order":"desc"}', 'recently_solved', 0, 0),
 ('All tickets', '', NULL, '[]', 1, 9,
  '{"all":[],"any":[]}',
  '["number","subject","requester","department","status","priority","assignee","updated"]', '{"by":"updated","order":"desc"}', 'all', 0, 0);

-- The queue order: boosted first, then priority, then the longest wait.
CREATE INDEX tickets_queue ON tickets(status_category, queue_boost, priority, awaiting_agent_since);
CREATE INDEX tickets_solved ON tickets(solved_at) WHERE solved_at IS NOT NULL;
