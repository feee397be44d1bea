-- IVR menus (SPEC §3b): a channel's menu tree as JSON ('' = none), and the
-- keys its caller pressed recorded on the chat (for routing, stats and
-- automations). SQLite: 0300_ivr_menus.sql.
ALTER TABLE channels ADD COLUMN menu TEXT NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN menu_path TEXT NOT NULL DEFAULT '';
