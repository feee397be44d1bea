-- When each node (''= a single meetd) was last known alive: after a crash,
-- the calls it left unfinished end at that moment, not at the restart.
CREATE TABLE heartbeats (
	node TEXT PRIMARY KEY,
	at   INTEGER NOT NULL -- unix ns
);
