-- When a limit's last hit was counted: the sign-in limits' waits grow from
-- the last failure, not from the window's start.
ALTER TABLE rate_limits ADD COLUMN last_hit INTEGER NOT NULL DEFAULT 0;
