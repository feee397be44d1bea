-- meetd schema, version 1. Times are INTEGER Unix nanoseconds (UTC); NULL = unset.
-- Migration numbers 0100 and up are reserved for statistics / automation tables.

CREATE TABLE channels (
	id                  INTEGER PRIMARY KEY,
	name                TEXT    NOT NULL UNIQUE,
	timezone            TEXT    NOT NULL DEFAULT 'UTC',
	ring_timeout_s      INTEGER NOT NULL DEFAULT 30,
	max_wait_s          INTEGER NOT NULL DEFAULT 120,
	auto_assign_team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,
	service_level_s     INTEGER NOT NULL DEFAULT 20,
	hours               TEXT    NOT NULL DEFAULT '{"weekly":[]}', -- api.Hours as JSON
	created             INTEGER NOT NULL
);

CREATE TABLE channel_numbers (
	number     TEXT    PRIMARY KEY,
	channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE
);
CREATE INDEX channel_numbers_channel ON channel_numbers(channel_id);

-- Converted guidance audio: 48 kHz mono s16le PCM.
CREATE TABLE guidance (
	channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	kind       TEXT    NOT NULL,
	pcm        BLOB    NOT NULL,
	updated    INTEGER NOT NULL,
	PRIMARY KEY (channel_id, kind)
);

CREATE TABLE teams (
	id          INTEGER PRIMARY KEY,
	channel_id  INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	name        TEXT    NOT NULL,
	auto_assign INTEGER NOT NULL DEFAULT 0,
	strategy    TEXT    NOT NULL DEFAULT 'longest-idle',
	UNIQUE (channel_id, name)
);

CREATE TABLE staff (
	id            INTEGER PRIMARY KEY,
	email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
	name          TEXT    NOT NULL DEFAULT '',
	role          TEXT    NOT NULL,
	password_hash TEXT    NOT NULL,
	created       INTEGER NOT NULL
);

CREATE TABLE team_members (
	team_id  INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
	PRIMARY KEY (team_id, staff_id)
) WITHOUT ROWID;
CREATE INDEX team_members_staff ON team_members(staff_id);

CREATE TABLE staff_channels (
	staff_id   INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
	channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	PRIMARY KEY (staff_id, channel_id)
) WITHOUT ROWID;
CREATE INDEX staff_channels_channel ON staff_channels(channel_id);

CREATE TABLE staff_settings (
	staff_id      INTEGER PRIMARY KEY REFERENCES staff(id) ON DELETE CASCADE,
	dnd           INTEGER NOT NULL DEFAULT 0,
	mute_on_join  INTEGER NOT NULL DEFAULT 0,
	notifications TEXT    NOT NULL DEFAULT '{}' -- channel id → bool, JSON
);

CREATE TABLE tokens (
	hash     BLOB    PRIMARY KEY, -- SHA-256 of the bearer token
	staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
	created  INTEGER NOT NULL,
	expires  INTEGER NOT NULL,
	revoked  INTEGER
) WITHOUT ROWID;
CREATE INDEX tokens_staff ON tokens(staff_id);

CREATE TABLE customers (
	id      INTEGER PRIMARY KEY,
	number  TEXT    NOT NULL UNIQUE,
	name    TEXT    NOT NULL DEFAULT '',
	profile TEXT    NOT NULL DEFAULT '{}', -- map[string]string JSON
	tags    TEXT    NOT NULL DEFAULT '[]'  -- []string JSON
);

CREATE TABLE chats (
	id            INTEGER PRIMARY KEY,
	channel_id    INTEGER NOT NULL REFERENCES channels(id),
	medium        TEXT    NOT NULL DEFAULT 'phone',
	state         TEXT    NOT NULL DEFAULT 'opened',
	snoozed_until INTEGER,
	assignee_id   INTEGER REFERENCES staff(id),
	team_id       INTEGER REFERENCES teams(id),
	customer_id   INTEGER NOT NULL REFERENCES customers(id),
	missed        INTEGER NOT NULL DEFAULT 0,
	missed_reason TEXT    NOT NULL DEFAULT '',
	last_call_id  INTEGER,
	created       INTEGER NOT NULL,
	updated       INTEGER NOT NULL,
	closed        INTEGER
);
-- Search pages newest first by id (creation order); each index also holds the rowid,
-- so "WHERE col = ? ORDER BY id DESC" walks one index backwards.
CREATE INDEX chats_channel  ON chats(channel_id);
CREATE INDEX chats_state    ON chats(state);
CREATE INDEX chats_reason   ON chats(missed_reason);
CREATE INDEX chats_missed   ON chats(missed);
CREATE INDEX chats_assignee ON chats(assignee_id);
CREATE INDEX chats_customer ON chats(customer_id);
CREATE INDEX chats_created  ON chats(created);
CREATE INDEX chats_snoozed  ON chats(snoozed_until) WHERE state = 'snoozed';

CREATE TABLE chat_tags (
	tag     TEXT    NOT NULL,
	chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
	PRIMARY KEY (tag, chat_id)
) WITHOUT ROWID;
CREATE INDEX chat_tags_chat ON chat_tags(chat_id, tag);

CREATE TABLE chat_followers (
	chat_id  INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
	staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
	PRIMARY KEY (chat_id, staff_id)
) WITHOUT ROWID;

CREATE TABLE memos (
	id       INTEGER PRIMARY KEY,
	chat_id  INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
	staff_id INTEGER NOT NULL REFERENCES staff(id),
	text     TEXT    NOT NULL,
	created  INTEGER NOT NULL
);
CREATE INDEX memos_chat ON memos(chat_id);

CREATE TABLE messages (
	id       INTEGER PRIMARY KEY,
	chat_id  INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
	staff_id INTEGER NOT NULL REFERENCES staff(id),
	text     TEXT    NOT NULL,
	created  INTEGER NOT NULL
);
CREATE INDEX messages_chat ON messages(chat_id);

-- callback_of links: a callback chat points at the chat it calls back.
CREATE TABLE chat_links (
	callback_chat_id INTEGER PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
	original_chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
	created          INTEGER NOT NULL
);
CREATE INDEX chat_links_original ON chat_links(original_chat_id);

CREATE TABLE calls (
	id                    INTEGER PRIMARY KEY,
	chat_id               INTEGER NOT NULL REFERENCES chats(id),
	channel_id            INTEGER NOT NULL REFERENCES channels(id),
	direction             TEXT    NOT NULL,
	from_number           TEXT    NOT NULL DEFAULT '',
	to_number             TEXT    NOT NULL DEFAULT '',
	state                 TEXT    NOT NULL,
	assignee_id           INTEGER REFERENCES staff(id),
	created               INTEGER NOT NULL,
	first_waiting_started INTEGER,
	first_ring_started    INTEGER,
	answered              INTEGER,
	ended                 INTEGER,
	duration_s            INTEGER NOT NULL DEFAULT 0,
	missed_reason         TEXT    NOT NULL DEFAULT '',
	end_detail            TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX calls_chat    ON calls(chat_id);
CREATE INDEX calls_created ON calls(created);
CREATE INDEX calls_live    ON calls(channel_id) WHERE state <> 'ended';

CREATE TABLE call_participants (
	id       INTEGER PRIMARY KEY,
	call_id  INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
	staff_id INTEGER NOT NULL REFERENCES staff(id),
	mode     TEXT    NOT NULL,
	joined   INTEGER NOT NULL,
	left_at  INTEGER,
	muted    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX call_participants_call ON call_participants(call_id);

CREATE TABLE ring_attempts (
	id       INTEGER PRIMARY KEY,
	call_id  INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
	staff_id INTEGER NOT NULL REFERENCES staff(id),
	started  INTEGER NOT NULL,
	ended    INTEGER,
	outcome  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX ring_attempts_call ON ring_attempts(call_id);

-- The append-only log. AUTOINCREMENT: ids only grow, never reused.
CREATE TABLE events (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	type       TEXT    NOT NULL,
	at         INTEGER NOT NULL,
	channel_id INTEGER NOT NULL DEFAULT 0,
	chat_id    INTEGER NOT NULL DEFAULT 0,
	call_id    INTEGER NOT NULL DEFAULT 0,
	staff_id   INTEGER NOT NULL DEFAULT 0,
	actor_id   INTEGER NOT NULL DEFAULT 0,
	data       TEXT
);
CREATE INDEX events_chat ON events(chat_id) WHERE chat_id <> 0;
CREATE INDEX events_call ON events(call_id) WHERE call_id <> 0;

-- Free-text search: trigram FTS5 gives case-insensitive substring matches (3+ chars)
-- over customer names and numbers and over memo texts; triggers keep them in sync.
CREATE VIRTUAL TABLE customers_fts USING fts5(name, number, tokenize = 'trigram');
CREATE TRIGGER customers_fts_ai AFTER INSERT ON customers BEGIN
	INSERT INTO customers_fts(rowid, name, number) VALUES (new.id, new.name, new.number);
END;
CREATE TRIGGER customers_fts_au AFTER UPDATE OF name, number ON customers BEGIN
	UPDATE customers_fts SET name = new.name, number = new.number WHERE rowid = new.id;
END;
CREATE TRIGGER customers_fts_ad AFTER DELETE ON customers BEGIN
	DELETE FROM customers_fts WHERE rowid = old.id;
END;

CREATE VIRTUAL TABLE memos_fts USING fts5(text, chat_id UNINDEXED, tokenize = 'trigram');
CREATE TRIGGER memos_fts_ai AFTER INSERT ON memos BEGIN
	INSERT INTO memos_fts(rowid, text, chat_id) VALUES (new.id, new.text, new.chat_id);
END;
CREATE TRIGGER memos_fts_ad AFTER DELETE ON memos BEGIN
	DELETE FROM memos_fts WHERE rowid = old.id;
END;

-- Opened chats per assignee (eligibility under auto-assignment, SPEC §2.3).
CREATE INDEX chats_opened ON chats(channel_id, assignee_id) WHERE state = 'opened';
