-- Fuzzing the entry points of the cohort, churn-by-reason and onboarding views: registrations
-- of the milestones kind and of the churn_reason role with hostile names and maps, hostile
-- model rows in onboarding_milestones and onboarding_settings, hostile values in the data
-- (reasons and milestone names that look like SQL, extreme times and amounts), and
-- create_kpi_views over every grain, plain and materialized, in several time zones, each view
-- then read. Every call must work or fail with a clean user error (data exception 22,
-- integrity constraint 23, syntax/access/undefined object 42, object state 55); none may
-- reach an internal error, and no name or value may be executed as SQL. Choices are drawn
-- with regress.rand, so every run makes the same calls.
SET search_path = csmetrics, public;
-- start from no registrations, whatever earlier suites left (test/fixtures/views_reset.sql,
-- not echoed); skipped views are NOTICEs
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
SET client_min_messages = warning;
DELETE FROM onboarding_milestones;

CREATE SCHEMA "analysis fuzz'; DROP TABLE canary; --";
SET search_path = "analysis fuzz'; DROP TABLE canary; --", csmetrics, public;
CREATE TABLE "Acc""ounts" ("id; DROP TABLE canary" int, "seg ment" text);
CREATE TABLE subs (customer_id int, started_at timestamptz, ended_at timestamptz, mrr numeric,
                   "why""); DROP TABLE canary; --" text, reasons text[], reason_code int);
CREATE TABLE "mile""stones" ("who" int, "what; DROP TABLE canary" text, "when" timestamptz, "when as text" text, "what id" int);
-- a table that must survive everything below
CREATE TABLE canary (alive boolean);
INSERT INTO canary VALUES (true);

-- Hostile values: reasons and milestone names that look like SQL or placeholders, empty and
-- blank strings, long and non-ASCII text; times from the first centuries to the far future;
-- amounts from a cent to a trillion (MRR paths take up to 8 fraction digits).
CREATE TABLE pool (kind text, i int, v text);
INSERT INTO pool SELECT 'text', ordinality, v FROM unnest(ARRAY[
    'price', 'competitor', '', '   ', NULL, 'x''; DROP TABLE canary; --', '{{period}}', '{{schema}}.canary', '"quoted"',
    'très cher', repeat('long reason ', 200), E'tab\there', 'unknown', 'Unknown', 'signed_up', 'invited_team']) WITH ORDINALITY AS v;
INSERT INTO pool SELECT 'time', ordinality, v FROM unnest(ARRAY[
    '2024-01-31 23:59:59.999999+00', '2024-02-29 12:00+00', '2024-03-31 22:30+00', '0001-01-01 00:00+00', '2999-12-31 00:00+00',
    '2023-06-15 00:00+00', '2024-10-27 01:30+00', NULL, 'infinity', '-infinity']) WITH ORDINALITY AS v;
INSERT INTO pool SELECT 'amount', ordinality, v FROM unnest(ARRAY[
    '0', '0.01', '49.999', '1e12', '123456789.12345678', '-5', NULL, '0.5']) WITH ORDINALITY AS v;
CREATE FUNCTION pg_temp.pick(k text, seed int, i int) RETURNS text LANGUAGE sql AS $$
    SELECT v FROM pool WHERE kind = k AND i = 1 + regress.rand_int(seed, pick.i, 0, (SELECT count(*) - 1 FROM pool WHERE kind = k))
$$;
INSERT INTO "Acc""ounts" SELECT c, CASE WHEN c % 4 = 0 THEN NULL ELSE pg_temp.pick('text', 50, c) END FROM generate_series(1, 60) c;
INSERT INTO subs
SELECT 1 + regress.rand_int(51, i, 0, 64), t, CASE WHEN regress.rand(52, i) < 0.3 THEN NULL ELSE t + regress.rand(53, i) * interval '300 days' END,
       pg_temp.pick('amount', 54, i)::numeric, pg_temp.pick('text', 55, i), ARRAY[pg_temp.pick('text', 56, i)], regress.rand_int(57, i, -3, 3)
FROM (SELECT i, timestamptz '2023-01-01 00:00+00' + regress.rand(58, i) * interval '700 days' AS t FROM generate_series(1, 300) i) g;
INSERT INTO "mile""stones"
SELECT 1 + regress.rand_int(59, i, 0, 64), pg_temp.pick('text', 60, i), pg_temp.pick('time', 61, i)::timestamptz,
       pg_temp.pick('time', 62, i), regress.rand_int(63, i, 0, 9)
FROM generate_series(1, 400) i;

CREATE TEMP TABLE outcome (call text, state text, message text);

-- Runs one call, recording its SQLSTATE.
CREATE FUNCTION pg_temp.try(q text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    st text := '00000';
    msg text;
BEGIN
    BEGIN
        EXECUTE q;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    END;
    INSERT INTO outcome VALUES (q, st, msg);
END $$;

-- Reads every view a create_kpi_views() call made in a schema.
CREATE FUNCTION pg_temp.read_all(target name) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v record;
BEGIN
    FOR v IN SELECT k.view_name FROM csmetrics.kpi_views k WHERE k.target_schema = target AND NOT k.internal ORDER BY k.position LOOP
        -- every column of every row is computed (count(*) alone would skip them)
        PERFORM pg_temp.try(format('SELECT count(*), md5(string_agg(v::text, %L)) FROM %I.%I AS v', ',', target, v.view_name));
    END LOOP;
END $$;

DO $$
DECLARE
    relations text[] := ARRAY['"mile""stones"', 'subs', '"Acc""ounts"', 'canary', 'no_such_table', '',
                              '"analysis fuzz''; DROP TABLE canary; --"."mile""stones"', 'subs; DROP TABLE canary', NULL];
    milestone_maps text[] := ARRAY['{"customer_id": "who", "milestone": "what; DROP TABLE canary", "reached_at": "when"}',
                                   '{"customer_id": "who", "milestone": "what id", "reached_at": "when"}',
                                   '{"customer_id": "who", "milestone": "what; DROP TABLE canary", "reached_at": "when as text"}',
                                   '{"customer_id": "who", "milestone": "what; DROP TABLE canary\"; --", "reached_at": "when"}',
                                   '{"customer_id": "who", "milestone": {"x": 1}, "reached_at": "when"}',
                                   '{"customer_id": "who", "milestones": "what", "reached_at": "when"}',
                                   '{}', '[]', 'null', NULL];
    subscription_maps text[] := ARRAY['{"churn_reason": "why\"); DROP TABLE canary; --"}', '{"churn_reason": "reasons"}',
                                      '{"churn_reason": "reason_code"}', '{"churn_reason": "no such column"}',
                                      '{"churn_reason": null}', '{"churn_reason": 5}', '{"Churn_Reason": "why"}', '{}'];
    weights text[] := ARRAY['1', '0', '-1', '''NaN''', '''infinity''', '1e308', '0.5', 'NULL'];
    days text[] := ARRAY['14', '0', '1', '36500', '36501', '-7', 'NULL'];
    grains text[] := ARRAY['month', 'week', 'day', 'quarter'];
    zones text[] := ARRAY['UTC', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham', 'Mars/Olympus'];
    i int;
    target text;
BEGIN
    FOR i IN 1 .. 30 LOOP
        PERFORM pg_temp.try(format('SELECT csmetrics.register_source(%L, %L::text, %L::jsonb)',
            (ARRAY['milestones', 'subscriptions', 'Milestones'])[1 + regress.rand_int(70, i, 0, 2)::int],
            relations[1 + regress.rand_int(71, i, 0, cardinality(relations) - 1)::int],
            CASE WHEN regress.rand(72, i) < 0.5 THEN milestone_maps[1 + regress.rand_int(73, i, 0, cardinality(milestone_maps) - 1)::int]
                 ELSE subscription_maps[1 + regress.rand_int(74, i, 0, cardinality(subscription_maps) - 1)::int] END));
    END LOOP;
    FOR i IN 1 .. 40 LOOP
        PERFORM pg_temp.try(format('INSERT INTO csmetrics.onboarding_milestones VALUES (%L, %s, %s)',
            pg_temp.pick('text', 75, i), weights[1 + regress.rand_int(76, i, 0, cardinality(weights) - 1)::int],
            (ARRAY['true', 'false', 'NULL'])[1 + regress.rand_int(77, i, 0, 2)::int]));
    END LOOP;
    FOR i IN 1 .. 8 LOOP
        PERFORM pg_temp.try(format('INSERT INTO csmetrics.onboarding_settings VALUES (%s)', days[1 + regress.rand_int(78, i, 0, cardinality(days) - 1)::int]));
    END LOOP;
    -- the proper registrations too, so that view creation has something to work on
    PERFORM pg_temp.try($q$SELECT csmetrics.register_source('customers', '"Acc""ounts"', '{"customer_id": "id; DROP TABLE canary", "segment": "seg ment"}')$q$);
    PERFORM pg_temp.try($q$SELECT csmetrics.register_source('subscriptions', 'subs', '{"churn_reason": "why\"); DROP TABLE canary; --"}')$q$);
    PERFORM pg_temp.try($q$SELECT csmetrics.register_source('milestones', '"mile""stones"', '{"customer_id": "who", "milestone": "what; DROP TABLE canary", "reached_at": "when"}')$q$);
    FOR i IN 1 .. 8 LOOP
        target := 'analysis_fuzz_' || i;
        PERFORM pg_temp.try(format('SELECT count(*) FROM csmetrics.create_kpi_views(%L, %L, %L, %L)', target,
            grains[1 + regress.rand_int(79, i, 0, cardinality(grains) - 1)::int], regress.rand(80, i) < 0.5,
            zones[1 + regress.rand_int(81, i, 0, cardinality(zones) - 1)::int]));
        PERFORM pg_temp.read_all(target);
        IF i % 3 = 0 THEN
            PERFORM pg_temp.try(format('SELECT csmetrics.refresh_kpi_views(%L)', target));
        END IF;
    END LOOP;
END $$;

-- Both outcomes occurred where both are possible, and every failure is a clean user error.
SELECT coalesce(substring(call FROM 'csmetrics\.([a-z_]+)'), substring(call FROM ' FROM [a-z_0-9]+\.([a-z_]+?)(_by_[a-z]+)* AS v$'), left(call, 20)) AS entry_point,
       count(*) AS calls, count(*) FILTER (WHERE state = '00000') AS worked, count(*) FILTER (WHERE state <> '00000') AS refused
FROM outcome
WHERE call ~ '(register_source|onboarding_|create_kpi_views|refresh_kpi_views|cohort_retention|churn_by_reason|onboarding)'
GROUP BY 1 ORDER BY 1;
SELECT call, state, message FROM outcome WHERE state !~ '^(00|22|23|42|55)' ORDER BY call;
-- The new views were made and read.
SELECT count(*) FILTER (WHERE state = '00000') AS reads_that_worked, count(*) AS reads
FROM outcome WHERE call ~ ' FROM analysis_fuzz_[0-9]+\.(cohort_retention|churn_by_reason|customer_onboarding|onboarding_by)';
-- The model holds only rows that pass its checks; the settings one row.
SELECT count(*) FILTER (WHERE weight >= 0 AND weight <= 1000000 AND btrim(milestone) <> '' AND required IS NOT NULL) = count(*) AS model_rows_valid
FROM onboarding_milestones;
SELECT count(*) AS settings_rows, bool_and(stalled_after_days BETWEEN 1 AND 36500) AS settings_valid FROM onboarding_settings;

-- Nothing was executed from a name or a value: the canary and the schemas are still there.
SELECT alive FROM canary;
SELECT count(*) AS schemas_left FROM pg_namespace WHERE nspname IN ('public', 'analysis fuzz''; DROP TABLE canary; --');

\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
DELETE FROM onboarding_milestones;
INSERT INTO onboarding_settings VALUES (14);
DO $$
DECLARE
    s name;
BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'analysis\_fuzz\_%' LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
    END LOOP;
END $$;
DROP SCHEMA "analysis fuzz'; DROP TABLE canary; --" CASCADE;
