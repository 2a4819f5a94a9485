-- The time zone of the KPI views: create_kpi_views(time_zone => ...) fixes the zone of every
-- period boundary, so the views give the same rows whatever the reader's TimeZone. Instants
-- are put into the periods of that zone; timestamp and date columns are read as wall time
-- in it; durations stay differences of instants.
SET search_path = csmetrics, public;
SET datestyle = 'ISO';
SET timezone = 'UTC';
-- start from no registrations, whatever earlier suites left (test/fixtures/views_reset.sql,
-- not echoed)
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all

CREATE SCHEMA tz_src;
CREATE TABLE tz_src.customers (id int, name text);
CREATE TABLE tz_src.subs (customer_id int, started_at timestamptz, ended_at timestamptz, mrr numeric);
CREATE TABLE tz_src.answers (customer_id int, responded_at timestamptz, score int);
-- ticket times as wall time (timestamp without time zone), as many CRMs store them
CREATE TABLE tz_src.tickets (customer_id int, opened_at timestamp, resolved_at timestamp, contacts int);
INSERT INTO tz_src.customers VALUES (1, 'one'), (2, 'two'), (3, 'three');
-- Instants near midnight: 2024-01-31 20:00 UTC is 2024-02-01 01:30 in Kolkata (UTC+05:30).
INSERT INTO tz_src.subs VALUES
    (1, '2024-01-31 20:00+00', NULL, 100),                      -- starts in February in Kolkata, January in UTC
    (2, '2024-01-10 00:00+00', '2024-02-29 19:00+00', 50),      -- ends on 1 March in Kolkata, 29 February in UTC
    (3, '2024-02-15 12:00+00', '2024-03-31 18:00+00', 70);      -- ends in March in both
INSERT INTO tz_src.answers VALUES
    (1, '2024-01-31 19:00+00', 10),     -- February in Kolkata (00:30), January in UTC
    (2, '2024-01-31 18:29+00', 0),      -- January in both (23:59 in Kolkata)
    (3, '2024-02-29 18:30+00', 9),      -- March in Kolkata (00:00), February in UTC
    (3, '2024-02-29 18:30+00', 11);     -- out of range: data_issues shows its row
-- Paris changes to summer time on 2024-03-31 at 02:00: from 01:30 to 03:30 wall time is one
-- hour. Resolution times are durations between instants.
INSERT INTO tz_src.tickets VALUES (1, '2024-03-31 01:30', '2024-03-31 03:30', 1), (2, '2024-01-31 23:45', '2024-02-01 00:15', 1);
SELECT register_source('customers', 'tz_src.customers', '{"customer_id": "id"}');
SELECT register_source('subscriptions', 'tz_src.subs');
SELECT register_source('survey_responses', 'tz_src.answers');
SELECT register_source('tickets', 'tz_src.tickets');

SET client_min_messages = warning;
SELECT count(*) AS kolkata FROM create_kpi_views('tz_kolkata', 'month', false, 'Asia/Kolkata');
SELECT count(*) AS kolkata_materialized FROM create_kpi_views('tz_kolkata_mat', 'month', true, 'Asia/Kolkata');
SELECT count(*) AS utc FROM create_kpi_views('tz_utc', 'month', false, 'UTC');
SELECT count(*) AS paris FROM create_kpi_views('tz_paris', 'month', false, 'Europe/Paris');
RESET client_min_messages;
SELECT target_schema, time_zone, count(*) FROM kpi_views GROUP BY 1, 2 ORDER BY 1;

-- The periods follow the views' zone, not the reader's.
SELECT 'Kolkata' AS views, month, responses, promoters, detractors FROM tz_kolkata.nps_by_month
UNION ALL
SELECT 'UTC', month, responses, promoters, detractors FROM tz_utc.nps_by_month ORDER BY 1, 2;
SELECT 'Kolkata' AS views, month, mrr, new_mrr, churned_mrr FROM tz_kolkata.mrr_by_month
UNION ALL
SELECT 'UTC', month, mrr, new_mrr, churned_mrr FROM tz_utc.mrr_by_month ORDER BY 1, 2;
SELECT 'Kolkata' AS views, month, customers_start, new_customers, lost_customers, customers_end FROM tz_kolkata.customer_flow_by_month
UNION ALL
SELECT 'UTC', month, customers_start, new_customers, lost_customers, customers_end FROM tz_utc.customer_flow_by_month ORDER BY 1, 2;
-- Wall-time columns are read in the views' zone: the ticket opened at 23:45 on 31 January
-- is a January ticket in every zone; the DST night's ticket took one hour in Paris and two
-- hours in UTC, where 01:30 to 03:30 has no change of offset.
SELECT 'Paris' AS views, month, tickets_opened, tickets_resolved, median_resolution_hours FROM tz_paris.support_by_month
UNION ALL
SELECT 'UTC', month, tickets_opened, tickets_resolved, median_resolution_hours FROM tz_utc.support_by_month ORDER BY 1, 2;
-- Lifetimes are counted in whole months of wall time in the views' zone.
SELECT 'Kolkata' AS views, segment, round(expected_lifetime::numeric, 4) AS expected_lifetime FROM tz_kolkata.ltv
UNION ALL
SELECT 'UTC', segment, round(expected_lifetime::numeric, 4) FROM tz_utc.ltv ORDER BY 1, 2;
-- data_issues shows instants as wall time in the views' zone.
SELECT source, problem, source_row FROM tz_kolkata.data_issues;

-- Every row of every view of a schema, as read in the session's TimeZone. The rows are
-- printed in UTC: an instant (timestamptz) is the same value in every zone, only its display
-- follows the reader's.
CREATE FUNCTION pg_temp.view_rows(target name) RETURNS TABLE (view_name name, rows bigint, fingerprint text)
LANGUAGE plpgsql AS $$
DECLARE
    v record;
    reader text := current_setting('TimeZone');
BEGIN
    FOR v IN SELECT k.view_name FROM csmetrics.kpi_views k WHERE k.target_schema = target AND NOT k.internal ORDER BY k.view_name LOOP
        view_name := v.view_name;
        EXECUTE format('CREATE TEMP TABLE tz_read AS SELECT * FROM %I.%I', target, v.view_name);
        PERFORM set_config('TimeZone', 'UTC', true);
        SELECT count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) INTO rows, fingerprint FROM tz_read t;
        PERFORM set_config('TimeZone', reader, true);
        DROP TABLE tz_read;
        RETURN NEXT;
    END LOOP;
END $$;
CREATE TEMP TABLE tz_reads (reader text, target name, view_name name, rows bigint, fingerprint text);
SET timezone = 'UTC';
INSERT INTO tz_reads SELECT 'UTC', t, r.* FROM unnest('{tz_kolkata,tz_kolkata_mat,tz_utc}'::name[]) t, pg_temp.view_rows(t) r;
SET timezone = 'America/Los_Angeles';
INSERT INTO tz_reads SELECT 'America/Los_Angeles', t, r.* FROM unnest('{tz_kolkata,tz_kolkata_mat,tz_utc}'::name[]) t, pg_temp.view_rows(t) r;
SET timezone = 'Asia/Kolkata';
INSERT INTO tz_reads SELECT 'Asia/Kolkata', t, r.* FROM unnest('{tz_kolkata,tz_kolkata_mat,tz_utc}'::name[]) t, pg_temp.view_rows(t) r;
SET timezone = 'Australia/Adelaide';
INSERT INTO tz_reads SELECT 'Australia/Adelaide', t, r.* FROM unnest('{tz_kolkata,tz_kolkata_mat,tz_utc}'::name[]) t, pg_temp.view_rows(t) r;
SET timezone = 'UTC';
-- Each view reads the same in the four zones (half-hour offsets included), plain and
-- materialized; the plain and the materialized Kolkata views agree.
SELECT target, count(DISTINCT reader) AS readers, count(DISTINCT view_name) AS views, sum(rows)::bigint / count(DISTINCT reader) AS rows_per_read,
       count(*) FILTER (WHERE (view_name, fingerprint) NOT IN (SELECT r.view_name, r.fingerprint FROM tz_reads r
                                                            WHERE r.target = t.target AND r.reader = 'UTC')) AS reads_that_differ
FROM tz_reads t GROUP BY target ORDER BY target;
SELECT count(*) AS views_differing_plain_and_materialized
FROM tz_reads p JOIN tz_reads m ON m.reader = p.reader AND m.view_name = p.view_name AND m.target = 'tz_kolkata_mat'
WHERE p.target = 'tz_kolkata' AND p.fingerprint <> m.fingerprint;
-- ... and a refresh made in another zone keeps them so.
SET timezone = 'America/Los_Angeles';
SET client_min_messages = warning;
SELECT refresh_kpi_views('tz_kolkata_mat');
RESET client_min_messages;
SET timezone = 'UTC';
SELECT count(*) AS views_changed_by_the_refresh
FROM pg_temp.view_rows('tz_kolkata_mat') r JOIN tz_reads t ON t.target = 'tz_kolkata_mat' AND t.reader = 'UTC' AND t.view_name = r.view_name
WHERE r.fingerprint <> t.fingerprint;

-- Without a time zone the views take the session's TimeZone when they are made, and keep it.
SET timezone = 'Australia/Adelaide';
SET client_min_messages = warning;
SELECT count(*) > 0 AS made FROM create_kpi_views('tz_default');
RESET client_min_messages;
SELECT DISTINCT time_zone FROM kpi_views WHERE target_schema = 'tz_default';
SELECT month, responses FROM tz_default.nps_by_month ORDER BY month;
SET timezone = 'UTC';
SELECT month, responses FROM tz_default.nps_by_month ORDER BY month;

-- A time zone PostgreSQL does not know is refused before anything is made.
SELECT regress.expect_error($$SELECT csmetrics.create_kpi_views('tz_bad', 'month', false, 'Mars/Olympus')$$);
SELECT regress.expect_error($$SELECT csmetrics.plan_kpi_views('tz_bad', 'month', false, '')$$);
SELECT to_regnamespace('tz_bad') IS NULL AS nothing_made;

\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
SET client_min_messages = warning;
DROP SCHEMA tz_src, tz_kolkata, tz_kolkata_internal, tz_kolkata_mat, tz_kolkata_mat_internal, tz_utc, tz_utc_internal,
            tz_paris, tz_paris_internal, tz_default, tz_default_internal CASCADE;
RESET client_min_messages;

-- The health views in a zone whose clocks go back at midnight: in Havana, 2024-11-03 00:00 to
-- 00:59 comes twice (first at 04:00 UTC, summer time), and the day's midnight written as a
-- wall time means the second one (05:00 UTC). A row at 04:30 UTC is on 3 November there, and
-- must count in that day's period; rows at 03:30 UTC are on 2 November and must not. Answers
-- and invoices count for a year back from a period end: 2023-11-05 has the same double hour.
-- One measure at a time in the model, on fixed bounds, shows each period's raw value.
CREATE SCHEMA tz_health;
CREATE TABLE tz_health.customers (id int, name text);
CREATE TABLE tz_health.usage (customer_id int, occurred_at timestamptz, quantity int);
CREATE TABLE tz_health.tickets (customer_id int, opened_at timestamptz, resolved_at timestamptz);
CREATE TABLE tz_health.answers (customer_id int, responded_at timestamptz, score int);
CREATE TABLE tz_health.invoices (customer_id int, due_at timestamptz, paid_at timestamptz, amount numeric);
INSERT INTO tz_health.customers VALUES (1, 'in the double hour'), (2, 'the evening before');
INSERT INTO tz_health.usage VALUES
    (1, '2024-11-03 04:30+00', 6), (2, '2024-11-03 03:30+00', 6),      -- 3 Nov 00:30 / 2 Nov 23:30 in Havana
    (1, '2024-11-04 17:00+00', 10), (2, '2024-11-04 17:00+00', 10);    -- 4 Nov: the latest day
INSERT INTO tz_health.tickets VALUES
    (1, '2024-11-03 04:45+00', '2024-11-03 06:00+00'), (2, '2024-11-03 03:45+00', '2024-11-03 06:00+00');
INSERT INTO tz_health.answers VALUES (1, '2023-11-05 04:30+00', 7), (2, '2023-11-05 03:30+00', 7);
INSERT INTO tz_health.invoices VALUES (1, '2023-11-05 04:40+00', '2023-11-07 04:40+00', 100), (2, '2023-11-05 03:40+00', '2023-11-07 03:40+00', 100);
SELECT register_source('customers', 'tz_health.customers', '{"customer_id": "id"}');
SELECT register_source('usage_events', 'tz_health.usage');
SELECT register_source('tickets', 'tz_health.tickets');
SELECT register_source('survey_responses', 'tz_health.answers');
SELECT register_source('invoices', 'tz_health.invoices');
SET client_min_messages = warning;
SELECT count(*) > 0 AS made FROM create_kpi_views('tz_havana', 'day', false, 'America/Havana');
RESET client_min_messages;
CREATE TEMP TABLE saved_model AS SELECT * FROM health_measures;
-- Periods 3 and 4 November 2024. Usage on 0..10: customer 1 used 6 on the 3rd (60), customer 2
-- nothing (0); tickets on 0..5, fewer is better: one on the 3rd for customer 1 (80).
DELETE FROM health_measures;
INSERT INTO health_measures VALUES ('usage', 1, true, 'bounds', 0, 10);
SELECT customer_id, day, usage, health_score, previous_health_score FROM tz_havana.customer_health ORDER BY customer_id;
DELETE FROM health_measures;
INSERT INTO health_measures VALUES ('support', 1, false, 'bounds', 0, 5);
SELECT customer_id, day, tickets, health_score, previous_health_score FROM tz_havana.customer_health ORDER BY customer_id;
-- A later event moves the periods to 4 and 5 November: the year before the end of the 4th
-- starts on 2023-11-05, where customer 1 answered 7 and had an invoice paid 2 days late, and
-- customer 2 the evening before (no value: no score).
INSERT INTO tz_health.usage VALUES (1, '2024-11-05 17:00+00', 1);
DELETE FROM health_measures;
INSERT INTO health_measures VALUES ('nps', 1, true, 'bounds', 0, 10);
SELECT customer_id, day, nps_answer, health_score, previous_health_score FROM tz_havana.customer_health ORDER BY customer_id;
DELETE FROM health_measures;
INSERT INTO health_measures VALUES ('billing', 1, false, 'bounds', 0, 30);
SELECT customer_id, day, days_late, health_score, round(previous_health_score::numeric, 6) AS previous_health_score
FROM tz_havana.customer_health ORDER BY customer_id;
DELETE FROM health_measures;
INSERT INTO health_measures SELECT * FROM saved_model;
DROP TABLE saved_model;
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
SET client_min_messages = warning;
DROP SCHEMA tz_health, tz_havana, tz_havana_internal CASCADE;
RESET client_min_messages;
