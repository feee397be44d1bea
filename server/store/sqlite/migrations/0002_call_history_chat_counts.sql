-- Call history pages newest first per channel: (channel_id, rowid) walks backwards.
CREATE INDEX calls_channel ON calls(channel_id);

-- Inbox tab counts without scanning chats: rows per (channel, medium, state,
-- missed), kept exact by triggers in the same transaction as the chat change.
CREATE TABLE chat_counts (
	channel_id INTEGER NOT NULL,
	medium     TEXT    NOT NULL,
	state      TEXT    NOT NULL,
	missed     INTEGER NOT NULL,
	n          INTEGER NOT NULL,
	PRIMARY KEY (channel_id, medium, state, missed)
) WITHOUT ROWID;

INSERT INTO chat_counts(channel_id, medium, state, missed, n)
	SELECT channel_id, medium, state, missed, count(*) FROM chats GROUP BY 1, 2, 3, 4;

CREATE TRIGGER chat_counts_ai AFTER INSERT ON chats BEGIN
	INSERT INTO chat_counts(channel_id, medium, state, missed, n)
		VALUES (new.channel_id, new.medium, new.state, new.missed, 1)
		ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER chat_counts_ad AFTER DELETE ON chats BEGIN
	UPDATE chat_counts SET n = n - 1 WHERE channel_id = old.channel_id AND medium = old.medium
		AND state = old.state AND missed = old.missed;
END;
CREATE TRIGGER chat_counts_au AFTER UPDATE OF channel_id, medium, state, missed ON chats
WHEN old.channel_id IS NOT new.channel_id OR old.medium IS NOT new.medium
	OR old.state IS NOT new.state OR old.missed IS NOT new.missed BEGIN
	UPDATE chat_counts SET n = n - 1 WHERE channel_id = old.channel_id AND medium = old.medium
		AND state = old.state AND missed = old.missed;
	INSERT INTO chat_counts(channel_id, medium, state, missed, n)
		VALUES (new.channel_id, new.medium, new.state, new.missed, 1)
		ON CONFLICT DO UPDATE SET n = n + 1;
END;
