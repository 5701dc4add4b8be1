-- When a limit's last hit was counted: the sign-in limits' waits grow from
-- the last failure, not from the window's start. A column with a default:
-- the release before this one still works on it.
ALTER TABLE rate_limits ADD COLUMN last_hit BIGINT NOT NULL DEFAULT 0;
