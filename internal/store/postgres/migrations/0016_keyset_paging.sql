-- Keyset paging: every Graph list pages by its order columns and the id
-- ("after this row"), so each default order, and ordering users and groups by
-- displayName or createdDateTime, gets an index on exactly those columns. A
-- page then starts with one index seek wherever it is in the list; OFFSET read
-- and dropped every row before it. Text orders compare lower(column), so the
-- indexes are on that expression. The (time, id) indexes replace the time-only
-- ones, which they serve as well.
CREATE INDEX users_order_upn ON users (upn_key, id);
CREATE INDEX users_order_display_name ON users (lower(display_name), id);
CREATE INDEX users_order_created_at ON users (created_at, id);
CREATE INDEX groups_order_display_name ON groups (lower(display_name), id);
CREATE INDEX applications_order_display_name ON applications (lower(display_name), id);

DROP INDEX sign_ins_created_at;
CREATE INDEX sign_ins_order_created_at ON sign_ins (created_at, id);
DROP INDEX audits_activity_at;
CREATE INDEX audits_order_activity_at ON audits (activity_at, id);
