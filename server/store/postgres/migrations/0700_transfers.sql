-- Call transfer (SPEC §3b): how often a call was handed on. SQLite: 0700_transfers.sql.
ALTER TABLE calls ADD COLUMN transfers INTEGER NOT NULL DEFAULT 0;
