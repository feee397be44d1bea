-- meetd schema on Postgres, version 1: the tables of the SQLite store's
-- migrations 0001-0003 and 0100 in one step.
--
-- Times are BIGINT Unix nanoseconds (UTC), NULL = unset: the same encoding as
-- the SQLite store, so both give back identical values (timestamptz would
-- round to microseconds). JSON columns are TEXT, written and read by meetd.

-- Trigram indexes for the inbox's free-text search (case-insensitive
-- substring over customer names and numbers and memo texts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE channels (
	id                  BIGSERIAL PRIMARY KEY,
	name                TEXT    NOT NULL UNIQUE,
	timezone            TEXT    NOT NULL DEFAULT 'UTC',
	ring_timeout_s      INTEGER NOT NULL DEFAULT 30,
	max_wait_s          INTEGER NOT NULL DEFAULT 120,
	auto_assign_team_id BIGINT,
	service_level_s     INTEGER NOT NULL DEFAULT 20,
	hours               TEXT    NOT NULL DEFAULT '{"weekly":[]}', -- api.Hours as JSON
	created             BIGINT  NOT NULL
);

CREATE TABLE channel_numbers (
	number     TEXT   PRIMARY KEY,
	channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE
);
CREATE INDEX channel_numbers_channel ON channel_numbers(channel_id);

-- Converted guidance audio: 48 kHz mono s16le PCM.
CREATE TABLE guidance (
	channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	kind       TEXT   NOT NULL,
	pcm        BYTEA  NOT NULL,
	updated    BIGINT NOT NULL,
	PRIMARY KEY (channel_id, kind)
);

CREATE TABLE teams (
	id          BIGSERIAL PRIMARY KEY,
	channel_id  BIGINT  NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	name        TEXT    NOT NULL,
	auto_assign BOOLEAN NOT NULL DEFAULT false,
	strategy    TEXT    NOT NULL DEFAULT 'longest-idle',
	UNIQUE (channel_id, name)
);
ALTER TABLE channels ADD FOREIGN KEY (auto_assign_team_id) REFERENCES teams(id) ON DELETE SET NULL;

CREATE TABLE staff (
	id            BIGSERIAL PRIMARY KEY,
	email         TEXT   NOT NULL,
	name          TEXT   NOT NULL DEFAULT '',
	role          TEXT   NOT NULL,
	password_hash TEXT   NOT NULL,
	created       BIGINT NOT NULL
);
-- Emails compare case-insensitively (SQLite: COLLATE NOCASE).
CREATE UNIQUE INDEX staff_email ON staff(lower(email));

CREATE TABLE team_members (
	team_id  BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
	PRIMARY KEY (team_id, staff_id)
);
CREATE INDEX team_members_staff ON team_members(staff_id);

CREATE TABLE staff_channels (
	staff_id   BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
	channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	PRIMARY KEY (staff_id, channel_id)
);
CREATE INDEX staff_channels_channel ON staff_channels(channel_id);

CREATE TABLE staff_settings (
	staff_id      BIGINT  PRIMARY KEY REFERENCES staff(id) ON DELETE CASCADE,
	dnd           BOOLEAN NOT NULL DEFAULT false,
	mute_on_join  BOOLEAN NOT NULL DEFAULT false,
	notifications TEXT    NOT NULL DEFAULT '{}' -- channel id → bool, JSON
);

CREATE TABLE tokens (
	hash     BYTEA  PRIMARY KEY, -- SHA-256 of the bearer token
	staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
	created  BIGINT NOT NULL,
	expires  BIGINT NOT NULL,
	revoked  BIGINT
);
CREATE INDEX tokens_staff ON tokens(staff_id);

-- name_lc is lower(name) as Go folds it (independent of the database's
-- locale), what the text search matches against.
CREATE TABLE customers (
	id      BIGSERIAL PRIMARY KEY,
	number  TEXT NOT NULL UNIQUE,
	name    TEXT NOT NULL DEFAULT '',
	name_lc TEXT NOT NULL DEFAULT '',
	profile TEXT NOT NULL DEFAULT '{}', -- map[string]string JSON
	tags    TEXT NOT NULL DEFAULT '[]'  -- []string JSON
);
CREATE INDEX customers_name_trgm ON customers USING gin (name_lc gin_trgm_ops);
CREATE INDEX customers_number_trgm ON customers USING gin (number gin_trgm_ops);

CREATE TABLE chats (
	id            BIGSERIAL PRIMARY KEY,
	channel_id    BIGINT  NOT NULL REFERENCES channels(id),
	medium        TEXT    NOT NULL DEFAULT 'phone',
	state         TEXT    NOT NULL DEFAULT 'opened',
	snoozed_until BIGINT,
	assignee_id   BIGINT REFERENCES staff(id),
	team_id       BIGINT REFERENCES teams(id),
	customer_id   BIGINT  NOT NULL REFERENCES customers(id),
	missed        BOOLEAN NOT NULL DEFAULT false,
	missed_reason TEXT    NOT NULL DEFAULT '',
	last_call_id  BIGINT,
	created       BIGINT  NOT NULL,
	updated       BIGINT  NOT NULL,
	closed        BIGINT
);
-- Search pages newest first by id: (filter column, id) walks one index backwards.
CREATE INDEX chats_channel  ON chats(channel_id, id);
CREATE INDEX chats_state    ON chats(state, id);
CREATE INDEX chats_reason   ON chats(missed_reason, id);
CREATE INDEX chats_missed   ON chats(missed, id);
CREATE INDEX chats_assignee ON chats(assignee_id, id);
CREATE INDEX chats_customer ON chats(customer_id, id);
CREATE INDEX chats_created  ON chats(created);
CREATE INDEX chats_snoozed  ON chats(snoozed_until) WHERE state = 'snoozed';
-- Opened chats per assignee (eligibility under auto-assignment, SPEC §2.3).
CREATE INDEX chats_opened   ON chats(channel_id, assignee_id) WHERE state = 'opened';

CREATE TABLE chat_tags (
	tag     TEXT   NOT NULL,
	chat_id BIGINT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
	PRIMARY KEY (tag, chat_id)
);
CREATE INDEX chat_tags_chat ON chat_tags(chat_id, tag);

CREATE TABLE chat_followers (
	chat_id  BIGINT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
	staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
	PRIMARY KEY (chat_id, staff_id)
);

CREATE TABLE memos (
	id       BIGSERIAL PRIMARY KEY,
	chat_id  BIGINT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
	staff_id BIGINT NOT NULL REFERENCES staff(id),
	text     TEXT   NOT NULL,
	text_lc  TEXT   NOT NULL DEFAULT '', -- lower(text) as Go folds it, for search
	created  BIGINT NOT NULL
);
CREATE INDEX memos_chat ON memos(chat_id);
CREATE INDEX memos_text_trgm ON memos USING gin (text_lc gin_trgm_ops);

CREATE TABLE messages (
	id       BIGSERIAL PRIMARY KEY,
	chat_id  BIGINT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
	staff_id BIGINT NOT NULL REFERENCES staff(id),
	text     TEXT   NOT NULL,
	created  BIGINT NOT NULL
);
CREATE INDEX messages_chat ON messages(chat_id);

-- callback_of links: a callback chat points at the chat it calls back.
CREATE TABLE chat_links (
	callback_chat_id BIGINT PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
	original_chat_id BIGINT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
	created          BIGINT NOT NULL
);
CREATE INDEX chat_links_original ON chat_links(original_chat_id);

CREATE TABLE calls (
	id                    BIGSERIAL PRIMARY KEY,
	chat_id               BIGINT  NOT NULL REFERENCES chats(id),
	channel_id            BIGINT  NOT NULL REFERENCES channels(id),
	direction             TEXT    NOT NULL,
	from_number           TEXT    NOT NULL DEFAULT '',
	to_number             TEXT    NOT NULL DEFAULT '',
	state                 TEXT    NOT NULL,
	assignee_id           BIGINT REFERENCES staff(id),
	created               BIGINT  NOT NULL,
	first_waiting_started BIGINT,
	first_ring_started    BIGINT,
	answered              BIGINT,
	ended                 BIGINT,
	duration_s            INTEGER NOT NULL DEFAULT 0,
	missed_reason         TEXT    NOT NULL DEFAULT '',
	end_detail            TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX calls_chat    ON calls(chat_id);
CREATE INDEX calls_created ON calls(created);
CREATE INDEX calls_live    ON calls(channel_id) WHERE state <> 'ended';
-- Call history pages newest first per channel.
CREATE INDEX calls_channel ON calls(channel_id, id);

CREATE TABLE call_participants (
	id       BIGSERIAL PRIMARY KEY,
	call_id  BIGINT  NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
	staff_id BIGINT  NOT NULL REFERENCES staff(id),
	mode     TEXT    NOT NULL,
	joined   BIGINT  NOT NULL,
	left_at  BIGINT,
	muted    BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX call_participants_call ON call_participants(call_id);

CREATE TABLE ring_attempts (
	id       BIGSERIAL PRIMARY KEY,
	call_id  BIGINT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
	staff_id BIGINT NOT NULL REFERENCES staff(id),
	started  BIGINT NOT NULL,
	ended    BIGINT,
	outcome  TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX ring_attempts_call ON ring_attempts(call_id);

-- The append-only log. Ids come from event_counter, not a sequence: a
-- transaction takes the next id with UPDATE ... RETURNING, which locks the
-- counter row until it commits or rolls back. Event-writing transactions are
-- therefore serialised from their first event to their commit, so ids are
-- gapless and in commit order: a reader that has seen id N has seen every
-- id below it (the WebSocket replay and other nodes rely on this).
CREATE TABLE events (
	id         BIGINT PRIMARY KEY,
	type       TEXT   NOT NULL,
	at         BIGINT NOT NULL,
	channel_id BIGINT NOT NULL DEFAULT 0,
	chat_id    BIGINT NOT NULL DEFAULT 0,
	call_id    BIGINT NOT NULL DEFAULT 0,
	staff_id   BIGINT NOT NULL DEFAULT 0,
	actor_id   BIGINT NOT NULL DEFAULT 0,
	data       TEXT
);
CREATE INDEX events_chat ON events(chat_id) WHERE chat_id <> 0;
CREATE INDEX events_call ON events(call_id) WHERE call_id <> 0;

CREATE TABLE event_counter (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	last_id BIGINT  NOT NULL
);
INSERT INTO event_counter(id, last_id) VALUES (1, 0);

-- Inbox tab counts without scanning chats: rows per (channel, medium, state,
-- missed, reason, assignee (0 = none)), kept exact by a trigger in the same
-- transaction as the chat change.
CREATE TABLE chat_counts (
	channel_id    BIGINT  NOT NULL,
	medium        TEXT    NOT NULL,
	state         TEXT    NOT NULL,
	missed        BOOLEAN NOT NULL,
	missed_reason TEXT    NOT NULL,
	assignee_id   BIGINT  NOT NULL,
	n             BIGINT  NOT NULL,
	PRIMARY KEY (channel_id, medium, state, missed, missed_reason, assignee_id)
);

CREATE FUNCTION chat_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		UPDATE chat_counts SET n = n - 1 WHERE channel_id = OLD.channel_id AND medium = OLD.medium
			AND state = OLD.state AND missed = OLD.missed AND missed_reason = OLD.missed_reason
			AND assignee_id = coalesce(OLD.assignee_id, 0);
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') THEN
		INSERT INTO chat_counts(channel_id, medium, state, missed, missed_reason, assignee_id, n)
			VALUES (NEW.channel_id, NEW.medium, NEW.state, NEW.missed, NEW.missed_reason, coalesce(NEW.assignee_id, 0), 1)
			ON CONFLICT (channel_id, medium, state, missed, missed_reason, assignee_id) DO UPDATE SET n = chat_counts.n + 1;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER chat_counts_ins AFTER INSERT ON chats FOR EACH ROW EXECUTE FUNCTION chat_counts_keep();
CREATE TRIGGER chat_counts_del AFTER DELETE ON chats FOR EACH ROW EXECUTE FUNCTION chat_counts_keep();
CREATE TRIGGER chat_counts_upd AFTER UPDATE OF channel_id, medium, state, missed, missed_reason, assignee_id ON chats
	FOR EACH ROW WHEN (OLD.channel_id IS DISTINCT FROM NEW.channel_id OR OLD.medium IS DISTINCT FROM NEW.medium
		OR OLD.state IS DISTINCT FROM NEW.state OR OLD.missed IS DISTINCT FROM NEW.missed
		OR OLD.missed_reason IS DISTINCT FROM NEW.missed_reason OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id)
	EXECUTE FUNCTION chat_counts_keep();

-- Reporting and automation: export audit, post-call automations, SMS outbox.

-- Append-only: nothing in meetd updates or deletes audit rows.
CREATE TABLE audit (
	id       BIGSERIAL PRIMARY KEY,
	staff_id BIGINT NOT NULL,
	at       BIGINT NOT NULL,
	action   TEXT   NOT NULL,
	purpose  TEXT   NOT NULL,
	filters  TEXT   NOT NULL DEFAULT '',
	rows     BIGINT NOT NULL DEFAULT 0
);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit entries cannot be changed or deleted' USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();

CREATE TABLE automations (
	id         BIGSERIAL PRIMARY KEY,
	channel_id BIGINT  NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	position   INTEGER NOT NULL,
	name       TEXT    NOT NULL,
	enabled    BOOLEAN NOT NULL DEFAULT true,
	cond       TEXT    NOT NULL, -- api.AutomationCond JSON
	actions    TEXT    NOT NULL  -- []api.AutomationStep JSON
);
CREATE INDEX automations_channel ON automations(channel_id, position);

CREATE TABLE sms_outbox (
	id          BIGSERIAL PRIMARY KEY,
	chat_id     BIGINT  NOT NULL,
	call_id     BIGINT  NOT NULL DEFAULT 0,
	to_number   TEXT    NOT NULL,
	from_number TEXT    NOT NULL,
	body        TEXT    NOT NULL,
	status      TEXT    NOT NULL DEFAULT 'queued', -- queued, sent, failed
	attempts    INTEGER NOT NULL DEFAULT 0,
	last_error  TEXT    NOT NULL DEFAULT '',
	next_at     BIGINT  NOT NULL,
	sent_at     BIGINT,
	provider_id TEXT    NOT NULL DEFAULT '',
	created     BIGINT  NOT NULL
);
CREATE INDEX sms_outbox_due ON sms_outbox(next_at) WHERE status = 'queued';
CREATE INDEX sms_outbox_chat ON sms_outbox(chat_id);

-- How far the post-call automations have read the event log.
CREATE TABLE automation_cursor (
	id            INTEGER PRIMARY KEY CHECK (id = 1),
	last_event_id BIGINT  NOT NULL
);
