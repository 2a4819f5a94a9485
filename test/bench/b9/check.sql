-- B9 agreement check: a KPI view and the hand-written query must give the same rows before
-- either is timed. Compared over the hand query's columns (a view may have more), each
-- value cast to the hand query's type and then normalised: money (numeric) to the cent, as
-- it is shown; rates and other float8 to 9 significant digits, because the C accessors
-- divide in long double and sum in another order than SQL does (the last bits differ).
-- Rows are compared as a multiset through an order-independent fingerprint (row count and
-- sum of 64-bit row hashes), one pass over each side; on a mismatch the differing rows are
-- shown and the bench stops.

-- float8 to 9 significant digits (NULL stays NULL).
CREATE OR REPLACE FUNCTION bench.b9_sig(x float8) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN x = 0 THEN 0
                ELSE round(x::numeric, 8 - floor(log(abs(x)::numeric))::int) END
$$;

-- The normalised SELECT list for the columns of relation rel (alias q), cast to the types of
-- the same columns in template; errors when rel lacks one of them.
CREATE OR REPLACE FUNCTION bench.b9_normalised(rel regclass, template regclass) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    SELECT string_agg(t.attname, ', ') INTO missing
    FROM pg_attribute t
    WHERE t.attrelid = template AND t.attnum > 0 AND NOT t.attisdropped
      AND NOT EXISTS (SELECT 1 FROM pg_attribute r WHERE r.attrelid = rel AND r.attname = t.attname
                      AND r.attnum > 0 AND NOT r.attisdropped);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'B9: % has no column %', rel, missing;
    END IF;
    RETURN (SELECT string_agg(
                CASE t.atttypid
                    WHEN 'numeric'::regtype THEN format('round(q.%I::numeric, 2)', t.attname)
                    WHEN 'float8'::regtype THEN format('bench.b9_sig(q.%I::float8)', t.attname)
                    ELSE format('q.%I::%s', t.attname, format_type(t.atttypid, NULL)) END
                || format(' AS %I', t.attname), ', ' ORDER BY t.attnum)
            FROM pg_attribute t WHERE t.attrelid = template AND t.attnum > 0 AND NOT t.attisdropped);
END $$;

-- Stops the bench unless query ours (a KPI view) and query theirs (the hand SQL) give the
-- same rows over the columns of theirs. Returns the number of rows.
CREATE OR REPLACE FUNCTION bench.b9_check(label text, ours text, theirs text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    o_list text;
    t_list text;
    o record;
    t record;
    diff text;
BEGIN
    EXECUTE format('CREATE TEMP VIEW b9_ours AS %s', ours);
    EXECUTE format('CREATE TEMP VIEW b9_theirs AS %s', theirs);
    o_list := bench.b9_normalised('b9_ours', 'b9_theirs');
    t_list := bench.b9_normalised('b9_theirs', 'b9_theirs');
    EXECUTE format('SELECT count(*) AS n, coalesce(sum(hashtextextended(x::text, 0)), 0) AS h FROM (SELECT %s FROM b9_ours q) x', o_list) INTO o;
    EXECUTE format('SELECT count(*) AS n, coalesce(sum(hashtextextended(x::text, 0)), 0) AS h FROM (SELECT %s FROM b9_theirs q) x', t_list) INTO t;
    IF o.n <> t.n OR o.h <> t.h OR o.n = 0 THEN
        EXECUTE format($q$SELECT string_agg(side || ' ' || r, E'\n') FROM (
            (SELECT 'view only: ' AS side, x::text AS r FROM ((SELECT %1$s FROM b9_ours q) EXCEPT ALL (SELECT %2$s FROM b9_theirs q)) x LIMIT 5)
            UNION ALL
            (SELECT 'hand only: ', x::text FROM ((SELECT %2$s FROM b9_theirs q) EXCEPT ALL (SELECT %1$s FROM b9_ours q)) x LIMIT 5)) d$q$,
            o_list, t_list) INTO diff;
        RAISE EXCEPTION 'B9: % and the hand-written SQL disagree (% rows against %)', label, o.n, t.n
            USING DETAIL = coalesce(diff, 'no rows');
    END IF;
    DROP VIEW b9_ours;
    DROP VIEW b9_theirs;
    RETURN o.n;
END $$;
