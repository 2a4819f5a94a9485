-- The support, renewal, trial and time-to-value views against plain SQL on the source rows.

-- Not echoed: the registered CRM of test/fixtures/crm_views.sql with its KPI views in the
-- schema "KPI Views"; search_path csmetrics, public; time zone UTC; ISO dates.
\set ECHO none
\i test/fixtures/crm_views.sql
\set ECHO all

-- Support, renewals, trials against direct SQL.
SELECT count(*) AS months,
       count(*) FILTER (WHERE v.tickets_resolved <> d.n OR abs(v.fcr - d.fcr) > 1e-12 OR abs(v.median_resolution_hours - d.med) > 1e-9) AS mismatches
FROM "KPI ""Views""".support_by_month v
JOIN (SELECT date_trunc('month', resolved_at)::date AS month, count(*) AS n, avg((contacts <= 1)::int) AS fcr,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - opened_at) / 3600) AS med
      FROM "CRM Data".tickets WHERE resolved_at >= opened_at AND customer_id::text IN (SELECT id FROM t_customers) GROUP BY 1) d USING (month);
SELECT count(*) AS months,
       count(*) FILTER (WHERE v.renewals_due <> d.due OR abs(v.renewal_rate - d.rate) > 1e-12 OR v.amount_renewed <> d.amt) AS mismatches
FROM "KPI ""Views""".renewals_by_month v
JOIN (SELECT date_trunc('month', due_at)::date AS month, count(*) AS due, avg(renewed::int) AS rate,
             sum(amount) FILTER (WHERE renewed) AS amt FROM "CRM Data".renewals GROUP BY 1) d USING (month);
SELECT count(*) AS months,
       count(*) FILTER (WHERE v.trials_started <> d.n OR abs(v.conversion_rate - d.rate) > 1e-12) AS mismatches
FROM "KPI ""Views""".trials_by_month v
JOIN (SELECT date_trunc('month', started_at)::date AS month, count(*) AS n, avg((converted_at IS NOT NULL)::int) AS rate
      FROM "CRM Data".trials WHERE customer_id IS NULL OR customer_id::text IN (SELECT id FROM t_customers) GROUP BY 1) d USING (month);
SELECT month, tickets_opened, tickets_resolved, first_contact_resolutions, round(fcr::numeric, 4) AS fcr,
       round(median_resolution_hours::numeric, 2) AS median_hours
FROM "KPI ""Views""".support_by_month ORDER BY month LIMIT 2;

-- kpi_overview reads support from the tickets opened or resolved in the latest month only.
-- Its columns agree with the view's latest row at every cut-off of the tickets (as known
-- then: opened by the cut-off, resolved only if by then), early in a month (its tickets
-- mostly resolved, opened the month before) or later.
CREATE VIEW "CRM Data".tickets_then AS
SELECT customer_id, opened_at,
       CASE WHEN resolved_at <= current_setting('support_test.cut')::timestamptz THEN resolved_at END AS resolved_at, contacts
FROM "CRM Data".tickets WHERE opened_at <= current_setting('support_test.cut')::timestamptz;
SELECT register_source('tickets', '"CRM Data".tickets_then');
SET support_test.cut = '2025-01-01';
SET client_min_messages = warning;
SELECT count(*) > 0 AS made FROM create_kpi_views('support_then', 'month', time_zone => 'UTC');
RESET client_min_messages;
-- The medians come from kpi_median, an aggregate the planner can hash (percentile_cont, an
-- ordered-set aggregate, made it sort every ticket by period first; the views keep it under
-- Citus only).
SELECT position('kpi_median(' IN pg_get_viewdef('support_then.support_by_month'::regclass)) > 0 AS kpi_median,
       position('percentile_cont' IN pg_get_viewdef('support_then.support_by_month'::regclass)) > 0 AS percentile_cont,
       regress.plan_has('SELECT * FROM support_then.support_by_month', 'HashAggregate') AS hashed;
CREATE TEMP TABLE support_cuts (cut timestamptz, month date, opened bigint, resolved bigint, same boolean);
DO $$
DECLARE
    cut timestamptz;
BEGIN
    FOR cut IN SELECT c FROM generate_series(timestamptz '2024-02-02 06:00+00', '2025-12-31', interval '1 month 11 days') c LOOP
        PERFORM set_config('support_test.cut', cut::text, true);
        INSERT INTO support_cuts
        SELECT cut, s.month, s.tickets_opened, s.tickets_resolved,
               (o.fcr, o.median_resolution_hours) IS NOT DISTINCT FROM (s.fcr, s.median_resolution_hours)
        FROM support_then.kpi_overview o, (SELECT * FROM support_then.support_by_month ORDER BY month DESC LIMIT 1) s;
    END LOOP;
END $$;
SELECT count(*) AS cut_offs, count(DISTINCT month) AS latest_months, min(opened) AS fewest_opened, max(resolved) AS most_resolved,
       count(*) FILTER (WHERE resolved > opened) AS more_resolved_than_opened, count(*) FILTER (WHERE NOT same) AS mismatches
FROM support_cuts;
SELECT register_source('tickets', '"CRM Data".tickets');
SET client_min_messages = warning;
DROP SCHEMA support_then, support_then_internal CASCADE;
RESET client_min_messages;
DROP VIEW "CRM Data".tickets_then;

-- Time to first value: days from a customer's first subscription to its first usage event.
WITH f AS (SELECT customer_id, min(started_at) AS started_at FROM t_subs GROUP BY 1),
     d AS (SELECT date_trunc('month', f.started_at)::date AS month, count(*) AS started,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM v.first - f.started_at) / 86400) AS med
           FROM f LEFT JOIN LATERAL (SELECT min(u.occurred_at) AS first FROM "CRM Data".usage_events u
                                     WHERE u.customer_id::text = f.customer_id AND u.occurred_at >= f.started_at) v ON true
           GROUP BY 1)
SELECT count(*) AS months, count(*) FILTER (WHERE v.customers_started <> d.started OR abs(v.median_days_to_first_value - d.med) > 1e-9) AS mismatches
FROM "KPI ""Views""".time_to_value_by_month v FULL JOIN d USING (month);

-- Time to first value when the subscriptions and the usage events give their customer ids in
-- different types. A subscription and a usage event belong to the same customer when their
-- ids match as each is matched with the customers: as they are where all the types agree, as
-- text where they differ. So the same CRM gives the same rows whichever types its ids have.
-- Start from no registrations (test/fixtures/views_reset.sql, not echoed), with the checks of
-- test/fixtures/views_checks.sql.
\set ECHO none
\i test/fixtures/views_reset.sql
\i test/fixtures/views_checks.sql
\set ECHO all
CREATE SCHEMA ttv_src;
CREATE TABLE ttv_src.accounts (id bigint, plan text);
CREATE TABLE ttv_src.subs (account bigint, started timestamptz, ended timestamptz, mrr numeric);
CREATE TABLE ttv_src.usage (account bigint, at timestamptz);
-- Worked example, in January and February 2024 (the seeded customers start from March):
--   1 (pro)   starts Jan 1; used the product Dec 20 (before: does not count), then Jan 3 12:00: 2.5 days
--   2 (basic) starts Jan 10 and again Mar 1 (the first start counts); first use Jan 20: 10 days
--   3 (pro)   starts Jan 15; never used it
--   4 (basic) starts Feb 1; first use Feb 2: 1 day
-- January: 3 started, 2 reached value, median (2.5 + 10) / 2 = 6.25 days; February: 1, 1, 1 day.
INSERT INTO ttv_src.accounts VALUES (1, 'pro'), (2, 'basic'), (3, 'pro'), (4, 'basic');
INSERT INTO ttv_src.subs VALUES (1, '2024-01-01 00:00+00', NULL, 10), (2, '2024-01-10 00:00+00', '2024-02-10 00:00+00', 20),
                                (2, '2024-03-01 00:00+00', NULL, 20), (3, '2024-01-15 00:00+00', NULL, 30), (4, '2024-02-01 00:00+00', NULL, 40);
INSERT INTO ttv_src.usage VALUES (1, '2023-12-20 00:00+00'), (1, '2024-01-03 12:00+00'), (1, '2024-01-08 00:00+00'),
                                 (2, '2024-01-20 00:00+00'), (4, '2024-02-02 00:00+00');
-- Seeded: 296 customers starting March to December 2024 (a third with a second subscription),
-- each with 0 to 4 usage events from 10 days before to 60 days after its first start.
INSERT INTO ttv_src.accounts SELECT c, CASE WHEN c % 3 = 0 THEN 'basic' ELSE 'pro' END FROM generate_series(5, 300) c;
INSERT INTO ttv_src.subs
SELECT c, timestamptz '2024-03-01 00:00+00' + make_interval(days => regress.rand_int(71, c * 10 + k, 0, 290)::int, secs => regress.rand_int(72, c * 10 + k, 0, 86399)),
       NULL, 10 * k
FROM generate_series(5, 300) c, generate_series(1, 2) k WHERE k = 1 OR regress.rand(73, c) < 0.3;
INSERT INTO ttv_src.usage
SELECT s.account, s.started + make_interval(secs => regress.rand_int(74, s.account * 10 + e, -10 * 86400, 60 * 86400))
FROM (SELECT account, min(started) AS started FROM ttv_src.subs WHERE account >= 5 GROUP BY 1) s, generate_series(1, 4) e
WHERE regress.rand(75, s.account * 10 + e) < 0.6;
-- The same rows with the subscriptions' ids as text, and with the usage events' ids as text.
CREATE TABLE ttv_src.subs_text AS SELECT account::text AS account, started, ended, mrr FROM ttv_src.subs;
CREATE TABLE ttv_src.usage_text AS SELECT account::text AS account, at FROM ttv_src.usage;

-- The rows of both time to value views of a set that differ from those of ttv_same.
CREATE FUNCTION pg_temp.differing_from_same(target text) RETURNS TABLE (view_name text, differing_rows bigint)
LANGUAGE sql AS $$
SELECT v, pg_temp.differing_rows(format('SELECT * FROM %I.%I', target, v), format('SELECT * FROM ttv_same.%I', v))
FROM unnest(ARRAY['time_to_value_by_month', 'time_to_value_by_month_by_segment']) v
$$;

-- Every id bigint: the reference set, plain.
SELECT register_source('customers', 'ttv_src.accounts', '{"customer_id": "id", "segment": "plan"}');
SELECT register_source('subscriptions', 'ttv_src.subs', '{"customer_id": "account", "started_at": "started", "ended_at": "ended"}');
SELECT register_source('usage_events', 'ttv_src.usage', '{"customer_id": "account", "occurred_at": "at"}');
SET client_min_messages = warning;
SELECT count(*) > 0 AS made FROM create_kpi_views('ttv_same', 'month', time_zone => 'UTC');
RESET client_min_messages;
SELECT month, customers_started, customers_reaching_value, median_days_to_first_value
FROM ttv_same.time_to_value_by_month WHERE month < '2024-03-01' ORDER BY month;
SELECT segment, month, customers_started, customers_reaching_value, median_days_to_first_value
FROM ttv_same.time_to_value_by_month_by_segment WHERE month < '2024-03-01' ORDER BY segment, month;
-- (the seeded months against plain SQL on the tables)
WITH f AS (SELECT account, min(started) AS started FROM ttv_src.subs GROUP BY 1),
     d AS (SELECT date_trunc('month', f.started AT TIME ZONE 'UTC')::date AS month, count(*) AS started, count(v.first) AS reached,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM v.first - f.started) / 86400) AS med
           FROM f LEFT JOIN LATERAL (SELECT min(u.at) AS first FROM ttv_src.usage u WHERE u.account = f.account AND u.at >= f.started) v ON true
           GROUP BY 1)
SELECT count(*) AS months, sum(d.started) AS started, sum(d.reached) AS reached,
       count(*) FILTER (WHERE v.month IS NULL OR d.month IS NULL OR (v.customers_started, v.customers_reaching_value) <> (d.started, d.reached)
                          OR NOT abs(v.median_days_to_first_value - d.med) < 1e-9) AS mismatches
FROM ttv_same.time_to_value_by_month v FULL JOIN d USING (month);

-- Subscriptions' ids text, usage events' bigint (as the customers'): the plain set, and the
-- materialized set, where the helper first_values holds each customer's first values.
SELECT register_source('subscriptions', 'ttv_src.subs_text', '{"customer_id": "account", "started_at": "started", "ended_at": "ended"}');
SET client_min_messages = warning;
SELECT count(*) > 0 AS made FROM create_kpi_views('ttv_subs_text', 'month', time_zone => 'UTC');
SELECT count(*) > 0 AS made FROM create_kpi_views('ttv_subs_text_mat', 'month', true, 'UTC');
SELECT v AS view, position('kpi_median(' IN pg_get_viewdef(v::regclass)) > 0 AS kpi_median
FROM unnest(ARRAY['ttv_subs_text.time_to_value_by_month', 'ttv_subs_text_mat.time_to_value_by_month']) AS v;
RESET client_min_messages;
SELECT month, customers_started, customers_reaching_value, median_days_to_first_value
FROM ttv_subs_text.time_to_value_by_month WHERE month < '2024-03-01' ORDER BY month;
SELECT * FROM pg_temp.differing_from_same('ttv_subs_text');
SELECT * FROM pg_temp.differing_from_same('ttv_subs_text_mat');
-- (parallel plans give the same rows)
SELECT * FROM pg_temp.serial_and_parallel('SELECT * FROM ttv_subs_text.time_to_value_by_month_by_segment', 'Gather');
SELECT c.relkind, count(*) AS customers, count(f.first_value_at) AS reaching_value
FROM ttv_subs_text_mat_internal.first_values f, pg_class c WHERE c.oid = 'ttv_subs_text_mat_internal.first_values'::regclass GROUP BY 1;

-- Usage events' ids text, subscriptions' bigint: plain and materialized.
SELECT register_source('subscriptions', 'ttv_src.subs', '{"customer_id": "account", "started_at": "started", "ended_at": "ended"}');
SELECT register_source('usage_events', 'ttv_src.usage_text', '{"customer_id": "account", "occurred_at": "at"}');
SET client_min_messages = warning;
SELECT count(*) > 0 AS made FROM create_kpi_views('ttv_usage_text', 'month', time_zone => 'UTC');
SELECT count(*) > 0 AS made FROM create_kpi_views('ttv_usage_text_mat', 'month', true, 'UTC');
RESET client_min_messages;
SELECT * FROM pg_temp.differing_from_same('ttv_usage_text');
SELECT * FROM pg_temp.differing_from_same('ttv_usage_text_mat');

-- Without customers (every segment "(none)"): the subscriptions' ids text, the usage events'
-- bigint, against the same without customers and with bigint ids.
SELECT unregister_source('customers');
SELECT register_source('usage_events', 'ttv_src.usage', '{"customer_id": "account", "occurred_at": "at"}');
SET client_min_messages = warning;
SELECT count(*) > 0 AS made FROM create_kpi_views('ttv_alone_same', 'month', time_zone => 'UTC');
SELECT register_source('subscriptions', 'ttv_src.subs_text', '{"customer_id": "account", "started_at": "started", "ended_at": "ended"}');
SELECT count(*) > 0 AS made FROM create_kpi_views('ttv_alone_text', 'month', time_zone => 'UTC');
SELECT count(*) > 0 AS made FROM create_kpi_views('ttv_alone_text_mat', 'month', true, 'UTC');
RESET client_min_messages;
SELECT pg_temp.differing_rows('SELECT * FROM ttv_alone_text.time_to_value_by_month', 'SELECT * FROM ttv_alone_same.time_to_value_by_month') AS differing_rows,
       pg_temp.differing_rows('SELECT * FROM ttv_alone_text_mat.time_to_value_by_month', 'SELECT * FROM ttv_alone_same.time_to_value_by_month') AS differing_rows_materialized,
       pg_temp.differing_rows('SELECT * FROM ttv_alone_same.time_to_value_by_month', 'SELECT * FROM ttv_same.time_to_value_by_month') AS differing_from_ttv_same;

-- Ids equal as numbers but not as text: customers '1' (pro) and '1.0' (basic), text ids;
-- subscriptions and usage events give them as numeric. They are matched with the customers as
-- text, so they stay two customers here too: '1' first used the product after 1 day, '1.0'
-- after 4 (not after 1 day, as the usage of 1 matching 1.0 would give).
CREATE TABLE ttv_src.decimal_accounts (id text, plan text);
CREATE TABLE ttv_src.decimal_subs (account numeric, started timestamptz, ended timestamptz, mrr numeric);
CREATE TABLE ttv_src.decimal_usage (account numeric, at timestamptz);
INSERT INTO ttv_src.decimal_accounts VALUES ('1', 'pro'), ('1.0', 'basic');
INSERT INTO ttv_src.decimal_subs VALUES (1, '2024-01-01 00:00+00', NULL, 10), (1.0, '2024-01-01 00:00+00', NULL, 10);
INSERT INTO ttv_src.decimal_usage VALUES (1, '2024-01-02 00:00+00'), (1.0, '2024-01-05 00:00+00');
SELECT register_source('customers', 'ttv_src.decimal_accounts', '{"customer_id": "id", "segment": "plan"}');
SELECT register_source('subscriptions', 'ttv_src.decimal_subs', '{"customer_id": "account", "started_at": "started", "ended_at": "ended"}');
SELECT register_source('usage_events', 'ttv_src.decimal_usage', '{"customer_id": "account", "occurred_at": "at"}');
SET client_min_messages = warning;
SELECT count(*) > 0 AS made FROM create_kpi_views('ttv_decimal', 'month', time_zone => 'UTC');
SELECT count(*) > 0 AS made FROM create_kpi_views('ttv_decimal_mat', 'month', true, 'UTC');
RESET client_min_messages;
SELECT segment, month, customers_started, customers_reaching_value, median_days_to_first_value
FROM ttv_decimal.time_to_value_by_month_by_segment ORDER BY segment;
SELECT pg_temp.differing_rows('SELECT * FROM ttv_decimal.time_to_value_by_month_by_segment', 'SELECT * FROM ttv_decimal_mat.time_to_value_by_month_by_segment') AS differing_rows_materialized;
SELECT customer_id, segment, first_value_at FROM ttv_decimal_mat_internal.first_values ORDER BY customer_id;

\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
SET client_min_messages = warning;
DO $$
DECLARE
    s name;
BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ttv\_%' ORDER BY 1 LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
    END LOOP;
END $$;
RESET client_min_messages;
