-- Hold (SPEC §3b): seconds a call spent on hold, for the timer and statistics.
ALTER TABLE calls ADD COLUMN held_s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN held_since INTEGER;
