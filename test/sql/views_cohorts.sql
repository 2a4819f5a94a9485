-- cohort_retention_by_<grain> (+ _by_segment): the hand-checked example of the docs, the
-- whole triangle against plain SQL over a customer x period grid on seeded random data (every
-- grain, every segment), parallel plans, materialized views refreshed concurrently, and the
-- same rows in every reader's time zone.
SET search_path = csmetrics, public;
SET timezone = 'UTC';
SET datestyle = 'ISO';
-- start from no registrations, whatever earlier suites left (test/fixtures/views_reset.sql,
-- not echoed), with the checks of test/fixtures/views_checks.sql
\set ECHO none
\i test/fixtures/views_reset.sql
\i test/fixtures/views_checks.sql
\set ECHO all
CREATE SCHEMA cohorts_src;

-- The worked example: A pays 100 from January, B pays 50 from January and stops after
-- February, C pays 80 from January and moves to 120 in March. (A fourth customer, D, starts
-- in February and stays out of January's cohort.)
CREATE TABLE cohorts_src.accounts (id int, name text, plan text);
CREATE TABLE cohorts_src.subs (account int, started date, ended date, mrr numeric);
INSERT INTO cohorts_src.accounts VALUES (1, 'A', 'pro'), (2, 'B', 'basic'), (3, 'C', 'pro'), (4, 'D', 'basic');
INSERT INTO cohorts_src.subs VALUES (1, '2024-01-01', NULL, 100), (2, '2024-01-10', '2024-03-01', 50),
                                    (3, '2024-01-05', '2024-03-01', 80), (3, '2024-03-01', NULL, 120),
                                    (4, '2024-02-15', '2024-04-20', 40);
SELECT register_source('customers', 'cohorts_src.accounts', '{"customer_id": "id", "segment": "plan"}');
SELECT register_source('subscriptions', 'cohorts_src.subs', '{"customer_id": "account", "started_at": "started", "ended_at": "ended"}');
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('cohorts', 'month', time_zone => 'UTC');
RESET client_min_messages;
-- Cohort January: 3 customers, starting MRR 230; two months later (March) 2 retained (logo
-- retention 2/3), MRR 220 (revenue retention 220/230 = 0.9565), gross 100 + 80 = 180
-- (180/230 = 0.7826). The series ends in April, the month of the last change.
SELECT cohort, periods_since_start, customers, retained_customers, round(logo_retention::numeric, 4) AS logo_retention,
       starting_mrr, mrr, round(revenue_retention::numeric, 4) AS revenue_retention,
       round(gross_revenue_retention::numeric, 4) AS gross_revenue_retention
FROM cohorts.cohort_retention_by_month;
SELECT segment, cohort, periods_since_start, customers, retained_customers, starting_mrr, mrr,
       round(revenue_retention::numeric, 4) AS revenue_retention, round(gross_revenue_retention::numeric, 4) AS gross_revenue_retention
FROM cohorts.cohort_retention_by_month_by_segment;
-- The names and types dashboards rely on, and a comment on the view and each column.
SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, col_description(a.attrelid, a.attnum) AS comment
FROM pg_attribute a WHERE a.attrelid = 'cohorts.cohort_retention_by_month'::regclass AND a.attnum > 0 ORDER BY a.attnum;
SELECT obj_description('cohorts.cohort_retention_by_month'::regclass, 'pg_class') AS view_comment;
-- The cohort views read the customers' MRR paths, the helper relation mrr_paths that the MRR
-- and churn-by-reason views read too: the paths are computed once per series, not per view.
-- (A plain customer_actions makes the paths of the few customers whose MRR can contract in
-- its period instead; a materialized one reads the stored paths.)
SELECT view_name, relation_schema, internal FROM kpi_views
WHERE target_schema = 'cohorts' AND (internal OR view_name LIKE 'cohort%') ORDER BY position;
SELECT DISTINCT w.ev_class::regclass AS reads_mrr_paths
FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid
WHERE d.refobjid = 'cohorts_internal.mrr_paths'::regclass AND w.ev_class <> d.refobjid ORDER BY 1;

-- Seeded random subscriptions: 1,500 customers in three segments over 2022-2024, one to four
-- subscriptions each that touch (plan changes), overlap (add-ons), leave gaps (churn, then
-- reactivation), stay open, end on a month start or last no time at all; some free plans.
CREATE TABLE cohorts_src.customers AS
SELECT c AS id, (ARRAY['SMB', 'Mid', 'Enterprise'])[1 + regress.rand_int(20, c, 0, 2)::int] AS tier FROM generate_series(1, 1500) c;
CREATE TABLE cohorts_src.subscriptions AS
SELECT c AS customer_id, s AS started_at,
       CASE WHEN e < 0.3 THEN NULL WHEN e < 0.34 THEN s WHEN e < 0.45 THEN (date_trunc('month', s + len) + interval '1 month')::date
            ELSE s + len END AS ended_at, mrr
FROM (SELECT c, i, date '2022-01-01' + regress.rand_int(21, c * 10 + i, 0, 1000)::int AS s,
             regress.rand(22, c * 10 + i) AS e, regress.rand_int(23, c * 10 + i, 0, 500)::int AS len,
             (ARRAY[0, 49, 99.50, 199, 499, 20.25])[1 + regress.rand_int(24, c * 10 + i, 0, 5)::int] AS mrr
      FROM generate_series(1, 1500) c, generate_series(1, 4) i
      WHERE i <= regress.rand_int(25, c, 1, 4)) r;
SELECT count(*) AS subscriptions, count(DISTINCT customer_id) AS customers, count(*) FILTER (WHERE ended_at IS NULL) AS open,
       count(*) FILTER (WHERE mrr = 0) AS free, count(*) FILTER (WHERE ended_at = started_at) AS zero_length,
       max(greatest(started_at, ended_at)) AS last_change
FROM cohorts_src.subscriptions;
SELECT register_source('customers', 'cohorts_src.customers', '{"customer_id": "id", "segment": "tier"}');
SELECT register_source('subscriptions', 'cohorts_src.subscriptions');

-- The triangle in plain SQL: each customer's MRR at the end of every period of the series (a
-- customer x period grid), its cohort = its first period with MRR > 0, then per cohort and k
-- periods later the customers, those paying, their MRR and sum of least(MRR, starting MRR).
CREATE FUNCTION pg_temp.triangle(grain text, step interval, by_segment boolean)
RETURNS TABLE (segment text, cohort date, periods_since_start int, customers bigint, retained_customers bigint,
               starting_mrr numeric, mrr numeric, gross numeric)
LANGUAGE sql AS $$
WITH periods AS (
    SELECT p::date AS ps, (p + step)::date AS pe, row_number() OVER (ORDER BY p) - 1 AS k
    FROM generate_series(date_trunc(grain, (SELECT min(started_at) FROM cohorts_src.subscriptions)),
                         date_trunc(grain, (SELECT max(greatest(started_at, ended_at)) FROM cohorts_src.subscriptions)), step) p),
grid AS (
    SELECT c.id, CASE WHEN by_segment THEN c.tier ELSE '(all)' END AS segment, p.ps, p.k, coalesce(sum(s.mrr), 0) AS mrr
    FROM cohorts_src.customers c CROSS JOIN periods p
    LEFT JOIN cohorts_src.subscriptions s
      ON s.customer_id = c.id AND s.started_at < p.pe AND (s.ended_at IS NULL OR s.ended_at >= p.pe)
    GROUP BY c.id, c.tier, p.ps, p.k),
firsts AS (
    SELECT DISTINCT ON (id) id, ps AS cohort, k AS cohort_k, mrr AS start_mrr FROM grid WHERE mrr > 0 ORDER BY id, k)
SELECT g.segment, f.cohort, (g.k - f.cohort_k)::int, count(*), count(*) FILTER (WHERE g.mrr > 0),
       sum(f.start_mrr), sum(g.mrr), sum(least(g.mrr, f.start_mrr))
FROM grid g JOIN firsts f ON f.id = g.id AND g.k >= f.cohort_k
GROUP BY g.segment, f.cohort, g.k - f.cohort_k
$$;

-- Compares a cohort view with the plain-SQL triangle: every cell, exact counts and money,
-- ratios to 1e-12; missing or extra cells count too.
CREATE FUNCTION pg_temp.compare(view_name text, grain text, step interval, by_segment boolean)
RETURNS TABLE (cells bigint, mismatches bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        SELECT count(*), count(*) FILTER (WHERE v.cohort IS NULL OR t.cohort IS NULL
              OR (v.customers, v.retained_customers, v.starting_mrr, v.mrr) IS DISTINCT FROM (t.customers, t.retained_customers, t.starting_mrr, t.mrr)
              OR NOT abs(v.logo_retention - t.retained_customers::float8 / t.customers) < 1e-12
              OR NOT abs(v.revenue_retention - (t.mrr / t.starting_mrr)::float8) < 1e-12
              OR NOT abs(v.gross_revenue_retention - (t.gross / t.starting_mrr)::float8) < 1e-12)
        FROM (SELECT %s AS segment, cohort, periods_since_start, customers, retained_customers, logo_retention, starting_mrr, mrr,
                     revenue_retention, gross_revenue_retention FROM cohorts.%I) v
        FULL JOIN pg_temp.triangle(%L, %L, %L) t USING (segment, cohort, periods_since_start)$q$,
        CASE WHEN by_segment THEN 'segment' ELSE '''(all)''::text' END, view_name, grain, step, by_segment);
END $$;

SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('cohorts', 'month', time_zone => 'UTC');
RESET client_min_messages;
SELECT * FROM pg_temp.compare('cohort_retention_by_month', 'month', '1 month', false);
SELECT * FROM pg_temp.compare('cohort_retention_by_month_by_segment', 'month', '1 month', true);
-- A few rows to read, and what the triangle holds: every cohort starts with all its customers
-- paying and its whole MRR; retention never exceeds 1 for logos and GRR, NRR may.
SELECT cohort, periods_since_start, customers, retained_customers, round(logo_retention::numeric, 4) AS logo_retention,
       starting_mrr, mrr, round(revenue_retention::numeric, 4) AS revenue_retention,
       round(gross_revenue_retention::numeric, 4) AS gross_revenue_retention
FROM cohorts.cohort_retention_by_month WHERE cohort = '2023-01-01' AND periods_since_start IN (0, 1, 6, 12, 23);
SELECT count(DISTINCT cohort) AS cohorts, count(*) AS cells,
       bool_and(retained_customers = customers AND mrr = starting_mrr) FILTER (WHERE periods_since_start = 0) AS first_period_whole,
       max(logo_retention) <= 1 AS logo_at_most_1, max(gross_revenue_retention) <= 1 AS grr_at_most_1,
       count(*) FILTER (WHERE revenue_retention > 1) > 0 AS some_nrr_above_1,
       bool_and(gross_revenue_retention <= revenue_retention) AS grr_within_nrr
FROM cohorts.cohort_retention_by_month;
-- The segments add up to the whole (customers, retained customers and MRR of every cell).
SELECT count(*) AS cells, count(*) FILTER (WHERE (v.customers, v.retained_customers, v.mrr) IS DISTINCT FROM (s.customers, s.retained_customers, s.mrr)) AS mismatches
FROM cohorts.cohort_retention_by_month v
JOIN (SELECT cohort, periods_since_start, sum(customers) AS customers, sum(retained_customers) AS retained_customers, sum(mrr) AS mrr
      FROM cohorts.cohort_retention_by_month_by_segment GROUP BY 1, 2) s USING (cohort, periods_since_start);
-- The cohorts are the customers' first paying months as the MRR views see them: the cohort
-- sizes are the new customers of mrr_by_month's movements.
SELECT count(*) AS months, count(*) FILTER (WHERE c.customers IS DISTINCT FROM m.new_customers) AS mismatches
FROM (SELECT cohort AS month, customers FROM cohorts.cohort_retention_by_month WHERE periods_since_start = 0) c
FULL JOIN (SELECT v.month, count(*) AS new_customers FROM cohorts.customer_mrr_movements v WHERE v.movement = 'new' GROUP BY v.month) m USING (month);

-- Every grain, against the same plain SQL.
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('cohorts', 'quarter', time_zone => 'UTC');
RESET client_min_messages;
SELECT * FROM pg_temp.compare('cohort_retention_by_quarter', 'quarter', '3 months', false);
SELECT * FROM pg_temp.compare('cohort_retention_by_quarter_by_segment', 'quarter', '3 months', true);
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('cohorts', 'week', time_zone => 'UTC');
RESET client_min_messages;
SELECT * FROM pg_temp.compare('cohort_retention_by_week', 'week', '1 week', false);
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('cohorts', 'month', time_zone => 'UTC');
RESET client_min_messages;

-- Materialized: the same rows, a unique index on the keys, and a concurrent refresh that
-- follows new data.
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('cohorts_mat', 'month', materialized => true, time_zone => 'UTC');
RESET client_min_messages;
SELECT c.relname, c.relkind, pg_get_indexdef(i.indexrelid) AS unique_index
FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid AND i.indisunique
WHERE c.relnamespace = 'cohorts_mat'::regnamespace AND c.relname LIKE 'cohort%' ORDER BY 1;
SELECT pg_temp.differing_rows('SELECT * FROM cohorts.cohort_retention_by_month', 'SELECT * FROM cohorts_mat.cohort_retention_by_month') AS differing_rows;

-- Parallel plans give the same triangle as serial ones: over the plain views (the sources
-- scanned by workers), and in the materialized views' query, where cohort_summary runs as a
-- partial aggregate in each worker over the stored paths and the states are combined.
SELECT rtrim(pg_get_viewdef('cohorts_mat.cohort_retention_by_month'::regclass), ';') AS mat_query \gset
SELECT * FROM pg_temp.serial_and_parallel('SELECT * FROM cohorts.cohort_retention_by_month_by_segment', 'Gather');
SELECT * FROM pg_temp.serial_and_parallel(:'mat_query', 'Partial Aggregate');
SELECT pg_temp.differing_rows(:'mat_query', 'SELECT * FROM cohorts.cohort_retention_by_month') AS differing_materialized_rows;

-- A concurrent refresh follows new data.
UPDATE cohorts_src.subscriptions SET ended_at = date '2023-06-15' WHERE customer_id = 7 AND ended_at IS NULL AND started_at < '2023-06-01';
SET client_min_messages = warning;
SELECT refresh_kpi_views('cohorts_mat') > 0 AS refreshed;
RESET client_min_messages;
SELECT pg_temp.differing_rows('SELECT * FROM cohorts.cohort_retention_by_month', 'SELECT * FROM cohorts_mat.cohort_retention_by_month') AS differing_rows_after_refresh;
SELECT * FROM pg_temp.compare('cohort_retention_by_month_by_segment', 'month', '1 month', true);

-- The time zone of the views decides the cohort: a subscription starting on January 31 at
-- 20:00 UTC starts on February 1 in Kolkata (UTC+5:30). Whatever the reader's TimeZone, the
-- rows are the same.
CREATE TABLE cohorts_src.tz_subs (customer_id int, started_at timestamptz, ended_at timestamptz, mrr numeric);
INSERT INTO cohorts_src.tz_subs VALUES (1, '2024-01-31 20:00+00', NULL, 10), (2, '2024-01-15 12:00+00', '2024-02-29 20:00+00', 20),
                                       (3, '2024-02-10 00:00+00', '2024-04-30 19:00+00', 30);
SELECT unregister_source('customers');
SELECT register_source('subscriptions', 'cohorts_src.tz_subs');
SET client_min_messages = warning;
SELECT count(*) FROM create_kpi_views('cohorts_utc', 'month', time_zone => 'UTC');
SELECT count(*) FROM create_kpi_views('cohorts_kolkata', 'month', time_zone => 'Asia/Kolkata');
RESET client_min_messages;
SELECT 'UTC' AS views_zone, cohort, periods_since_start, customers, retained_customers, starting_mrr, mrr FROM cohorts_utc.cohort_retention_by_month
UNION ALL
SELECT 'Asia/Kolkata', cohort, periods_since_start, customers, retained_customers, starting_mrr, mrr FROM cohorts_kolkata.cohort_retention_by_month
ORDER BY 1 DESC, 2, 3;
SELECT pg_temp.readings('cohorts_kolkata.cohort_retention_by_month', ARRAY['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Kiritimati'])
       AS different_readings;

SET client_min_messages = warning;
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
DROP SCHEMA cohorts_src, cohorts, cohorts_internal, cohorts_mat, cohorts_mat_internal, cohorts_utc, cohorts_utc_internal,
            cohorts_kolkata, cohorts_kolkata_internal CASCADE;
RESET client_min_messages;
