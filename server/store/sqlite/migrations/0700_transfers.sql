-- Call transfer (SPEC §3b): how often a call was handed on (blind or
-- attended, to staff, a team or a number), for statistics.
ALTER TABLE calls ADD COLUMN transfers INTEGER NOT NULL DEFAULT 0;
