-- Voicemail (SPEC §3b): per channel on/off and longest message; the chat's
-- marker; voicemails and call recordings on disk, listed per chat.
ALTER TABLE channels ADD COLUMN voicemail INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN voicemail_max_s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN voicemail INTEGER NOT NULL DEFAULT 0;

CREATE TABLE recordings (
	id          INTEGER PRIMARY KEY,
	chat_id     INTEGER NOT NULL REFERENCES chats(id),
	call_id     INTEGER NOT NULL REFERENCES calls(id),
	channel_id  INTEGER NOT NULL REFERENCES channels(id),
	kind        TEXT    NOT NULL,
	path        TEXT    NOT NULL,
	duration_ms INTEGER NOT NULL,
	bytes       INTEGER NOT NULL,
	created     INTEGER NOT NULL
);
CREATE INDEX recordings_chat ON recordings(chat_id);
CREATE INDEX recordings_created ON recordings(created);
