-- Onboarding and activation: the model tables (onboarding_milestones, onboarding_settings)
-- and their errors, the milestones source kind, customer_onboarding and onboarding_by_<grain>
-- on a hand-checked example and against plain SQL on seeded random data, skipped views,
-- data_issues, materialized views and the readers' time zones.
SET search_path = csmetrics, public;
SET timezone = 'UTC';
SET datestyle = 'ISO';
-- start from no registrations, whatever earlier suites left (test/fixtures/views_reset.sql,
-- not echoed), with the checks of test/fixtures/views_checks.sql
\set ECHO none
\i test/fixtures/views_reset.sql
\i test/fixtures/views_checks.sql
\set ECHO all
CREATE SCHEMA onboarding_src;

-- The model ships empty, the settings with one row (14 days); pg_dump keeps both tables.
SELECT count(*) AS milestones FROM onboarding_milestones;
SELECT * FROM onboarding_settings;
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
WHERE e.extname = 'csmetrics' AND c.relname LIKE 'onboarding%' ORDER BY 1;
-- Bad model rows are refused by named CHECK constraints (SQLSTATE 23514), NULLs by NOT NULL.
SELECT regress.expect_error($$INSERT INTO csmetrics.onboarding_milestones VALUES ('signed_up', -1, true)$$) AS negative_weight;
SELECT regress.expect_error($$INSERT INTO csmetrics.onboarding_milestones VALUES ('signed_up', 'NaN', true)$$) AS nan_weight;
SELECT regress.expect_error($$INSERT INTO csmetrics.onboarding_milestones VALUES ('signed_up', 'infinity', true)$$) AS infinite_weight;
SELECT regress.expect_error($$INSERT INTO csmetrics.onboarding_milestones VALUES ('signed_up', 1000001, true)$$) AS too_large_weight;
SELECT regress.expect_error($$INSERT INTO csmetrics.onboarding_milestones VALUES ('signed_up', NULL, true)$$) AS null_weight;
SELECT regress.expect_error($$INSERT INTO csmetrics.onboarding_milestones VALUES ('  ', 1, true)$$) AS blank_milestone;
SELECT regress.expect_error($$INSERT INTO csmetrics.onboarding_milestones VALUES (NULL, 1, true)$$) AS null_milestone;
SELECT regress.expect_error($$INSERT INTO csmetrics.onboarding_milestones VALUES ('a', 1, NULL)$$) AS null_required;
SELECT regress.expect_error($$INSERT INTO csmetrics.onboarding_milestones VALUES ('a', 1, true), ('a', 2, false)$$) AS duplicate_milestone;
SELECT regress.expect_error($$UPDATE csmetrics.onboarding_settings SET stalled_after_days = 0$$) AS zero_days;
SELECT regress.expect_error($$UPDATE csmetrics.onboarding_settings SET stalled_after_days = 36501$$) AS too_many_days;
SELECT regress.expect_error($$UPDATE csmetrics.onboarding_settings SET stalled_after_days = NULL$$) AS null_days;
-- An INSERT into the settings replaces the row (this is how pg_restore loads changed settings).
INSERT INTO onboarding_settings VALUES (30);
SELECT * FROM onboarding_settings;
INSERT INTO onboarding_settings VALUES (14);

-- The milestones source kind: its columns, checked at registration like any other kind.
SELECT role, required, type_class, description FROM source_columns WHERE kind = 'milestones' ORDER BY position;
SELECT kind, position, problem, bad_when FROM source_checks WHERE kind = 'milestones' ORDER BY position;
CREATE TABLE onboarding_src.accounts (id int, name text, plan text);
CREATE TABLE onboarding_src.subs (account int, started timestamptz, ended timestamptz, mrr numeric);
CREATE TABLE onboarding_src.steps ("Account" int, "Step name" text, "Done at" timestamptz, note text);
SELECT regress.expect_error($$SELECT csmetrics.register_source('milestones', 'onboarding_src.steps')$$) AS unmapped_columns;
SELECT regress.expect_error($$SELECT csmetrics.register_source('milestones', 'onboarding_src.steps',
    '{"customer_id": "Account", "milestone": "Step name", "reached_at": "note"}')$$) AS text_as_time;

-- Without a milestones source, or with an empty model, the onboarding views are skipped.
INSERT INTO onboarding_src.accounts VALUES (1, 'Ada', 'pro'), (2, 'Bo', 'basic'), (3, 'Cy', 'pro'), (4, 'Di', 'basic'),
                                           (5, 'Ed', 'pro'), (6, 'Flo', 'basic');
INSERT INTO onboarding_src.subs VALUES
    (1, '2024-01-01 00:00+00', NULL, 100), (2, '2024-01-10 00:00+00', '2024-06-01', 50),
    (3, '2024-01-05 00:00+00', NULL, 80), (4, '2024-02-01 00:00+00', NULL, 40), (5, '2024-02-20 12:00+00', NULL, 0),
    -- a later subscription does not move the start
    (1, '2024-03-01 00:00+00', NULL, 20),
    -- starts in the future: not started yet, not in the views
    (6, '2999-01-01 00:00+00', NULL, 10);
SELECT register_source('customers', 'onboarding_src.accounts', '{"customer_id": "id", "segment": "plan"}');
SELECT register_source('subscriptions', 'onboarding_src.subs', '{"customer_id": "account", "started_at": "started", "ended_at": "ended"}');
SELECT count(*) AS views_made FROM create_kpi_views('onb', 'month', time_zone => 'UTC');
SELECT register_source('milestones', 'onboarding_src.steps',
                       '{"customer_id": "Account", "milestone": "Step name", "reached_at": "Done at"}');
SELECT count(*) AS views_made FROM create_kpi_views('onb', 'month', time_zone => 'UTC');

-- The model: signed_up (1, required), invited_team (2), first_report (3, required). Weight
-- 6 in all.
INSERT INTO onboarding_milestones VALUES ('signed_up', 1, true), ('invited_team', 2, false), ('first_report', 3, true);
INSERT INTO onboarding_src.steps VALUES
    -- Ada: everything; activated when the last required one (first_report) was reached
    (1, 'signed_up', '2024-01-01 10:00+00'), (1, 'invited_team', '2024-01-03 10:00+00'), (1, 'first_report', '2024-01-20 10:00+00'),
    -- Bo: only signed_up (weight 1 of 6), long ago: stalled
    (2, 'signed_up', '2024-01-10 09:00+00'),
    -- Cy: required ones reached before its start (in a trial): activated, 0 days; a repeated
    -- milestone counts once, at its first time
    (3, 'signed_up', '2023-12-20 00:00+00'), (3, 'first_report', '2024-01-02 12:00+00'), (3, 'first_report', '2024-01-01 12:00+00'),
    -- Di: invited_team only (2 of 6)
    (4, 'invited_team', '2024-02-03 00:00+00'),
    -- Ed: none
    -- rows left out, and listed in data_issues
    (3, 'Signed_Up', '2024-01-01 00:00+00'),          -- not in the model (spelled otherwise)
    (NULL, 'signed_up', '2024-01-01 00:00+00'), (4, NULL, '2024-01-01 00:00+00'), (4, 'signed_up', NULL),
    (99, 'signed_up', '2024-01-01 00:00+00');         -- not a customer
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('onb', 'month', time_zone => 'UTC');
RESET client_min_messages;
SELECT position('kpi_median(' IN pg_get_viewdef('onb.onboarding_by_month'::regclass)) > 0 AS median_from_kpi_median;
SELECT customer_id, name, segment, started_at, milestones_reached, milestones_total, round(onboarding_score::numeric, 2) AS onboarding_score,
       activated, activated_at, round(days_to_activation::numeric, 4) AS days_to_activation, stalled
FROM onb.customer_onboarding;
SELECT month, customers_started, customers_activated, round(activation_rate::numeric, 4) AS activation_rate,
       round(median_days_to_activation::numeric, 4) AS median_days_to_activation, round(mean_onboarding_score::numeric, 4) AS mean_onboarding_score
FROM onb.onboarding_by_month;
SELECT segment, month, customers_started, customers_activated, round(activation_rate::numeric, 4) AS activation_rate,
       round(median_days_to_activation::numeric, 4) AS median_days_to_activation, round(mean_onboarding_score::numeric, 4) AS mean_onboarding_score
FROM onb.onboarding_by_month_by_segment;
SELECT problem, customer_id, source_row FROM onb.data_issues WHERE source = 'milestones' ORDER BY problem, customer_id;
-- Names, types and comments.
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, col_description(a.attrelid, a.attnum) AS comment
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.oid IN ('onb.customer_onboarding'::regclass, 'onb.onboarding_by_month'::regclass) AND a.attnum > 0 ORDER BY c.relname, a.attnum;

-- Stalled: not activated and no milestone for stalled_after_days days. Di reaches a milestone
-- now (two days ago): not stalled; after a setting of 1 day, stalled again. Plain views follow
-- the model and the settings at once.
INSERT INTO onboarding_src.steps VALUES (4, 'signed_up', now() - interval '2 days');
SELECT customer_id, milestones_reached, activated, stalled FROM onb.customer_onboarding WHERE customer_id = '4';
UPDATE onboarding_settings SET stalled_after_days = 1;
SELECT customer_id, milestones_reached, activated, stalled FROM onb.customer_onboarding WHERE customer_id = '4';
UPDATE onboarding_settings SET stalled_after_days = 14;
DELETE FROM onboarding_src.steps WHERE "Done at" > '2025-01-01';
-- A milestone added to the model: one more in every total, its rows no longer issues.
INSERT INTO onboarding_milestones VALUES ('Signed_Up', 0, false);
SELECT customer_id, milestones_reached, milestones_total, round(onboarding_score::numeric, 2) AS onboarding_score
FROM onb.customer_onboarding WHERE customer_id IN ('1', '3');
SELECT count(*) AS unknown_milestone_issues FROM onb.data_issues WHERE problem LIKE 'unknown milestone%';
DELETE FROM onboarding_milestones WHERE milestone = 'Signed_Up';
-- A model without weights has no score; one without required milestones activates every
-- customer at its start.
UPDATE onboarding_milestones SET weight = 0;
SELECT customer_id, onboarding_score, activated FROM onb.customer_onboarding WHERE customer_id = '1';
UPDATE onboarding_milestones SET weight = 1, required = false;
SELECT customer_id, activated, activated_at = started_at AS at_start, days_to_activation, stalled FROM onb.customer_onboarding ORDER BY 1;
UPDATE onboarding_milestones SET weight = CASE milestone WHEN 'signed_up' THEN 1 WHEN 'invited_team' THEN 2 ELSE 3 END,
                                 required = milestone <> 'invited_team';
-- Emptied again: the plain views show no milestones (and no score), and the next
-- create_kpi_views() skips them.
DELETE FROM onboarding_milestones;
SELECT customer_id, milestones_reached, milestones_total, onboarding_score FROM onb.customer_onboarding WHERE customer_id = '1';
SELECT count(*) AS views_made FROM create_kpi_views('onb', 'month', time_zone => 'UTC');
INSERT INTO onboarding_milestones VALUES ('signed_up', 1, true), ('invited_team', 2, false), ('first_report', 3, true);

-- Seeded random data: 2,000 customers in three segments starting over 2023-2024, each
-- reaching some of five milestones (some twice, some before the start, a few outside the
-- model), the model with two required milestones and a zero weight.
DELETE FROM onboarding_milestones;
INSERT INTO onboarding_milestones VALUES ('signed_up', 1, true), ('connected_data', 3, true), ('invited_team', 2, false),
                                         ('first_dashboard', 2.5, false), ('read_docs', 0, false);
CREATE TABLE onboarding_src.customers AS
SELECT c AS id, 'Customer ' || c AS name, (ARRAY['SMB', 'Mid', 'Enterprise'])[1 + regress.rand_int(40, c, 0, 2)::int] AS tier
FROM generate_series(1, 2000) c;
CREATE TABLE onboarding_src.subscriptions AS
SELECT c AS customer_id, timestamptz '2023-01-01 00:00+00' + regress.rand(41, c * 10 + i) * interval '700 days' AS started_at,
       NULL::timestamptz AS ended_at, 50 AS mrr
FROM generate_series(1, 2000) c, generate_series(1, 2) i
WHERE i <= regress.rand_int(42, c, 1, 2) AND c % 50 <> 0;          -- every 50th customer never started
CREATE TABLE onboarding_src.milestones AS
SELECT s.customer_id, m.milestone,
       s.started_at + (regress.rand(44, s.customer_id * 10 + m.k) * 60 - 5) * interval '1 day' AS reached_at
FROM (SELECT customer_id, min(started_at) AS started_at FROM onboarding_src.subscriptions GROUP BY 1) s
CROSS JOIN (VALUES (1, 'signed_up'), (2, 'connected_data'), (3, 'invited_team'), (4, 'first_dashboard'), (5, 'read_docs'),
                   (6, 'watched_webinar')) m(k, milestone)
CROSS JOIN generate_series(1, 2) r
WHERE regress.rand(43, s.customer_id * 100 + m.k * 10 + r) < CASE WHEN r = 1 THEN 0.7 ELSE 0.15 END;
SELECT count(*) AS milestone_rows, count(DISTINCT customer_id) AS customers, count(*) FILTER (WHERE milestone = 'watched_webinar') AS outside_the_model
FROM onboarding_src.milestones;
SELECT register_source('customers', 'onboarding_src.customers', '{"customer_id": "id", "segment": "tier"}');
SELECT register_source('subscriptions', 'onboarding_src.subscriptions');
SELECT register_source('milestones', 'onboarding_src.milestones');

-- customer_onboarding and onboarding_by_<grain> in plain SQL, straight from the tables.
CREATE FUNCTION pg_temp.onboarding() RETURNS TABLE (customer_id text, name text, segment text, started_at timestamptz,
    milestones_reached bigint, milestones_total bigint, onboarding_score float8, activated boolean, activated_at timestamptz,
    days_to_activation float8, stalled boolean)
LANGUAGE sql AS $$
WITH model AS (SELECT * FROM csmetrics.onboarding_milestones),
firsts AS (SELECT m.customer_id, m.milestone, min(m.reached_at) AS reached_at FROM onboarding_src.milestones m
           WHERE m.milestone IN (SELECT milestone FROM model) GROUP BY 1, 2),
starts AS (SELECT s.customer_id, min(s.started_at) AS started_at FROM onboarding_src.subscriptions s GROUP BY 1)
SELECT c.id::text, c.name, c.tier, s.started_at,
       (SELECT count(*) FROM firsts f WHERE f.customer_id = c.id),
       (SELECT count(*) FROM model),
       100 * (SELECT coalesce(sum(m.weight), 0) FROM firsts f JOIN model m USING (milestone) WHERE f.customer_id = c.id) / (SELECT sum(weight) FROM model),
       a.activated, CASE WHEN a.activated THEN a.last_required END,
       CASE WHEN a.activated THEN greatest(0, extract(epoch FROM a.last_required - s.started_at)::float8 / 86400) END,
       NOT a.activated AND greatest(s.started_at, (SELECT max(f.reached_at) FROM firsts f WHERE f.customer_id = c.id)) < now() - interval '14 days'
FROM onboarding_src.customers c JOIN starts s ON s.customer_id = c.id
CROSS JOIN LATERAL (SELECT count(f.milestone) = count(*) AS activated, max(f.reached_at) AS last_required
                    FROM model m LEFT JOIN firsts f ON f.milestone = m.milestone AND f.customer_id = c.id
                    WHERE m.required) a
$$;
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('onb', 'month', time_zone => 'UTC');
RESET client_min_messages;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE v.customer_id IS NULL OR t.customer_id IS NULL
                          OR (v.name, v.segment, v.started_at, v.milestones_reached, v.milestones_total, v.activated, v.activated_at, v.stalled)
                             IS DISTINCT FROM (t.name, t.segment, t.started_at, t.milestones_reached, t.milestones_total, t.activated, t.activated_at, t.stalled)
                          OR NOT abs(v.onboarding_score - t.onboarding_score) < 1e-9
                          OR (v.days_to_activation IS DISTINCT FROM t.days_to_activation
                              AND NOT abs(v.days_to_activation - t.days_to_activation) < 1e-9)) AS mismatches
FROM onb.customer_onboarding v FULL JOIN pg_temp.onboarding() t USING (customer_id);
SELECT count(*) AS customers, count(*) FILTER (WHERE activated) AS activated, count(*) FILTER (WHERE stalled) AS stalled,
       count(*) FILTER (WHERE days_to_activation = 0) AS activated_before_start, min(onboarding_score) AS min_score,
       max(onboarding_score) AS max_score
FROM onb.customer_onboarding;
CREATE FUNCTION pg_temp.by_start(grain text, by_segment boolean) RETURNS TABLE (segment text, period date, customers_started bigint,
    customers_activated bigint, activation_rate float8, median_days_to_activation float8, mean_onboarding_score float8)
LANGUAGE sql AS $$
SELECT CASE WHEN by_segment THEN segment ELSE '(all)' END, date_trunc(grain, started_at AT TIME ZONE 'UTC')::date, count(*),
       count(*) FILTER (WHERE activated), avg(activated::int)::float8,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_activation), avg(onboarding_score)
FROM pg_temp.onboarding() GROUP BY 1, 2
$$;
CREATE FUNCTION pg_temp.compare(view_name text, period text, grain text, by_segment boolean) RETURNS TABLE (periods bigint, mismatches bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        SELECT count(*), count(*) FILTER (WHERE v.period IS NULL OR t.period IS NULL
              OR (v.customers_started, v.customers_activated) IS DISTINCT FROM (t.customers_started, t.customers_activated)
              OR NOT abs(v.activation_rate - t.activation_rate) < 1e-12
              OR (v.median_days_to_activation IS DISTINCT FROM t.median_days_to_activation
                  AND NOT abs(v.median_days_to_activation - t.median_days_to_activation) < 1e-9)
              OR NOT abs(v.mean_onboarding_score - t.mean_onboarding_score) < 1e-9)
        FROM (SELECT %3$s AS segment, %1$I AS period, customers_started, customers_activated, activation_rate,
                     median_days_to_activation, mean_onboarding_score FROM %2$s) v
        FULL JOIN pg_temp.by_start(%4$L, %5$L) t USING (segment, period)$q$,
        period, view_name, CASE WHEN by_segment THEN 'segment' ELSE '''(all)''::text' END, grain, by_segment);
END $$;
SELECT * FROM pg_temp.compare('onb.onboarding_by_month', 'month', 'month', false);
SELECT * FROM pg_temp.compare('onb.onboarding_by_month_by_segment', 'month', 'month', true);
SELECT month, customers_started, customers_activated, round(activation_rate::numeric, 4) AS activation_rate,
       round(median_days_to_activation::numeric, 2) AS median_days_to_activation, round(mean_onboarding_score::numeric, 2) AS mean_onboarding_score
FROM onb.onboarding_by_month WHERE month IN ('2023-01-01', '2024-06-01');
SELECT problem, count(*) FROM onb.data_issues WHERE source = 'milestones' GROUP BY 1 ORDER BY 1;
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('onb', 'quarter', time_zone => 'UTC');
RESET client_min_messages;
SELECT * FROM pg_temp.compare('onb.onboarding_by_quarter_by_segment', 'quarter', 'quarter', true);

-- Materialized: unique keys, the same rows, a concurrent refresh that follows new milestones;
-- parallel plans give the same rows.
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('onb_mat', 'month', materialized => true, time_zone => 'UTC');
RESET client_min_messages;
SELECT c.relname, pg_get_indexdef(i.indexrelid) AS unique_index
FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid AND i.indisunique
WHERE c.relnamespace = 'onb_mat'::regnamespace AND (c.relname LIKE 'onboarding%' OR c.relname = 'customer_onboarding') ORDER BY 1;
INSERT INTO onboarding_src.milestones SELECT customer_id, 'connected_data', started_at + interval '1 day'
FROM onboarding_src.subscriptions WHERE customer_id % 7 = 0;
SET client_min_messages = warning;
SELECT refresh_kpi_views('onb_mat') > 0 AS refreshed;
RESET client_min_messages;
SELECT pg_temp.differing_rows('SELECT * FROM onb.customer_onboarding', 'SELECT * FROM onb_mat.customer_onboarding') AS differing_rows;
SELECT * FROM pg_temp.compare('onb_mat.onboarding_by_month_by_segment', 'month', 'month', true);
-- (the mean score is a float sum, whose last bits follow the order of the additions)
SELECT * FROM pg_temp.serial_and_parallel($$SELECT segment, quarter, customers_started, customers_activated, activation_rate,
                                                  median_days_to_activation, round(mean_onboarding_score::numeric, 9) AS mean_onboarding_score
                                           FROM onb.onboarding_by_quarter_by_segment$$, 'Gather');

-- The views' time zone decides the start cohort: a customer starting on January 31 at 20:00
-- UTC started in February in Kolkata. The reader's TimeZone does not matter.
SELECT unregister_source('customers');
SELECT register_source('subscriptions', 'onboarding_src.subs', '{"customer_id": "account", "started_at": "started", "ended_at": "ended"}');
SELECT register_source('milestones', 'onboarding_src.steps', '{"customer_id": "Account", "milestone": "Step name", "reached_at": "Done at"}');
DELETE FROM onboarding_milestones;
INSERT INTO onboarding_milestones VALUES ('signed_up', 1, true), ('invited_team', 2, false), ('first_report', 3, true);
UPDATE onboarding_src.subs SET started = '2024-01-31 20:00+00' WHERE account = 4;
SET client_min_messages = warning;
SELECT count(*) FROM create_kpi_views('onb_utc', 'month', time_zone => 'UTC');
SELECT count(*) FROM create_kpi_views('onb_kolkata', 'month', time_zone => 'Asia/Kolkata');
RESET client_min_messages;
SELECT 'UTC' AS views_zone, month, customers_started FROM onb_utc.onboarding_by_month
UNION ALL SELECT 'Asia/Kolkata', month, customers_started FROM onb_kolkata.onboarding_by_month ORDER BY 1 DESC, 2;
SELECT pg_temp.readings('onb_kolkata.onboarding_by_month', ARRAY['UTC', 'Asia/Kolkata', 'America/St_Johns']) AS different_readings;

SET client_min_messages = warning;
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
DELETE FROM onboarding_milestones;
DROP SCHEMA onboarding_src, onb, onb_internal, onb_mat, onb_mat_internal, onb_utc, onb_utc_internal, onb_kolkata, onb_kolkata_internal CASCADE;
RESET client_min_messages;
