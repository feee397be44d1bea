-- Name and number search by suffix, as on SQLite: every suffix of a
-- customer's folded name (name_lc, folded in Go) and lower-cased number, so
-- a substring is a range of this index (q <= suffix < q || U+10FFFF, in
-- byte order: COLLATE "C"). The pg_trgm GIN indexes had to combine the
-- posting lists of common trigrams ("000" is in every number, "ana" in many
-- names): 30-40 ms over 200,000 customers.
CREATE TABLE customer_suffixes (
	suffix      TEXT COLLATE "C" NOT NULL,
	customer_id BIGINT NOT NULL,
	PRIMARY KEY (suffix, customer_id)
);

CREATE FUNCTION customer_suffix_texts(name_lc TEXT, number TEXT) RETURNS SETOF TEXT
LANGUAGE sql IMMUTABLE AS $$
	SELECT substr(name_lc, i) FROM generate_series(1, char_length(name_lc)) i
	UNION SELECT substr(lower(number), i) FROM generate_series(1, char_length(number)) i
$$;

CREATE FUNCTION customer_suffixes_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		DELETE FROM customer_suffixes WHERE customer_id = OLD.id
			AND suffix IN (SELECT customer_suffix_texts(OLD.name_lc, OLD.number));
	END IF;
	IF TG_OP <> 'DELETE' THEN
		INSERT INTO customer_suffixes(suffix, customer_id)
			SELECT s, NEW.id FROM customer_suffix_texts(NEW.name_lc, NEW.number) s
			ON CONFLICT DO NOTHING;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER customer_suffixes_sync AFTER INSERT OR DELETE OR UPDATE OF name_lc, number ON customers
	FOR EACH ROW EXECUTE FUNCTION customer_suffixes_sync();

INSERT INTO customer_suffixes(suffix, customer_id)
	SELECT s, c.id FROM customers c, customer_suffix_texts(c.name_lc, c.number) s
	ON CONFLICT DO NOTHING;
