SET search_path = csmetrics, public;
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA flow_subscriptions_suite;
SET search_path = flow_subscriptions_suite, csmetrics, public;
SET TimeZone = 'UTC';
SET datestyle = 'ISO';

-- kpi_subscription_flows(), the aggregate behind the plain customer_flow_by_<grain> views,
-- against plain SQL: the subscriptions merged into spans by the islands method, the series
-- bounds, and the conditions of docs/flow.md counted period by period.

-- A worked example. Customer 1 has two subscriptions that touch (one span from 10 January to
-- 1 April), customer 2 one that is still open from 1 February, customer 3 one from 20 May,
-- after the period of today (15 April): it is not counted, and the series ends in April.
SELECT f.period_start::date AS month, f.customers_start, f.new_customers, f.lost_customers,
       f.lost_new_customers, f.customers_end
FROM unnest((SELECT kpi_subscription_flows(c, s::timestamptz, e::timestamptz, s, e, 'month', date '2024-04-15')
             FROM (VALUES (1, date '2024-01-10', date '2024-03-05'), (2, '2024-02-01', NULL),
                          (1, '2024-03-05', '2024-04-01'), (3, '2024-05-20', NULL)) v(c, s, e))) f;
-- Nothing to show: no rows, only rows without a start, or a first start after today's period.
SELECT kpi_subscription_flows(c, s, e, s::date, e::date, 'month', date '2024-04-15') IS NULL AS no_rows
FROM (SELECT 1, now(), now() WHERE false) v(c, s, e);
SELECT kpi_subscription_flows(1, NULL, now(), NULL, current_date, 'month', date '2024-04-15') IS NULL AS no_start;
SELECT kpi_subscription_flows(1, timestamptz '2024-05-01', NULL, date '2024-05-01', NULL, 'month', date '2024-04-15') IS NULL AS after_today;

-- 1,200 customers with 1 to 5 subscriptions each, between dates of a random walk from 2021
-- (often a month or week start): they touch, overlap, start on the same day, leave gaps
-- (churn, then reactivation), stay open, end on a boundary, or last no time at all. Times
-- of day are random for two thirds of them, so the local date depends on the time zone.
\set ECHO none
\i test/fixtures/subscription_breaks.sql
\set ECHO all
CREATE TABLE subs AS
SELECT id, customer, started_at, CASE WHEN ended_at < started_at THEN started_at ELSE ended_at END AS ended_at
FROM (SELECT row_number() OVER (ORDER BY r.c, r.i) AS id, r.c AS customer,
             s.b + CASE WHEN r.i % 3 = 0 THEN interval '0' ELSE make_interval(secs => regress.rand_int(9, r.c * 10 + r.i, 0, 86399)) END AS started_at,
             CASE WHEN r.e < 0.22 THEN NULL
                  WHEN r.e < 0.27 THEN s.b::timestamp
                  WHEN r.e < 0.34 THEN e.b - 1
                  ELSE e.b + CASE WHEN r.i % 3 = 0 THEN interval '0' ELSE make_interval(secs => regress.rand_int(10, r.c * 10 + r.i, 0, 86399)) END
             END AS ended_at
      FROM (SELECT c, i, regress.rand_int(4, c * 10 + i, 0, 5)::int AS j0,
                   regress.rand_int(5, c * 10 + i, 1, 3)::int AS len, regress.rand(6, c * 10 + i) AS e
            FROM generate_series(1, 1200) c, generate_series(1, 5) i
            WHERE i <= regress.rand_int(8, c, 1, 5)) r
      JOIN breaks s ON s.c = r.c AND s.j = r.j0
      JOIN breaks e ON e.c = r.c AND e.j = least(r.j0 + r.len, 7)) x;
ALTER TABLE subs ALTER started_at TYPE timestamptz USING started_at AT TIME ZONE 'UTC',
                 ALTER ended_at TYPE timestamptz USING ended_at AT TIME ZONE 'UTC';
ANALYZE subs;
-- What the data holds.
SELECT count(*) AS rows, count(DISTINCT customer) AS customers,
       count(*) FILTER (WHERE ended_at IS NULL) AS open,
       count(*) FILTER (WHERE ended_at = started_at) AS zero_length,
       count(*) FILTER (WHERE EXISTS (SELECT FROM subs o WHERE o.customer = s.customer AND o.ended_at = s.started_at)) AS touching,
       count(*) FILTER (WHERE EXISTS (SELECT FROM subs o WHERE o.customer = s.customer AND o.id <> s.id
                                      AND o.started_at < coalesce(s.ended_at, 'infinity') AND s.started_at < coalesce(o.ended_at, 'infinity'))) AS overlapping,
       count(*) FILTER (WHERE EXISTS (SELECT FROM subs o WHERE o.customer = s.customer AND o.id <> s.id AND o.started_at = s.started_at)) AS same_start
FROM subs s;

-- The reference, in plain SQL. Spans: a subscription starts a new span of its customer when
-- it starts after every earlier one has ended (so touching and overlapping ones merge); the
-- span's local dates are those of its first start and its last end (none if one is open).
-- The series: from the grain period of the first span's start to that of the last local
-- start or end, but not past today's period. Then each period's counts, condition by
-- condition.
CREATE FUNCTION reference(zone text, grain text, today date, key text DEFAULT 'customer')
RETURNS TABLE (period_start date, customers_start bigint, new_customers bigint, lost_customers bigint,
               lost_new_customers bigint, customers_end bigint)
LANGUAGE plpgsql AS $f$
BEGIN
    RETURN QUERY EXECUTE format($q$
    WITH local AS (
        SELECT %s AS customer, started_at, ended_at,
               (started_at AT TIME ZONE $1)::date AS started_on, (ended_at AT TIME ZONE $1)::date AS ended_on
        FROM subs),
    marked AS (
        SELECT *, coalesce(started_at > max(coalesce(ended_at, 'infinity')) OVER (
                      PARTITION BY customer ORDER BY started_at, ended_at NULLS LAST
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), true) AS starts_span
        FROM local),
    numbered AS (
        SELECT *, count(*) FILTER (WHERE starts_span) OVER (
                      PARTITION BY customer ORDER BY started_at, ended_at NULLS LAST ROWS UNBOUNDED PRECEDING) AS span_no
        FROM marked),
    spans AS (
        SELECT (min(started_at) AT TIME ZONE $1)::date AS s,
               CASE WHEN bool_or(ended_at IS NULL) THEN NULL ELSE (max(ended_at) AT TIME ZONE $1)::date END AS e
        FROM numbered GROUP BY customer, span_no),
    bounds AS (
        SELECT date_trunc($2, (SELECT min(s) FROM spans)::timestamp)::date AS first,
               least(date_trunc($2, (SELECT max(greatest(started_on, ended_on)) FROM local)::timestamp),
                     date_trunc($2, $3::timestamp))::date AS last,
               CASE $2 WHEN 'quarter' THEN interval '3 months' ELSE ('1 ' || $2)::interval END AS step),
    periods AS (
        SELECT p::date AS ps, (p + step)::date AS pe
        FROM bounds, generate_series(first::timestamp, last::timestamp, step) p)
    SELECT ps,
           count(*) FILTER (WHERE s < ps AND (e IS NULL OR e >= ps)),
           count(*) FILTER (WHERE ps <= s AND s < pe),
           count(*) FILTER (WHERE s < ps AND ps <= e AND e < pe),
           count(*) FILTER (WHERE ps <= s AND e < pe),
           count(*) FILTER (WHERE s < pe AND (e IS NULL OR e >= pe))
    FROM periods CROSS JOIN spans
    GROUP BY ps$q$, key)
    USING zone, grain, today;
END $f$;

-- The aggregate over the same rows, with the customer given as key (an expression of the
-- subscription's customer, so that ids of other types are tried too).
CREATE FUNCTION computed(zone text, grain text, today date, key text)
RETURNS TABLE (period_start date, customers_start bigint, new_customers bigint, lost_customers bigint,
               lost_new_customers bigint, customers_end bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        SELECT f.period_start::date, f.customers_start, f.new_customers, f.lost_customers,
               f.lost_new_customers, f.customers_end
        FROM unnest((SELECT kpi_subscription_flows(%s, started_at, ended_at, (started_at AT TIME ZONE $1)::date,
                                                   (ended_at AT TIME ZONE $1)::date, $2, $3)
                     FROM subs)) f$q$, key)
        USING zone, grain, today;
END $$;

-- Rows of either side that the other lacks, and how many periods were compared.
-- (ref_key: the customer of the reference, when key is not just another type of the same id)
CREATE FUNCTION mismatches(zone text, grain text, today date, key text DEFAULT 'customer', ref_key text DEFAULT 'customer')
RETURNS TABLE (periods bigint, differing bigint)
LANGUAGE sql AS $$
    SELECT count(*), count(*) FILTER (WHERE c IS DISTINCT FROM r)
    FROM computed(zone, grain, today, key) c FULL JOIN reference(zone, grain, today, ref_key) r USING (period_start)
$$;

-- Every grain, in four time zones (UTC; New York, whose clocks change at 2 a.m.; Santiago,
-- whose clocks change at midnight; Kolkata, half an hour off), with today after the data (the
-- series ends at the last change) and within it.
SELECT z AS zone, g AS grain, t AS today, m.*
FROM unnest(ARRAY['UTC', 'America/New_York', 'America/Santiago', 'Asia/Kolkata']) z,
     unnest(ARRAY['day', 'week', 'month', 'quarter']) g,
     unnest(ARRAY[date '2030-01-01', date '2023-02-14']) t,
     LATERAL mismatches(z, g, t) m
ORDER BY 1, 2, 3;

-- Customer ids of other types: text (sorted by a collation), numeric, where 7 and 7.0 are one
-- customer as for GROUP BY (every other subscription has the id with a scale), and text under
-- a case-insensitive collation, where c7 and C7 are one customer.
CREATE COLLATION case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
SELECT 'text' AS id, * FROM mismatches('UTC', 'month', '2030-01-01', $$'c' || customer$$)
UNION ALL
SELECT 'text, C collation', * FROM mismatches('UTC', 'month', '2030-01-01', $$('c' || customer) COLLATE "C"$$)
UNION ALL
SELECT 'numeric 7 and 7.0', * FROM mismatches('UTC', 'week', '2030-01-01', $$CASE WHEN id % 2 = 0 THEN customer::numeric ELSE round(customer::numeric, 1) END$$)
UNION ALL
SELECT 'text, c7 and C7 equal', * FROM mismatches('UTC', 'month', '2030-01-01', $$(CASE WHEN id % 2 = 0 THEN 'c' ELSE 'C' END || customer) COLLATE case_insensitive$$)
UNION ALL
-- NULL ids are one customer, as for PARTITION BY
SELECT 'NULL for every 10th', * FROM mismatches('UTC', 'month', '2030-01-01', 'nullif(customer % 10, 0) * customer', 'nullif(customer % 10, 0) * customer');
-- The same rows given as one customer each: another flow, which the reference confirms.
SELECT count(*) FILTER (WHERE c IS DISTINCT FROM r) AS differing_from_per_customer
FROM computed('UTC', 'month', '2030-01-01', 'id') c FULL JOIN reference('UTC', 'month', '2030-01-01') r USING (period_start);

-- Parallel plans (the subscriptions scanned by two workers, the aggregate in the leader) give
-- the same flows as a serial one.
CREATE TABLE serial_flows AS SELECT * FROM computed('America/New_York', 'week', '2030-01-01', 'customer');
SELECT regress.force_parallel();
SELECT regress.plan_has($$SELECT kpi_subscription_flows(customer, started_at, ended_at, started_at::date, ended_at::date, 'week', date '2030-01-01') FROM subs$$, 'Gather') AS parallel_plan;
SELECT count(*) AS periods, count(*) FILTER (WHERE p IS DISTINCT FROM s) AS differing
FROM computed('America/New_York', 'week', '2030-01-01', 'customer') p FULL JOIN serial_flows s USING (period_start);
SELECT regress.serial();

-- As a window function over a growing frame (the final function runs after every row and
-- the frame then takes more rows), against the aggregate over each prefix.
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.flows::text IS DISTINCT FROM (
           SELECT kpi_subscription_flows(p.customer, p.started_at, p.ended_at, p.started_at::date, p.ended_at::date, 'month', '2030-01-01')
           FROM subs p WHERE p.id <= w.id)::text) AS differing
FROM (SELECT id, kpi_subscription_flows(customer, started_at, ended_at, started_at::date, ended_at::date, 'month', '2030-01-01')
                 OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) AS flows
      FROM subs WHERE id <= 300) w;

-- A sliding frame (the aggregate starts again for each row) in partitions: each frame holds
-- the row and the two before it in its partition.
WITH numbered AS (
    SELECT *, customer % 3 AS part, row_number() OVER (PARTITION BY customer % 3 ORDER BY id) AS n
    FROM subs WHERE id <= 300)
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.flows::text IS DISTINCT FROM (
           SELECT kpi_subscription_flows(p.customer, p.started_at, p.ended_at, p.started_at::date, p.ended_at::date, 'week', '2030-01-01')
           FROM numbered p WHERE p.part = w.part AND p.n BETWEEN w.n - 2 AND w.n)::text) AS differing
FROM (SELECT part, n, kpi_subscription_flows(customer, started_at, ended_at, started_at::date, ended_at::date, 'week', '2030-01-01')
                          OVER (PARTITION BY part ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS flows
      FROM numbered) w;
-- Many groups, hashed and sorted: each group's flows are those of its rows alone.
CREATE FUNCTION grouped_mismatches() RETURNS TABLE (groups bigint, differing bigint)
LANGUAGE sql AS $$
    SELECT count(*), count(*) FILTER (WHERE g.flows::text IS DISTINCT FROM (
               SELECT kpi_subscription_flows(p.customer, p.started_at, p.ended_at, p.started_at::date, p.ended_at::date, 'month', '2030-01-01')
               FROM subs p WHERE p.customer % 37 = g.k)::text)
    FROM (SELECT customer % 37 AS k,
                 kpi_subscription_flows(customer, started_at, ended_at, started_at::date, ended_at::date, 'month', '2030-01-01') AS flows
          FROM subs GROUP BY 1) g
$$;
SET enable_sort = off;
SELECT regress.plan_has('SELECT customer % 37, kpi_subscription_flows(customer, started_at, ended_at, started_at::date, ended_at::date, ''month'', ''2030-01-01'') FROM subs GROUP BY 1', 'HashAggregate') AS hashed, * FROM grouped_mismatches();
RESET enable_sort;
SET enable_hashagg = off;
SELECT regress.plan_has('SELECT customer % 37, kpi_subscription_flows(customer, started_at, ended_at, started_at::date, ended_at::date, ''month'', ''2030-01-01'') FROM subs GROUP BY 1', 'GroupAggregate') AS sorted, * FROM grouped_mismatches();
RESET enable_hashagg;

-- Errors, each naming the value.
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01', '2024-02-01', date '2024-03-01', date '2024-02-01', 'month', date '2024-06-01')$$);
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01', NULL, date '2024-03-01', NULL, 'year', date '2024-06-01')$$);
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01', NULL, date '2024-03-01', NULL, NULL, date '2024-06-01')$$);
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01', NULL, date '2024-03-01', NULL, 'month', NULL)$$);
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01', NULL, date '2024-03-01', NULL, 'month', 'infinity')$$);
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01', NULL, NULL, NULL, 'month', date '2024-06-01')$$);
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01', '2024-04-01', date '2024-03-01', NULL, 'month', date '2024-06-01')$$);
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01', NULL, date '2024-03-01', date '2024-04-01', 'month', date '2024-06-01')$$);
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01', NULL, date 'infinity', NULL, 'month', date '2024-06-01')$$);
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01', '2024-04-01', date '2024-03-01', date '-infinity', 'month', date '2024-06-01')$$);
-- Local dates that go back although the instants go forward (as when a clock is turned back
-- over midnight): the span would end before it starts.
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01 10:00', '2024-03-02 09:00', date '2024-03-05', date '2024-03-02', 'month', date '2024-06-01')$$);
-- The series parameters are the same on every row of a group.
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01', NULL, date '2024-03-01', NULL, g, date '2024-06-01') FROM unnest(ARRAY['month', 'week']) g$$);
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '2024-03-01', NULL, date '2024-03-01', NULL, 'month', t) FROM unnest(ARRAY[date '2024-06-01', '2024-07-01']) t$$);
-- A customer id type without an ordering; a series too long.
SELECT regress.expect_error($$SELECT kpi_subscription_flows('{}'::json, timestamptz '2024-03-01', NULL, date '2024-03-01', NULL, 'month', date '2024-06-01')$$);
SELECT regress.expect_error($$SELECT kpi_subscription_flows(1, timestamptz '1990-03-01', '2024-03-01', date '1990-03-01', date '2024-03-01', 'day', date '2024-06-01')$$);

RESET search_path;
DROP SCHEMA flow_subscriptions_suite CASCADE;
