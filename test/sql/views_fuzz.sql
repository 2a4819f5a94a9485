-- Fuzzing the views layer's entry points: register_source, unregister_source,
-- create_kpi_views and grant_kpi_access get hostile kinds, relations, column maps, schema
-- names and grains. Every call must either work or fail with a clean user error (data
-- exception 22, syntax/access/undefined object 42, object state 55); none may reach an
-- internal error, and no name may be executed as SQL.
SET search_path = csmetrics, public;
-- start from no registrations, whatever earlier suites left (test/fixtures/views_reset.sql,
-- not echoed); skipped views are NOTICEs
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
SET client_min_messages = warning;

CREATE SCHEMA "fuzz views; DROP SCHEMA public CASCADE; --";
SET search_path = csmetrics, "fuzz views; DROP SCHEMA public CASCADE; --", public;
CREATE TABLE "Cust""omers" ("id; DROP TABLE x" int, "seg ment" text);
CREATE TABLE subs (customer_id int, started_at date, ended_at date, mrr numeric, "x"")--" text);
CREATE TABLE answers (customer_id int, responded_at timestamptz, score int);
INSERT INTO "Cust""omers" VALUES (1, 'A'), (2, NULL);
INSERT INTO subs VALUES (1, '2024-01-01', NULL, 10, 'x'), (2, '2024-02-01', '2024-01-01', -5, 'y');
INSERT INTO answers VALUES (1, '2024-01-05', 9), (1, '2024-01-06', 11), (3, NULL, 5);
-- a table that must survive everything below
CREATE TABLE canary (alive boolean);
INSERT INTO canary VALUES (true);

CREATE TEMP TABLE fuzz_views_outcome (call text, state text, message text);

-- Runs one call, recording its SQLSTATE.
CREATE FUNCTION pg_temp.fuzz_try(q text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    st text := '00000';
    msg text;
BEGIN
    BEGIN
        EXECUTE q;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    END;
    INSERT INTO fuzz_views_outcome VALUES (q, st, msg);
END $$;

DO $$
DECLARE
    kinds text[] := ARRAY['customers', 'subscriptions', 'survey_responses', 'tickets', 'invoices',
                          'usage_events', 'renewals', 'trials', 'costs', 'bogus', '', 'Customers',
                          'x''; DROP TABLE canary; --', NULL];
    relations text[] := ARRAY['"Cust""omers"', 'subs', 'answers', 'canary', 'no_such_table', '"',
                              'pg_catalog.pg_class', '"fuzz views; DROP SCHEMA public CASCADE; --".subs',
                              'subs; DROP TABLE canary', '', NULL];
    maps text[] := ARRAY['{}', '[]', '1', '"x"', 'null', '{"customer_id": 5}', '{"customer_id": null}',
                         '{"customer_id": "id; DROP TABLE x", "segment": "seg ment"}',
                         '{"customer_id": "no such column"}', '{"bogus": "customer_id"}',
                         '{"mrr": "x\")--"}', '{"score": "customer_id"}',
                         '{"customer_id": "customer_id\"; DROP TABLE canary; --"}',
                         '{"customer_id": {"nested": 1}}', NULL];
    schemas text[] := ARRAY['fuzz_kpi', 'Fuzz KPI"; DROP TABLE canary; --', 'public', 'csmetrics',
                            'pg_catalog', '', NULL];
    grains text[] := ARRAY['month', 'week', 'day', 'quarter', 'year', '', 'month; DROP TABLE canary',
                           NULL];
    i int;
    pick text;
BEGIN
    FOR i IN 1 .. 60 LOOP
        PERFORM pg_temp.fuzz_try(format('SELECT csmetrics.register_source(%L, %L::text, %L::jsonb)',
            kinds[regress.rand_int(1, i, 1, cardinality(kinds))::int],
            relations[regress.rand_int(2, i, 1, cardinality(relations))::int],
            maps[regress.rand_int(3, i, 1, cardinality(maps))::int]));
    END LOOP;
    -- the proper registrations too, so view creation has something to work on
    PERFORM pg_temp.fuzz_try($q$SELECT csmetrics.register_source('customers', '"Cust""omers"', '{"customer_id": "id; DROP TABLE x", "segment": "seg ment"}')$q$);
    PERFORM pg_temp.fuzz_try($q$SELECT csmetrics.register_source('subscriptions', 'subs')$q$);
    PERFORM pg_temp.fuzz_try($q$SELECT csmetrics.register_source('survey_responses', 'answers')$q$);
    FOR i IN 1 .. 10 LOOP
        PERFORM pg_temp.fuzz_try(format('SELECT count(*) FROM csmetrics.create_kpi_views(%L, %L, %L)',
            schemas[regress.rand_int(4, i, 1, cardinality(schemas))::int],
            grains[regress.rand_int(5, i, 1, cardinality(grains))::int],
            regress.rand(6, i) < 0.5));
    END LOOP;
    -- (pg_monitor: a predefined role that every supported version has)
    FOR pick IN SELECT unnest(ARRAY['nobody_here', 'pg_monitor', '', 'x"; DROP TABLE canary; --']) LOOP
        PERFORM pg_temp.fuzz_try(format('SELECT csmetrics.grant_kpi_access(%L)', pick));
    END LOOP;
    FOR i IN 1 .. 10 LOOP
        PERFORM pg_temp.fuzz_try(format('SELECT csmetrics.unregister_source(%L)',
            kinds[regress.rand_int(7, i, 1, cardinality(kinds))::int]));
    END LOOP;
END $$;

-- Both outcomes occurred, and every failure is a clean user error.
SELECT substring(call FROM 'csmetrics\.([a-z_]+)\(') AS entry_point,
       count(*) FILTER (WHERE state = '00000') > 0 AS some_calls_worked,
       count(*) FILTER (WHERE state <> '00000') > 0 AS some_calls_refused
FROM fuzz_views_outcome GROUP BY 1 ORDER BY 1;
SELECT call, state, message
FROM fuzz_views_outcome
WHERE state !~ '^(00|22|42|55)'
ORDER BY call;

-- What view creation made of each target schema and grain.
SELECT call, state, message FROM fuzz_views_outcome
WHERE call LIKE '%create_kpi_views%' ORDER BY call;

-- Nothing was executed from a name: the canary and the schemas are still there.
SELECT alive FROM canary;
SELECT count(*) AS schemas_left
FROM pg_namespace WHERE nspname IN ('public', 'fuzz views; DROP SCHEMA public CASCADE; --');

DELETE FROM csmetrics.sources;
DROP SCHEMA IF EXISTS fuzz_kpi CASCADE;
DROP SCHEMA IF EXISTS "Fuzz KPI""; DROP TABLE canary; --" CASCADE;
DROP SCHEMA "fuzz views; DROP SCHEMA public CASCADE; --" CASCADE;
