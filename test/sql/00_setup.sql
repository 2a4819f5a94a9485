-- Creates the extension and the helpers every suite uses. Runs first in every test run.
-- The extension is created as the released 0.1.0, from its frozen install script, and then
-- updated: every suite runs on what an update gives (test/shell/upgrade.sh checks that this
-- is exactly what a fresh install gives).
CREATE EXTENSION csmetrics VERSION '0.1.0';
ALTER EXTENSION csmetrics UPDATE;
SELECT extname, extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'csmetrics') AS updated_to_default
FROM pg_extension WHERE extname = 'csmetrics';

-- Every object of the extension has a comment. Objects that exist only as a part of another
-- (the array type of a type, the row type of a table: an internal dependency on their owner)
-- are left out: the owner carries the comment, and PostgreSQL lists such parts as extension
-- members only from 17 on.
SELECT pg_describe_object(classid, objid, 0) AS object_without_comment
FROM pg_depend d
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'csmetrics')
  AND d.deptype = 'e'
  AND NOT EXISTS (SELECT FROM pg_depend i WHERE i.classid = d.classid AND i.objid = d.objid AND i.deptype = 'i')
  AND obj_description(objid, (SELECT relname FROM pg_class WHERE oid = classid)) IS NULL
ORDER BY 1;

CREATE SCHEMA regress;

-- Runs a statement that must fail, and shows its SQLSTATE, message and detail.
CREATE FUNCTION regress.expect_error(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    message text;
    detail text;
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL;
    RETURN state || ': ' || message || coalesce(' (' || nullif(detail, '') || ')', '');
END $$;

-- expect_error for a statement about an infinite numeric, which exists from PostgreSQL 14 on
-- (before, 'Infinity'::numeric is itself malformed input). Where numeric has infinities the
-- statement runs and its error is shown, with the expected one added when they differ; where
-- it has none, the expected error is shown: the output is the same on every version.
CREATE FUNCTION regress.expect_infinity_error(query text, expected text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result text;
BEGIN
    BEGIN
        PERFORM 'Infinity'::numeric;
    EXCEPTION WHEN invalid_text_representation THEN
        RETURN expected;
    END;
    result := regress.expect_error(query);
    RETURN result || CASE WHEN result = expected THEN '' ELSE ' [expected ' || expected || ']' END;
END $$;

-- Runs a query under EXPLAIN and says whether the plan contains the given node text
-- (e.g. 'Partial Aggregate'), so parallel tests can prove the plan they test.
CREATE FUNCTION regress.plan_has(query text, node text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        IF position(node IN line) > 0 THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END $$;

-- How many times the plan of a query scans a relation (its name as EXPLAIN prints it), so
-- that a test can prove a source is read once.
CREATE FUNCTION regress.scans(query text, relation text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    line text;
    n bigint := 0;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        IF line ~ (' on ' || relation || '( |$)') THEN
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END $$;

-- Forces parallel plans for the rest of a session (undo with RESET ALL or regress.serial()).
CREATE FUNCTION regress.force_parallel() RETURNS void
LANGUAGE sql AS $$
    SELECT set_config('parallel_setup_cost', '0', false),
           set_config('parallel_tuple_cost', '0', false),
           set_config('min_parallel_table_scan_size', '0', false),
           set_config('max_parallel_workers_per_gather', '2', false),
           set_config('parallel_leader_participation', 'off', false),
           set_config('enable_indexscan', 'off', false),
           set_config('enable_bitmapscan', 'off', false);
$$;

CREATE FUNCTION regress.serial() RETURNS void
LANGUAGE sql AS $$
    SELECT set_config('max_parallel_workers_per_gather', '0', false);
$$;

-- Deterministic pseudo-random numbers, the same on every PostgreSQL version and platform
-- (the server's random() and setseed() give other sequences before 15): draw i of stream
-- seed, uniform in [0, 1), from the first 52 bits of an md5, so exactly representable.
CREATE FUNCTION regress.rand(seed int, i bigint) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('x' || substr(md5(seed::text || ':' || i::text), 1, 13))::bit(52)::bigint / 4503599627370496.0::float8
$$;

-- A whole number from lo to hi (both included), drawn like regress.rand.
CREATE FUNCTION regress.rand_int(seed int, i bigint, lo bigint, hi bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lo + floor(regress.rand(seed, i) * (hi - lo + 1))::bigint
$$;

SELECT i, regress.rand(1, i), regress.rand_int(7, i, -3, 3) FROM generate_series(1, 5) i;
SELECT min(v), max(v), round(avg(v)::numeric, 2) AS mean
FROM (SELECT regress.rand_int(2, i, 0, 10) AS v FROM generate_series(1, 10000) i) s;
