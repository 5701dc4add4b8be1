-- The default views of 0004 were written with created_at and updated_at 0
-- (1970). They were made when 0004 ran: date them so, on installations
-- made before this fix and on new ones alike. A view an admin has changed
-- since keeps its updated_at.

UPDATE views
SET updated_at = CASE WHEN updated_at = 0 THEN
        COALESCE((SELECT applied_at FROM schema_migrations WHERE version = 4), strftime('%s', 'now') * 1000)
    ELSE updated_at END,
    created_at = COALESCE((SELECT applied_at FROM schema_migrations WHERE version = 4), strftime('%s', 'now') * 1000)
WHERE created_at = 0;
