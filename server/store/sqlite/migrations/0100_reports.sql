-- Reporting and automation: export audit, post-call automations, SMS outbox.

-- Append-only: nothing in meetd updates or deletes audit rows.
CREATE TABLE audit (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	staff_id INTEGER NOT NULL,
	at       INTEGER NOT NULL,
	action   TEXT    NOT NULL,
	purpose  TEXT    NOT NULL,
	filters  TEXT    NOT NULL DEFAULT '',
	rows     INTEGER NOT NULL DEFAULT 0
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit entries cannot be deleted'); END;

CREATE TABLE automations (
	id         INTEGER PRIMARY KEY,
	channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	position   INTEGER NOT NULL,
	name       TEXT    NOT NULL,
	enabled    INTEGER NOT NULL DEFAULT 1,
	cond       TEXT    NOT NULL, -- api.AutomationCond JSON
	actions    TEXT    NOT NULL  -- []api.AutomationStep JSON
);
CREATE INDEX automations_channel ON automations(channel_id, position);

CREATE TABLE sms_outbox (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	chat_id     INTEGER NOT NULL,
	call_id     INTEGER NOT NULL DEFAULT 0,
	to_number   TEXT    NOT NULL,
	from_number TEXT    NOT NULL,
	body        TEXT    NOT NULL,
	status      TEXT    NOT NULL DEFAULT 'queued', -- queued, sent, failed
	attempts    INTEGER NOT NULL DEFAULT 0,
	last_error  TEXT    NOT NULL DEFAULT '',
	next_at     INTEGER NOT NULL,
	sent_at     INTEGER,
	provider_id TEXT    NOT NULL DEFAULT '',
	created     INTEGER NOT NULL
);
CREATE INDEX sms_outbox_due ON sms_outbox(next_at) WHERE status = 'queued';
CREATE INDEX sms_outbox_chat ON sms_outbox(chat_id);

-- How far the post-call automations have read the event log.
CREATE TABLE automation_cursor (
	id            INTEGER PRIMARY KEY CHECK (id = 1),
	last_event_id INTEGER NOT NULL
);
