-- Call recording (SPEC §3b): per channel on/off and retention; the chat's marker.
ALTER TABLE channels ADD COLUMN recording BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE channels ADD COLUMN recording_retention_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN recorded BOOLEAN NOT NULL DEFAULT false;
