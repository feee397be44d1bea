-- chat_counts also keyed by missed reason and assignee (0 = none), so the
-- usual inbox filters (reason, assignee) are counted from it too.
DROP TRIGGER chat_counts_ai;
DROP TRIGGER chat_counts_ad;
DROP TRIGGER chat_counts_au;
DROP TABLE chat_counts;

CREATE TABLE chat_counts (
	channel_id    INTEGER NOT NULL,
	medium        TEXT    NOT NULL,
	state         TEXT    NOT NULL,
	missed        INTEGER NOT NULL,
	missed_reason TEXT    NOT NULL,
	assignee_id   INTEGER NOT NULL,
	n             INTEGER NOT NULL,
	PRIMARY KEY (channel_id, medium, state, missed, missed_reason, assignee_id)
) WITHOUT ROWID;

INSERT INTO chat_counts(channel_id, medium, state, missed, missed_reason, assignee_id, n)
	SELECT channel_id, medium, state, missed, missed_reason, coalesce(assignee_id, 0), count(*) FROM chats GROUP BY 1, 2, 3, 4, 5, 6;

CREATE TRIGGER chat_counts_ai AFTER INSERT ON chats BEGIN
	INSERT INTO chat_counts(channel_id, medium, state, missed, missed_reason, assignee_id, n)
		VALUES (new.channel_id, new.medium, new.state, new.missed, new.missed_reason, coalesce(new.assignee_id, 0), 1)
		ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER chat_counts_ad AFTER DELETE ON chats BEGIN
	UPDATE chat_counts SET n = n - 1 WHERE channel_id = old.channel_id AND medium = old.medium AND state = old.state
		AND missed = old.missed AND missed_reason = old.missed_reason AND assignee_id = coalesce(old.assignee_id, 0);
END;
CREATE TRIGGER chat_counts_au AFTER UPDATE OF channel_id, medium, state, missed, missed_reason, assignee_id ON chats
WHEN old.channel_id IS NOT new.channel_id OR old.medium IS NOT new.medium OR old.state IS NOT new.state
	OR old.missed IS NOT new.missed OR old.missed_reason IS NOT new.missed_reason OR old.assignee_id IS NOT new.assignee_id BEGIN
	UPDATE chat_counts SET n = n - 1 WHERE channel_id = old.channel_id AND medium = old.medium AND state = old.state
		AND missed = old.missed AND missed_reason = old.missed_reason AND assignee_id = coalesce(old.assignee_id, 0);
	INSERT INTO chat_counts(channel_id, medium, state, missed, missed_reason, assignee_id, n)
		VALUES (new.channel_id, new.medium, new.state, new.missed, new.missed_reason, coalesce(new.assignee_id, 0), 1)
		ON CONFLICT DO UPDATE SET n = n + 1;
END;
