-- When a user's password last changed: access tokens issued before it are
-- refused, so a new password ends every session at once.
ALTER TABLE users ADD COLUMN password_changed_at timestamptz;
