SET search_path = csmetrics, public;
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA mrr_paths_properties_suite;
SET search_path = mrr_paths_properties_suite, csmetrics, public;
SET TimeZone = 'UTC';

-- The path-based movements, customer rows and cohorts against plain SQL over the customer x
-- period grid the KPI views used (the reference), on seeded random subscriptions.

-- Each customer's dates of change: a random walk from 2021, often snapped to a month or week
-- start. Subscriptions run between two of those dates, so they touch, overlap, change on the
-- same day, leave gaps (churn, then reactivation), stay open, end on a boundary or the day
-- before, or last no time at all. Amounts follow the customer's style (whole, cents, tenths,
-- a few with thousandths), so display scales differ between periods; some are free (0, 0.00)
-- and a few NULL (skipped).
\set ECHO none
\i test/fixtures/subscription_breaks.sql
\set ECHO all
CREATE TABLE subs AS
SELECT row_number() OVER (ORDER BY r.c, r.i) AS id, r.c AS customer, s.b AS started_at,
       CASE WHEN r.e < 0.22 THEN NULL
            WHEN r.e < 0.27 THEN s.b
            WHEN r.e < 0.34 THEN e.b - 1
            ELSE e.b END AS ended_at,
       CASE WHEN r.m < 0.02 THEN NULL
            WHEN r.c % 40 = 3 THEN (ARRAY[1200.125, 0.5, 80])[1 + floor(r.m * 3)::int]
            WHEN r.c % 3 = 0 THEN (ARRAY[99, 100, 0, 75, 10, 250])[1 + floor(r.m * 6)::int]
            WHEN r.c % 3 = 1 THEN (ARRAY[49.90, 19.99, 0.00, 100.00, 99.00])[1 + floor(r.m * 5)::int]
            ELSE (ARRAY[250.5, 10.0, 99.5, 0.0])[1 + floor(r.m * 4)::int] END AS mrr
FROM (SELECT c, i, regress.rand_int(4, c * 10 + i, 0, 5)::int AS j0,
             regress.rand_int(5, c * 10 + i, 1, 3)::int AS len,
             regress.rand(6, c * 10 + i) AS e, regress.rand(7, c * 10 + i) AS m
      FROM generate_series(1, 1200) c, generate_series(1, 5) i
      WHERE i <= regress.rand_int(8, c, 1, 5)) r
JOIN breaks s ON s.c = r.c AND s.j = r.j0
JOIN breaks e ON e.c = r.c AND e.j = least(r.j0 + r.len, 7);
ANALYZE subs;
-- The same rows as timestamptz with times of day (midnight for a third of them).
CREATE TABLE subs_tz AS
SELECT id, customer,
       started_at + CASE WHEN id % 3 = 0 THEN interval '0' ELSE regress.rand(9, id) * interval '1 day' END AS started_at,
       ended_at + CASE WHEN id % 3 = 0 THEN interval '0' ELSE regress.rand(10, id) * interval '1 day' END AS ended_at,
       mrr
FROM (SELECT id, customer, started_at::timestamptz AS started_at, ended_at::timestamptz AS ended_at, mrr FROM subs) s;
UPDATE subs_tz SET ended_at = started_at WHERE ended_at < started_at;
ANALYZE subs_tz;
-- What the data holds.
SELECT count(*) AS rows, count(DISTINCT customer) AS customers,
       count(*) FILTER (WHERE ended_at IS NULL) AS open,
       count(*) FILTER (WHERE ended_at = started_at) AS zero_length,
       count(*) FILTER (WHERE mrr IS NULL) AS null_mrr,
       count(*) FILTER (WHERE mrr = 0) AS free,
       count(*) FILTER (WHERE ended_at = date_trunc('month', ended_at)) AS ending_on_a_month_start,
       count(*) FILTER (WHERE EXISTS (SELECT FROM subs o WHERE o.customer = s.customer AND o.ended_at = s.started_at)) AS touching,
       count(*) FILTER (WHERE EXISTS (SELECT FROM subs o WHERE o.customer = s.customer AND o.id <> s.id
                                      AND o.started_at < coalesce(s.ended_at, 'infinity') AND s.started_at < coalesce(o.ended_at, 'infinity'))) AS overlapping,
       count(*) FILTER (WHERE EXISTS (SELECT FROM subs o WHERE o.customer = s.customer AND o.id <> s.id AND o.started_at = s.started_at)) AS same_day_start
FROM subs s;

-- The reference, as the KPI views computed it: MRR in force at each period end, one row per
-- customer and period from its first paying period on (gap-free), previous MRR by lag(),
-- seen_before by bool_or(), the class by mrr_movement().
CREATE FUNCTION grid(tab regclass, first timestamptz, len interval, n int)
RETURNS TABLE (customer int, k int, previous_mrr numeric, mrr numeric, seen_before boolean, movement text)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
    WITH periods AS (
        SELECT k, $1 + (k + 1) * $2 AS period_end FROM generate_series(0, $3 - 1) k),
    customer_mrr AS (
        SELECT s.customer, p.k, sum(s.mrr) AS mrr
        FROM periods p JOIN %s s
          ON s.started_at < p.period_end AND (s.ended_at IS NULL OR s.ended_at >= p.period_end)
        GROUP BY s.customer, p.k),
    g AS (
        SELECT c.customer, p.k
        FROM (SELECT customer, min(k) AS first_paid FROM customer_mrr WHERE mrr > 0 GROUP BY customer) c
        JOIN periods p ON p.k >= c.first_paid)
    SELECT g.customer, g.k, coalesce(lag(coalesce(m.mrr, 0)) OVER w, 0), coalesce(m.mrr, 0),
           coalesce(bool_or(coalesce(m.mrr, 0) > 0) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false),
           mrr_movement(coalesce(m.mrr, 0)) OVER w
    FROM g LEFT JOIN customer_mrr m USING (customer, k)
    WINDOW w AS (PARTITION BY g.customer ORDER BY g.k)$q$, tab) USING first, len, n;
END $$;

-- The customers' paths over a series, from a table of subscriptions.
CREATE FUNCTION paths(tab regclass, first timestamptz, len interval, n int)
RETURNS TABLE (customer int, path mrr_path)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format('SELECT customer, mrr_path(started_at::timestamptz, ended_at::timestamptz, mrr, $1, $2, $3) FROM %s GROUP BY customer', tab)
    USING first, len, n;
END $$;

-- mrr_movements(path) against mrr_movements() over the grid, period by period, as text (so
-- the display scale of every amount must match too). Periods before anyone paid have no
-- grid rows; the paths give them zeros.
CREATE FUNCTION series_check(tab regclass, first timestamptz, len interval, n int)
RETURNS TABLE (periods bigint, grid_periods bigint, mismatches bigint, nonzero_without_grid bigint, bound_mismatches bigint)
LANGUAGE sql AS $$
    WITH ref AS (SELECT k, mrr_movements(previous_mrr, mrr, seen_before) AS m FROM grid(tab, first, len, n) GROUP BY k),
    ours AS (SELECT (ordinality - 1)::int AS k, m.*
             FROM unnest((SELECT mrr_movements(path) FROM paths(tab, first, len, n))) WITH ORDINALITY m)
    SELECT count(*), count(ref.m),
           count(*) FILTER (WHERE ref.m IS NOT NULL AND ref.m::text IS DISTINCT FROM
               ROW(o.starting_mrr, o.ending_mrr, o.new_mrr, o.expansion_mrr, o.contraction_mrr, o.churned_mrr,
                   o.reactivation_mrr, o.customers_start, o.customers_end, o.new_customers, o.expansion_customers,
                   o.contraction_customers, o.churned_customers, o.reactivation_customers)::mrr_movements::text),
           count(*) FILTER (WHERE ref.m IS NULL AND (o.ending_mrr <> 0 OR o.starting_mrr <> 0 OR o.customers_end <> 0)),
           count(*) FILTER (WHERE (o.period_start, o.period_end) IS DISTINCT FROM (first + o.k * len, first + (o.k + 1) * len))
    FROM ours o LEFT JOIN ref USING (k)
$$;

-- customer_mrr_movements(path) against the grid rows with a movement, as text.
CREATE FUNCTION rows_check(tab regclass, first timestamptz, len interval, n int)
RETURNS TABLE (grid_rows bigint, path_rows bigint, mismatches bigint)
LANGUAGE sql AS $$
    WITH ref AS (SELECT customer, first + k * len AS period_start, first + (k + 1) * len AS period_end,
                        previous_mrr::text AS previous_mrr, mrr::text AS mrr, movement
                 FROM grid(tab, first, len, n) WHERE movement IS NOT NULL),
    ours AS (SELECT p.customer, m.period_start, m.period_end, m.previous_mrr::text, m.mrr::text, m.movement
             FROM paths(tab, first, len, n) p, customer_mrr_movements(p.path) m)
    SELECT (SELECT count(*) FROM ref), (SELECT count(*) FROM ours),
           (SELECT count(*) FROM ((SELECT * FROM ref EXCEPT ALL SELECT * FROM ours)
                                  UNION ALL (SELECT * FROM ours EXCEPT ALL SELECT * FROM ref)) d)
$$;

-- kpi_mrr_movement_rows(path), which the view customer_mrr_movements reads, against
-- customer_mrr_movements(path) with the view's expressions, as text (so the display scale of
-- mrr_change counts), and its rows in period order within each path.
CREATE FUNCTION view_rows_check(tab regclass, first timestamptz, len interval, n int)
RETURNS TABLE (path_rows bigint, view_rows bigint, mismatches bigint, out_of_order bigint)
LANGUAGE sql AS $$
    WITH ref AS (SELECT p.customer, m.period_start::date AS period_start, m.previous_mrr::text AS previous_mrr,
                        m.mrr::text AS mrr, (m.mrr - m.previous_mrr)::text AS mrr_change, m.movement
                 FROM paths(tab, first, len, n) p, customer_mrr_movements(p.path) m),
    ours AS (SELECT p.customer, m.period_start, m.previous_mrr::text, m.mrr::text, m.mrr_change::text, m.movement,
                    lag(m.period_start) OVER (PARTITION BY p.customer ORDER BY m.ordinality) AS before
             FROM paths(tab, first, len, n) p, kpi_mrr_movement_rows(p.path) WITH ORDINALITY m)
    SELECT (SELECT count(*) FROM ref), (SELECT count(*) FROM ours),
           (SELECT count(*) FROM ((SELECT * FROM ref EXCEPT ALL SELECT customer, period_start, previous_mrr, mrr, mrr_change, movement FROM ours)
                                  UNION ALL (SELECT customer, period_start, previous_mrr, mrr, mrr_change, movement FROM ours EXCEPT ALL SELECT * FROM ref)) d),
           (SELECT count(*) FROM ours WHERE before >= period_start)
$$;

SELECT 'month' AS grain, * FROM series_check('subs', '2021-01-01', '1 month', 50)
UNION ALL SELECT 'week', * FROM series_check('subs', '2021-01-04', '1 week', 160)
UNION ALL SELECT 'quarter', * FROM series_check('subs', '2020-10-01', '3 months', 18)
UNION ALL SELECT 'day', * FROM series_check('subs', '2022-03-01', '1 day', 120)
UNION ALL SELECT 'month ends', * FROM series_check('subs', '2021-01-31', '1 month', 40)
UNION ALL SELECT '10 days 6 hours', * FROM series_check('subs', '2021-02-03 12:00', '10 days 6 hours', 120)
UNION ALL SELECT 'timestamptz month', * FROM series_check('subs_tz', '2021-01-01', '1 month', 50);
SELECT 'month' AS grain, * FROM rows_check('subs', '2021-01-01', '1 month', 50)
UNION ALL SELECT 'week', * FROM rows_check('subs', '2021-01-04', '1 week', 160)
UNION ALL SELECT 'quarter', * FROM rows_check('subs', '2020-10-01', '3 months', 18)
UNION ALL SELECT 'day', * FROM rows_check('subs', '2022-03-01', '1 day', 120)
UNION ALL SELECT 'timestamptz month', * FROM rows_check('subs_tz', '2021-01-01', '1 month', 50);
SELECT 'month' AS grain, * FROM view_rows_check('subs', '2021-01-01', '1 month', 50)
UNION ALL SELECT 'week', * FROM view_rows_check('subs', '2021-01-04', '1 week', 160)
UNION ALL SELECT 'quarter', * FROM view_rows_check('subs', '2020-10-01', '3 months', 18)
UNION ALL SELECT 'day', * FROM view_rows_check('subs', '2022-03-01', '1 day', 120)
UNION ALL SELECT 'timestamptz month', * FROM view_rows_check('subs_tz', '2021-01-01', '1 month', 50);
-- What the grid holds: every movement class, unchanged rows, and rows that differ from the
-- previous one in display scale only.
SELECT movement, count(*) AS grid_rows FROM grid('subs', '2021-01-01', '1 month', 50) GROUP BY 1 ORDER BY 1;
SELECT count(*) AS scale_only_changes FROM grid('subs', '2021-01-01', '1 month', 50)
WHERE previous_mrr = mrr AND previous_mrr::text <> mrr::text;
SELECT scale(m.ending_mrr) AS display_scale, count(*) AS weeks
FROM unnest((SELECT mrr_movements(path) FROM paths('subs', '2021-01-04', '1 week', 160))) m GROUP BY 1 ORDER BY 1;

-- Display scales that vary from period to period: 60 customers with amounts of 0 to 3
-- fraction digits. A period shows the most digits among its customers' MRR, the previous
-- MRR included (a customer leaving with 10.125 still shows three digits in its churn period).
CREATE TABLE subs_digits AS
SELECT id, customer, started_at, ended_at,
       CASE WHEN mrr IS NOT NULL THEN (ARRAY[10, 7, 12, 10.5, 3.5, 10.25, 10.125])[1 + (id % 7)::int] END AS mrr
FROM subs WHERE customer <= 60;
SELECT 'digits week' AS grain, * FROM series_check('subs_digits', '2021-01-04', '1 week', 160)
UNION ALL SELECT 'digits day', * FROM series_check('subs_digits', '2022-01-01', '1 day', 200);
SELECT * FROM rows_check('subs_digits', '2021-01-04', '1 week', 160);
SELECT scale(m.ending_mrr) AS display_scale, count(*) AS weeks
FROM unnest((SELECT mrr_movements(path) FROM paths('subs_digits', '2021-01-04', '1 week', 160))) m GROUP BY 1 ORDER BY 1;

-- In a time zone with daylight-saving changes, a timestamptz series keeps local midnights and
-- still matches the grid (both compute first + k * length in the session time zone).
SET TimeZone = 'Europe/Berlin';
SELECT 'Berlin week' AS grain, * FROM series_check('subs_tz', '2021-01-04', '1 week', 160)
UNION ALL SELECT 'Berlin month', * FROM series_check('subs_tz', '2021-01-01', '1 month', 50);
SELECT * FROM rows_check('subs_tz', '2021-03-01', '1 day', 60);
SET TimeZone = 'UTC';

-- date rows over a date series give what the same rows as timestamptz give.
SELECT (SELECT mrr_movements(p) FROM (SELECT mrr_path(started_at, ended_at, mrr, date '2021-01-01', '1 month', 50) AS p
                                      FROM subs GROUP BY customer) x)::text
     = (SELECT mrr_movements(path) FROM paths('subs', '2021-01-01', '1 month', 50))::text AS month_date_equals_timestamptz,
       (SELECT mrr_movements(p) FROM (SELECT mrr_path(started_at, ended_at, mrr, date '2022-03-01', '1 day', 120) AS p
                                      FROM subs GROUP BY customer) x)::text
     = (SELECT mrr_movements(path) FROM paths('subs', '2022-03-01', '1 day', 120))::text AS day_date_equals_timestamptz;

-- Cohort retention against plain SQL over the grid: cohort = first paying period; per cohort
-- and periods since its start, customers, those paying, starting MRR, MRR and gross MRR.
CREATE FUNCTION cohort_check(tab regclass, first timestamptz, len interval, n int)
RETURNS TABLE (cells bigint, cohorts bigint, mismatches bigint)
LANGUAGE sql AS $$
    WITH g AS (SELECT customer, k, mrr, min(k) OVER (PARTITION BY customer) AS cohort,
                      first_value(mrr) OVER (PARTITION BY customer ORDER BY k) AS base
               FROM grid(tab, first, len, n)),
    ref AS (SELECT first + cohort * len AS cohort, k - cohort AS since, count(*) AS customers,
                   count(*) FILTER (WHERE mrr > 0) AS retained, sum(base) AS starting, sum(mrr) AS mrr,
                   sum(least(mrr, base)) AS gross
            FROM g GROUP BY cohort, k),
    ours AS (SELECT r.* FROM (SELECT cohort_summary(path) AS s FROM paths(tab, first, len, n)) q, cohort_retention(q.s) r)
    SELECT count(*), count(DISTINCT coalesce(o.cohort, ref.cohort)),
           count(*) FILTER (WHERE o.cohort IS NULL OR ref.cohort IS NULL
               OR (o.customers, o.retained_customers, o.starting_mrr, o.mrr) IS DISTINCT FROM (ref.customers, ref.retained, ref.starting, ref.mrr)
               OR o.logo_retention <> ref.retained::float8 / ref.customers
               OR abs(o.revenue_retention - (ref.mrr / ref.starting)::float8) > 1e-12
               OR abs(o.gross_revenue_retention - (ref.gross / ref.starting)::float8) > 1e-12
               OR o.gross_revenue_retention > 1)
    FROM ours o FULL JOIN ref ON ref.cohort = o.cohort AND ref.since = o.periods_since_start
$$;
SELECT 'month' AS grain, * FROM cohort_check('subs', '2021-01-01', '1 month', 50)
UNION ALL SELECT 'week', * FROM cohort_check('subs', '2021-01-04', '1 week', 160)
UNION ALL SELECT 'quarter', * FROM cohort_check('subs', '2020-10-01', '3 months', 18)
UNION ALL SELECT 'timestamptz month', * FROM cohort_check('subs_tz', '2021-01-01', '1 month', 50);
-- Reactivated customers count again, and cohort NRR can pass 1 while GRR cannot.
SELECT count(*) FILTER (WHERE r.retained_customers > lag_retained) AS cells_with_returning_customers,
       count(*) FILTER (WHERE r.revenue_retention > 1) AS cells_above_full_revenue,
       max(r.gross_revenue_retention) AS max_grr
FROM (SELECT r.*, lag(r.retained_customers) OVER (PARTITION BY r.cohort ORDER BY r.periods_since_start) AS lag_retained
      FROM cohort_retention((SELECT cohort_summary(path) FROM paths('subs', '2021-01-01', '1 month', 50))) r) r;

-- Stored paths and summaries for the rest of the suite.
CREATE TABLE paths_m AS SELECT * FROM paths('subs', '2021-01-01', '1 month', 50);
ANALYZE paths_m;

-- rollup of per-segment summaries equals the summary of all paths; mrr_path of a customer's
-- rows split in two, rolled up, equals the path of all its rows.
SELECT (SELECT rollup(s) FROM (SELECT customer % 7 AS segment, mrr_movements_series(path) AS s FROM paths_m GROUP BY 1) x)::text
     = (SELECT mrr_movements_series(path) FROM paths_m)::text AS series_rollup_equals_all,
       (SELECT rollup(s) FROM (SELECT customer % 7 AS segment, cohort_summary(path) AS s FROM paths_m GROUP BY 1) x)::text
     = (SELECT cohort_summary(path) FROM paths_m)::text AS cohort_rollup_equals_all;
SELECT count(*) AS path_rollup_mismatches
FROM (SELECT customer, rollup(path) AS path
      FROM (SELECT customer, id % 2 AS half, mrr_path(started_at::timestamptz, ended_at::timestamptz, mrr, '2021-01-01', '1 month', 50) AS path
            FROM subs GROUP BY customer, id % 2) h
      GROUP BY customer) r
FULL JOIN paths_m p USING (customer)
WHERE r.path::text IS DISTINCT FROM p.path::text;
-- Per-segment series add up, period by period, to the series of all paths.
SELECT count(*) AS segment_sum_mismatches
FROM (SELECT k, sum(m.ending_mrr) AS ending, sum(m.new_mrr) AS new, sum(m.churned_customers) AS churned
      FROM (SELECT customer % 7, mrr_movements(path) AS a FROM paths_m GROUP BY 1) s,
           unnest(s.a) WITH ORDINALITY m(period_start, period_end, starting_mrr, ending_mrr, new_mrr, expansion_mrr,
                                          contraction_mrr, churned_mrr, reactivation_mrr, customers_start, customers_end,
                                          new_customers, expansion_customers, contraction_customers, churned_customers,
                                          reactivation_customers, k)
      GROUP BY k) seg
JOIN unnest((SELECT mrr_movements(path) FROM paths_m)) WITH ORDINALITY t ON t.ordinality = seg.k
WHERE (seg.ending, seg.new, seg.churned) IS DISTINCT FROM (t.ending_mrr, t.new_mrr, t.churned_customers);

-- Parallel plans (partial aggregates and their combine functions, a customer's rows split
-- between workers) give identical results.
-- paths of groups of customers (g): every group's rows are split between the workers
CREATE TABLE subs_g AS SELECT customer % 10 AS g, * FROM subs;
ANALYZE subs_g;
CREATE TABLE serial AS
SELECT (SELECT mrr_movements(path) FROM paths_m)::text AS movements,
       (SELECT mrr_movements_series(path) FROM paths_m)::text AS series,
       (SELECT cohort_summary(path) FROM paths_m)::text AS cohorts,
       (SELECT string_agg(path::text, ';' ORDER BY customer) FROM paths('subs', '2021-01-04', '1 week', 160)) AS weekly_paths,
       (SELECT string_agg(path::text, ';' ORDER BY g)
        FROM (SELECT g, mrr_path(started_at, ended_at, mrr, date '2021-01-04', '1 week', 160) AS path
              FROM subs_g GROUP BY g) p) AS group_paths;
SELECT regress.force_parallel();
SELECT regress.plan_has('SELECT mrr_movements(path) FROM paths_m', 'Partial Aggregate') AS movements_parallel,
       regress.plan_has('SELECT cohort_summary(path) FROM paths_m', 'Partial Aggregate') AS cohorts_parallel,
       regress.plan_has($$SELECT g, mrr_path(started_at, ended_at, mrr, date '2021-01-04', '1 week', 160) FROM subs_g GROUP BY g$$,
                        'Partial HashAggregate') AS paths_parallel;
SELECT (SELECT mrr_movements(path) FROM paths_m)::text = s.movements AS movements_equal,
       (SELECT mrr_movements_series(path) FROM paths_m)::text = s.series AS series_equal,
       (SELECT cohort_summary(path) FROM paths_m)::text = s.cohorts AS cohorts_equal,
       (SELECT string_agg(path::text, ';' ORDER BY customer)
        FROM (SELECT customer, mrr_path(started_at::timestamptz, ended_at::timestamptz, mrr, '2021-01-04', '1 week', 160) AS path
              FROM subs GROUP BY customer) p) = s.weekly_paths AS paths_equal,
       (SELECT string_agg(path::text, ';' ORDER BY g)
        FROM (SELECT g, mrr_path(started_at, ended_at, mrr, date '2021-01-04', '1 week', 160) AS path
              FROM subs_g GROUP BY g) p) = s.group_paths AS group_paths_equal
FROM serial s;
SELECT regress.serial();

-- A path of many rows (every customer's, or a group of customers') is the sum of the
-- customers' paths, display scales included, and its transition state stays within
-- O(periods): the events of its rows are folded into points as they pile up, not kept two per
-- row (a hand-made aggregate over the transition function shows the state itself; two events
-- per row would take 24 bytes each).
CREATE AGGREGATE raw_path(date, date, numeric, date, interval, int) (SFUNC = mrr_path_trans, STYPE = mrr_path);
SELECT (SELECT mrr_path(started_at, ended_at, mrr, date '2021-01-01', '1 month', 50) FROM subs)::text
     = (SELECT rollup(path) FROM (SELECT mrr_path(started_at, ended_at, mrr, date '2021-01-01', '1 month', 50) AS path
                                  FROM subs GROUP BY customer) p)::text AS all_rows_equal_rollup,
       (SELECT string_agg(path::text, ';' ORDER BY g)
        FROM (SELECT g, mrr_path(started_at, ended_at, mrr, date '2022-01-03', '1 day', 400) AS path FROM subs_g GROUP BY g) p)
     = (SELECT string_agg(path::text, ';' ORDER BY g)
        FROM (SELECT g, rollup(path) AS path
              FROM (SELECT g, mrr_path(started_at, ended_at, mrr, date '2022-01-03', '1 day', 400) AS path
                    FROM subs_g GROUP BY g, customer) c GROUP BY g) p) AS group_rows_equal_rollup;
SELECT count(*) AS rows, pg_column_size(raw_path(started_at, ended_at, mrr, date '2021-01-01', '1 month', 50)) < 16384 AS state_within_periods,
       raw_path(started_at, ended_at, mrr, date '2021-01-01', '1 month', 50)::text
     = mrr_path(started_at, ended_at, mrr, date '2021-01-01', '1 month', 50)::text AS state_reads_as_the_path
FROM subs;

-- Text and binary forms read back exactly (binary through COPY, which calls send and recv).
CREATE TABLE stored AS
SELECT customer, path, NULL::mrr_movements_series AS series, NULL::cohort_summary AS cohorts FROM paths_m
UNION ALL SELECT -1, NULL, (SELECT mrr_movements_series(path) FROM paths_m), (SELECT cohort_summary(path) FROM paths_m);
SELECT count(*) FILTER (WHERE path::text::mrr_path::text IS DISTINCT FROM path::text) AS path_text,
       count(*) FILTER (WHERE series::text::mrr_movements_series::text IS DISTINCT FROM series::text) AS series_text,
       count(*) FILTER (WHERE cohorts::text::cohort_summary::text IS DISTINCT FROM cohorts::text) AS cohort_text
FROM stored;
CREATE FUNCTION copy_file() RETURNS text LANGUAGE sql AS $$
    SELECT current_setting('data_directory') || '/csmetrics_mrr_paths.bin'
$$;
DO $$ BEGIN EXECUTE format('COPY stored TO %L (FORMAT binary)', copy_file()); END $$;
CREATE TABLE reloaded (LIKE stored);
DO $$ BEGIN EXECUTE format('COPY reloaded FROM %L (FORMAT binary)', copy_file()); END $$;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (r.path::text, r.series::text, r.cohorts::text) IS DISTINCT FROM (s.path::text, s.series::text, s.cohorts::text)) AS binary_mismatches
FROM stored s JOIN reloaded r USING (customer);
