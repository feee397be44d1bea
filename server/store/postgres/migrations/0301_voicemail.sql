-- Voicemail (SPEC §3b): per channel on/off and longest message; the chat's
-- marker; voicemails and call recordings on disk, listed per chat.
-- SQLite: 0301_voicemail.sql.
ALTER TABLE channels ADD COLUMN voicemail BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE channels ADD COLUMN voicemail_max_s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN voicemail BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE recordings (
	id          BIGSERIAL PRIMARY KEY,
	chat_id     BIGINT NOT NULL REFERENCES chats(id),
	call_id     BIGINT NOT NULL REFERENCES calls(id),
	channel_id  BIGINT NOT NULL REFERENCES channels(id),
	kind        TEXT   NOT NULL,
	path        TEXT   NOT NULL,
	duration_ms BIGINT NOT NULL,
	bytes       BIGINT NOT NULL,
	created     BIGINT NOT NULL
);
CREATE INDEX recordings_chat ON recordings(chat_id);
CREATE INDEX recordings_created ON recordings(created);
