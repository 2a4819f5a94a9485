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

-- kpi_subscription_lifetimes(), the aggregate behind the plain ltv view: per segment and for
-- all customers, the monthly flows of the spans (of the last 12 months), the customers with
-- a subscription in force at the end of the latest month (those paying, and what they pay),
-- and the Kaplan-Meier counts of the spans' tenures in whole months.
--
-- A worked example, today 15 April 2024, so the months run from January to April and the
-- data ends on 1 May. Customer 1 (segment a): two subscriptions that touch, the second still
-- open at 20.50: one span from 10 January, 3 whole months by 1 May, still active. Customer 2
-- (segment b): one from 1 February to 1 April, churned after 2 months, nothing in force at
-- the end. Customer 3 (no segment, so in '(all)' only): open since 15 February at 0.000, in
-- force but not paying, 2 whole months. Customer 4 (b): from 1 March with an end to come in
-- 2030, so still active at the data end, after 2 months, and paying 40. Customer 5 (a): a
-- start in June, after the data end: no tenure yet, nothing in force.
SELECT l.segment, l.latest_month, cardinality(l.recent_flows) AS months, l.recent_flows[4].customers_end AS april_end,
       l.customers_in_force, l.paying_customers, l.mrr, l.survival, expected_lifetime(l.survival)
FROM unnest((SELECT kpi_subscription_lifetimes(c, s::timestamptz, e::timestamptz, s, e, seg, mrr, 'UTC', date '2024-04-15')
             FROM (VALUES (1, 'a', date '2024-01-10', date '2024-03-05', 10.00), (1, 'a', '2024-03-05', NULL, 20.50),
                          (2, 'b', '2024-02-01', '2024-04-01', 30), (3, NULL, '2024-02-15', NULL, 0.000),
                          (4, 'b', '2024-03-01', '2030-01-01', 40), (5, 'a', '2024-06-01', NULL, 50)) v(c, seg, s, e, mrr))) l;
-- Nothing to show: no rows gives NULL; a first start after the month of today gives the
-- segments with no month, nothing in force and no tenure.
SELECT kpi_subscription_lifetimes(1, now(), NULL, current_date, NULL, 'a', 1, 'UTC', current_date) IS NULL AS no_rows
FROM (SELECT WHERE false) v;
SELECT l.* FROM unnest((SELECT kpi_subscription_lifetimes(1, timestamptz '2024-05-01', NULL, date '2024-05-01', NULL, 'a', 5, 'UTC', date '2024-04-15'))) l;

-- Against plain SQL on the 1,200 customers above, each in one of four segments or none,
-- with MRR of two and three decimals, 0 and NULL.
ALTER TABLE subs ADD mrr numeric;
UPDATE subs SET mrr = CASE WHEN id % 11 = 0 THEN NULL WHEN id % 7 = 0 THEN 0
                           WHEN id % 5 = 0 THEN round((regress.rand(12, id) * 100)::numeric, 3)
                           ELSE round((regress.rand(12, id) * 500)::numeric, 2) END;
CREATE FUNCTION segment_of(customer int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE WHEN customer % 9 = 0 THEN NULL ELSE 'seg' || customer % 4 END $$;

-- The reference: spans by the islands method (as above), the months from that of the first
-- span's start to that of the last change, not past the month of today; per group, the
-- flows of its spans (customer_flows) in the last 12 months, tenures as age() in whole months to the end, or to
-- the data end (the end of the latest month) for a span still active there, of the spans
-- started before it, and each customer's MRR summed over its subscriptions in force at the
-- data end.
CREATE FUNCTION lifetimes_reference(zone text, today date)
RETURNS TABLE (segment text, latest_month date, flows text, customers_in_force bigint, paying_customers bigint,
               mrr text, survival text)
LANGUAGE sql AS $$
    WITH local AS (
        SELECT customer, segment_of(customer) AS segment, started_at, ended_at, mrr,
               (started_at AT TIME ZONE zone)::date AS started_on, (ended_at AT TIME ZONE zone)::date AS ended_on
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
        SELECT customer, min(segment) AS segment, min(started_at) AS started_at,
               CASE WHEN bool_or(ended_at IS NULL) THEN NULL ELSE max(ended_at) END AS ended_at
        FROM numbered GROUP BY customer, span_no),
    bounds AS (
        SELECT date_trunc('month', (SELECT min(started_at AT TIME ZONE zone) FROM spans))::date AS first,
               least(date_trunc('month', (SELECT max(greatest(started_on, ended_on)) FROM local)::timestamp),
                     date_trunc('month', today::timestamp))::date AS last),
    series AS (
        SELECT first, last, (last + interval '1 month')::date AS data_end,
               ((date_part('year', age(last, first)) * 12 + date_part('month', age(last, first))) + 1)::int AS periods
        FROM bounds WHERE first <= last),
    grouped AS (
        SELECT '(all)'::text AS segment, customer, started_at, ended_at FROM spans
        UNION ALL SELECT segment, customer, started_at, ended_at FROM spans WHERE segment IS NOT NULL),
    per_group AS (
        SELECT g.segment,
               (customer_flows((g.started_at AT TIME ZONE zone)::date, (g.ended_at AT TIME ZONE zone)::date,
                               s.first, '1 month', s.periods))[greatest(s.periods - 11, 1):]::text AS flows,
               survival_summary((date_part('year', t.age) * 12 + date_part('month', t.age))::int, t.churned)
                   FILTER (WHERE (g.started_at AT TIME ZONE zone)::date < s.data_end)::text AS survival
        FROM grouped g CROSS JOIN series s
        CROSS JOIN LATERAL (SELECT coalesce((g.ended_at AT TIME ZONE zone)::date < s.data_end, false) AS churned) c
        CROSS JOIN LATERAL (SELECT c.churned,
                                   age(CASE WHEN c.churned THEN g.ended_at AT TIME ZONE zone ELSE s.data_end::timestamp END,
                                       g.started_at AT TIME ZONE zone) AS age) t
        GROUP BY g.segment, s.periods),
    at_end AS (
        SELECT l.customer, l.segment, sum(l.mrr) AS mrr
        FROM local l CROSS JOIN series s
        WHERE l.started_on < s.data_end AND (l.ended_on IS NULL OR l.ended_on >= s.data_end)
        GROUP BY l.customer, l.segment),
    in_force AS (
        SELECT coalesce(segment, '(all)') AS segment, count(*) AS customers, count(*) FILTER (WHERE mrr > 0) AS paying, sum(mrr) AS mrr
        FROM at_end GROUP BY GROUPING SETS ((segment), ()) HAVING segment IS NOT NULL OR GROUPING(segment) = 1)
    SELECT k.segment, (SELECT last FROM series), p.flows, coalesce(f.customers, 0), coalesce(f.paying, 0), f.mrr::text, p.survival
    FROM (SELECT DISTINCT segment FROM grouped) k
    LEFT JOIN per_group p USING (segment) LEFT JOIN in_force f USING (segment)
$$;

-- The aggregate over the same rows.
CREATE FUNCTION lifetimes_computed(zone text, today date)
RETURNS TABLE (segment text, latest_month date, flows text, customers_in_force bigint, paying_customers bigint,
               mrr text, survival text)
LANGUAGE sql AS $$
    SELECT l.segment, l.latest_month, l.recent_flows::text, l.customers_in_force, l.paying_customers, l.mrr::text, l.survival::text
    FROM unnest((SELECT kpi_subscription_lifetimes(customer, started_at, ended_at, (started_at AT TIME ZONE zone)::date,
                                                   (ended_at AT TIME ZONE zone)::date, segment_of(customer), mrr, zone, today)
                 FROM subs)) l
$$;

CREATE FUNCTION lifetimes_mismatches(zone text, today date)
RETURNS TABLE (segments bigint, differing bigint, with_months bigint, in_force bigint)
LANGUAGE sql AS $$
    SELECT count(*), count(*) FILTER (WHERE c IS DISTINCT FROM r), count(c.flows), sum(c.customers_in_force)
    FROM lifetimes_computed(zone, today) c FULL JOIN lifetimes_reference(zone, today) r USING (segment)
$$;

-- Three time zones (Santiago's clocks change at midnight, Kolkata is half an hour off), with
-- today after the data, within it, and before its first start (no month to show).
SELECT z AS zone, t AS today, m.*
FROM unnest(ARRAY['UTC', 'America/Santiago', 'Asia/Kolkata']) z,
     unnest(ARRAY[date '2030-01-01', date '2023-02-14', date '2020-06-01']) t,
     LATERAL lifetimes_mismatches(z, t) m
ORDER BY 1, 2;

-- Each customer its own segment (1,198 of them, numbered as they come): the segments add up
-- to '(all)', in customers, MRR, tenure counts and the flows of the latest month.
WITH l AS (
    SELECT l.* FROM unnest((SELECT kpi_subscription_lifetimes(customer, started_at, ended_at, started_at::date, ended_at::date,
                                                              'c' || customer, mrr, 'UTC', date '2023-02-14') FROM subs)) l)
SELECT count(*) FILTER (WHERE segment <> '(all)') AS segments,
       sum(customers_in_force) FILTER (WHERE segment <> '(all)') = sum(customers_in_force) FILTER (WHERE segment = '(all)') AS in_force_adds_up,
       sum(mrr) FILTER (WHERE segment <> '(all)') = sum(mrr) FILTER (WHERE segment = '(all)') AS mrr_adds_up,
       rollup(survival) FILTER (WHERE segment <> '(all)') = min(survival::text) FILTER (WHERE segment = '(all)')::survival_summary AS tenures_add_up,
       sum(recent_flows[12].customers_end) FILTER (WHERE segment <> '(all)') = sum(recent_flows[12].customers_end) FILTER (WHERE segment = '(all)') AS flows_add_up
FROM l;

-- The segments come in the byte order of their names (a shorter name before a longer one it
-- begins), not in the order their rows came: under Citus or a parallel plan the rows of a
-- group come in no set order, and the same rows must give the same value.
WITH v(id, c, seg) AS (VALUES (1, 1, 'ba'), (2, 2, 'Éclair'), (3, 3, 'alpha'), (4, 4, 'b'), (5, 5, 'Zeta'), (6, 6, NULL))
SELECT (SELECT array_agg(l.segment) FROM unnest((SELECT kpi_subscription_lifetimes(c, timestamptz '2024-01-01', NULL, date '2024-01-01', NULL, seg, 10, 'UTC', date '2024-04-15' ORDER BY id) FROM v)) l) AS segments,
       (SELECT kpi_subscription_lifetimes(c, timestamptz '2024-01-01', NULL, date '2024-01-01', NULL, seg, 10, 'UTC', date '2024-04-15' ORDER BY id) FROM v)::text
       = (SELECT kpi_subscription_lifetimes(c, timestamptz '2024-01-01', NULL, date '2024-01-01', NULL, seg, 10, 'UTC', date '2024-04-15' ORDER BY id DESC) FROM v)::text AS same_both_ways;
SELECT (SELECT kpi_subscription_lifetimes(customer, started_at, ended_at, started_at::date, ended_at::date, segment_of(customer), mrr, 'UTC', '2023-02-14' ORDER BY id) FROM subs)::text
       = (SELECT kpi_subscription_lifetimes(customer, started_at, ended_at, started_at::date, ended_at::date, segment_of(customer), mrr, 'UTC', '2023-02-14' ORDER BY id DESC) FROM subs)::text AS same_both_ways_1200;

-- As a window function over a growing frame (the final function sorts the rows it keeps, then
-- the frame takes more), against the aggregate over each prefix.
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.lifetimes::text IS DISTINCT FROM (
           SELECT kpi_subscription_lifetimes(p.customer, p.started_at, p.ended_at, p.started_at::date, p.ended_at::date,
                                             segment_of(p.customer), p.mrr, 'UTC', '2023-02-14')
           FROM subs p WHERE p.id <= w.id)::text) AS differing
FROM (SELECT id, kpi_subscription_lifetimes(customer, started_at, ended_at, started_at::date, ended_at::date,
                                            segment_of(customer), mrr, 'UTC', '2023-02-14')
                 OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) AS lifetimes
      FROM subs WHERE id <= 300) w;

-- A parallel plan (the subscriptions scanned by two workers) gives the same rows.
CREATE TABLE serial_lifetimes AS SELECT * FROM lifetimes_computed('America/Santiago', '2023-02-14');
SELECT regress.force_parallel();
SELECT regress.plan_has($$SELECT kpi_subscription_lifetimes(customer, started_at, ended_at, started_at::date, ended_at::date, segment_of(customer), mrr, 'UTC', date '2030-01-01') FROM subs$$, 'Gather') AS parallel_plan;
SELECT count(*) AS segments, count(*) FILTER (WHERE p IS DISTINCT FROM s) AS differing
FROM lifetimes_computed('America/Santiago', '2023-02-14') p FULL JOIN serial_lifetimes s USING (segment);
SELECT regress.serial();

-- Errors, each naming the value: a tenure past 1,200 months, the time zone or today not the
-- same on every row, a parameter NULL, an unknown time zone.
SELECT regress.expect_error($$SELECT kpi_subscription_lifetimes(1, timestamptz '1900-03-01', '2024-03-01', date '1900-03-01', date '2024-03-01', 'a', 1, 'UTC', date '2024-06-01')$$);
SELECT regress.expect_error($$SELECT kpi_subscription_lifetimes(1, timestamptz '2024-03-01', NULL, date '2024-03-01', NULL, 'a', 1, z, date '2024-06-01') FROM unnest(ARRAY['UTC', 'Europe/Paris']) z$$);
SELECT regress.expect_error($$SELECT kpi_subscription_lifetimes(1, timestamptz '2024-03-01', NULL, date '2024-03-01', NULL, 'a', 1, 'UTC', t) FROM unnest(ARRAY[date '2024-06-01', '2024-07-01']) t$$);
SELECT regress.expect_error($$SELECT kpi_subscription_lifetimes(1, timestamptz '2024-03-01', NULL, date '2024-03-01', NULL, 'a', 1, NULL, date '2024-06-01')$$);
SELECT regress.expect_error($$SELECT kpi_subscription_lifetimes(1, timestamptz '2024-03-01', NULL, date '2024-03-01', NULL, 'a', 1, 'UTC', NULL)$$);
SELECT regress.expect_error($$SELECT kpi_subscription_lifetimes(1, timestamptz '2024-03-01', NULL, date '2024-03-01', NULL, 'a', 1, 'Mars/Olympus', date '2024-06-01')$$);
SELECT regress.expect_error($$SELECT kpi_subscription_lifetimes(1, timestamptz '2024-03-01', '2024-02-01', date '2024-03-01', date '2024-02-01', 'a', 1, 'UTC', date '2024-06-01')$$);

RESET search_path;
DROP SCHEMA flow_subscriptions_suite CASCADE;
