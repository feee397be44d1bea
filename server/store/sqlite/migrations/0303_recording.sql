-- Call recording (SPEC §3b): per channel on/off and retention; the chat's marker.
ALTER TABLE channels ADD COLUMN recording INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN recording_retention_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN recorded INTEGER NOT NULL DEFAULT 0;
