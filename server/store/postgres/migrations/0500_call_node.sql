-- The cluster node that owns a call (its SIP dialog and room): a surviving
-- node ends the live calls of a node that died. Empty on a single meetd.
-- SQLite: 0500_call_node.sql.
ALTER TABLE calls ADD COLUMN node TEXT NOT NULL DEFAULT '';
CREATE INDEX calls_live_node ON calls(node) WHERE state <> 'ended';
