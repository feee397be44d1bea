-- Name and number search by suffix: every suffix of a customer's name and
-- number (lower case), so a substring is a range of this index (q <= suffix <
-- q || x'ff'). Trigram FTS5 had to intersect the posting lists of common
-- trigrams ("000" is in every number, "ana" in many names): 20-40 ms over
-- 200,000 customers where a range read takes a few. lower() folds ASCII
-- only; text whose case folding goes beyond ASCII still uses customers_fts.
-- Suffixes start at the first 256 characters (names are capped at 100,
-- numbers from the trunk at 64). Old suffixes are deleted by key, from the
-- old values.
CREATE TABLE suffix_positions (n INTEGER PRIMARY KEY);
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 256)
INSERT INTO suffix_positions(n) SELECT n FROM s;

CREATE TABLE customer_suffixes (
	suffix      TEXT    NOT NULL,
	customer_id INTEGER NOT NULL,
	PRIMARY KEY (suffix, customer_id)
) WITHOUT ROWID;

CREATE TRIGGER customer_suffixes_ai AFTER INSERT ON customers BEGIN
	INSERT OR IGNORE INTO customer_suffixes(suffix, customer_id)
		SELECT substr(lower(new.name), p.n), new.id FROM suffix_positions p WHERE p.n <= length(new.name)
		UNION SELECT substr(lower(new.number), p.n), new.id FROM suffix_positions p WHERE p.n <= length(new.number);
END;
CREATE TRIGGER customer_suffixes_au AFTER UPDATE OF name, number ON customers BEGIN
	DELETE FROM customer_suffixes WHERE customer_id = old.id AND suffix IN (
		SELECT substr(lower(old.name), p.n) FROM suffix_positions p WHERE p.n <= length(old.name)
		UNION SELECT substr(lower(old.number), p.n) FROM suffix_positions p WHERE p.n <= length(old.number));
	INSERT OR IGNORE INTO customer_suffixes(suffix, customer_id)
		SELECT substr(lower(new.name), p.n), new.id FROM suffix_positions p WHERE p.n <= length(new.name)
		UNION SELECT substr(lower(new.number), p.n), new.id FROM suffix_positions p WHERE p.n <= length(new.number);
END;
CREATE TRIGGER customer_suffixes_ad AFTER DELETE ON customers BEGIN
	DELETE FROM customer_suffixes WHERE customer_id = old.id AND suffix IN (
		SELECT substr(lower(old.name), p.n) FROM suffix_positions p WHERE p.n <= length(old.name)
		UNION SELECT substr(lower(old.number), p.n) FROM suffix_positions p WHERE p.n <= length(old.number));
END;

INSERT OR IGNORE INTO customer_suffixes(suffix, customer_id)
	SELECT substr(lower(c.name), p.n), c.id FROM customers c JOIN suffix_positions p ON p.n <= length(c.name)
	UNION ALL SELECT substr(lower(c.number), p.n), c.id FROM customers c JOIN suffix_positions p ON p.n <= length(c.number);
