-- Hold (SPEC §3b): seconds a call spent on hold. SQLite: 0302_hold.sql.
ALTER TABLE calls ADD COLUMN held_s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN held_since BIGINT;
