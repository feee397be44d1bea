-- Retention (SPEC §3b): voicemails are deleted after their channel's
-- voicemail_retention_days (0: kept), as call recordings are after
-- recording_retention_days. An expired recording keeps its row without its
-- file (path '', expired set), so the chat and the API say it expired
-- instead of pointing at a file that is gone.
ALTER TABLE channels ADD COLUMN voicemail_retention_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recordings ADD COLUMN expired INTEGER;
CREATE INDEX recordings_live ON recordings(created) WHERE expired IS NULL;
