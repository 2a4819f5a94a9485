SET search_path = csmetrics, public;
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA mrr_changes_suite;
SET search_path = mrr_changes_suite, csmetrics, public;
SET TimeZone = 'UTC';

-- customer_mrr_changes(path): the periods where one customer's MRR moves (the rows of
-- customer_mrr_movements(path) that are not unchanged), at the cost of the path's points.

-- Hand-checked, one customer per case, January to June 2024 (a customer's MRR for a month is
-- the sum of its subscriptions in force at the month's end).
CREATE TABLE subs (customer text, started_at date, ended_at date, mrr numeric);
INSERT INTO subs VALUES
    -- ends on April 1: in force at the end of March, churn in April
    ('boundary', '2024-01-15', '2024-04-01', 30),
    -- pays in January, stops in February (churn), comes back in April (reactivation)
    ('gap', '2024-01-01', '2024-02-15', 60), ('gap', '2024-04-10', NULL, 70),
    -- downgrade on the same day: 100 ends and 80 starts on March 1
    ('same_day', '2024-01-01', '2024-03-01', 100), ('same_day', '2024-03-01', NULL, 80),
    -- two products at once, the second one stops at the end of April
    ('overlap', '2024-02-01', NULL, 50), ('overlap', '2024-02-20', '2024-05-01', 30.50),
    -- a free plan first (MRR 0.00 in force, never a move), paying from April
    ('free_first', '2024-01-03', NULL, 0.00), ('free_first', '2024-04-03', NULL, 20.00),
    -- the same MRR written with more digits from March: only the display scale changes,
    -- which is no move
    ('digits', '2024-01-01', '2024-03-01', 10), ('digits', '2024-03-01', NULL, 10.00),
    -- starts and ends within February: never in force at a month end, never paying
    ('in_month', '2024-02-03', '2024-02-20', 500),
    -- paying since before the series: new in its first month
    ('before', '2023-06-01', NULL, 25);
CREATE TABLE paths AS
SELECT customer, mrr_path(started_at, ended_at, mrr, date '2024-01-01', '1 month', 6) AS path
FROM subs GROUP BY customer;
SELECT p.customer, m.period_start::date, m.period_end::date, m.previous_mrr, m.mrr, m.movement
FROM paths p, customer_mrr_changes(p.path) m ORDER BY p.customer, m.period_start;
-- Customers without a move: never paying (in_month) has no row at all.
SELECT customer FROM paths p WHERE NOT EXISTS (SELECT FROM customer_mrr_changes(p.path)) ORDER BY 1;
-- customer_mrr_movements gives the same rows and the unchanged months between them.
SELECT p.customer, (SELECT count(*) FROM customer_mrr_movements(p.path)) AS movement_rows,
       (SELECT count(*) FROM customer_mrr_movements(p.path) m WHERE m.movement = 'unchanged') AS unchanged,
       (SELECT count(*) FROM customer_mrr_changes(p.path)) AS change_rows
FROM paths p ORDER BY p.customer;
-- A NULL path has no rows (the function is strict).
SELECT count(*) AS rows_of_null FROM customer_mrr_changes(NULL::mrr_path);

-- The churn of the revenue definitions: the month after the last paying month, for the MRR of
-- that month; summed over customers it is the churned MRR of mrr_movements.
SELECT (SELECT sum(m.previous_mrr) FROM paths p, customer_mrr_changes(p.path) m WHERE m.movement = 'churn') AS churned_by_changes,
       (SELECT sum(m.churned_mrr) FROM unnest((SELECT mrr_movements(path) FROM paths)) m) AS churned_by_movements;

-- Errors: a timestamptz path is read in the time zone it was computed in, as the other
-- functions over paths are.
SET TimeZone = 'America/New_York';
CREATE TABLE zoned AS
SELECT mrr_path(timestamptz '2024-01-01 00:00+00', NULL, 10, timestamptz '2024-01-01 00:00+00', '1 month', 4) AS path;
SET TimeZone = 'UTC';
SELECT regress.expect_error($$SELECT count(*) FROM mrr_changes_suite.zoned, csmetrics.customer_mrr_changes(path)$$) AS changes_in_another_time_zone;
SET TimeZone = 'America/New_York';
SELECT m.period_start, m.mrr, m.movement FROM zoned, customer_mrr_changes(path) m;
SET TimeZone = 'UTC';
-- A malformed path never gets this far: its input is refused.
SELECT regress.expect_error($$SELECT * FROM csmetrics.customer_mrr_changes('v1 garbage')$$) AS malformed_path;

-- Properties on 1,200 seeded customers: the changes are exactly the movement rows that are
-- not unchanged (values, display scales and order alike), for every grain and for date and
-- timestamptz series, and there are never more of them than the path has points.
CREATE TABLE rnd AS
SELECT c AS customer, i,
       date '2022-01-01' + regress.rand_int(11, c * 10 + i, 0, 900)::int AS started_at,
       regress.rand(12, c * 10 + i) AS e, regress.rand_int(13, c * 10 + i, 0, 400)::int AS length,
       (ARRAY[49.90, 19.99, 0.00, 100, 99.0, 250.5, 10])[1 + regress.rand_int(14, c * 10 + i, 0, 6)::int] AS mrr
FROM generate_series(1, 1200) c, generate_series(1, 4) i
WHERE i <= regress.rand_int(15, c, 1, 4);
CREATE TABLE rnd_subs AS
SELECT customer, started_at,
       CASE WHEN e < 0.3 THEN NULL WHEN e < 0.35 THEN started_at
            WHEN e < 0.45 THEN (date_trunc('month', started_at + length) + interval '1 month')::date ELSE started_at + length END AS ended_at, mrr
FROM rnd;
SELECT count(*) AS subscriptions, count(DISTINCT customer) AS customers, count(*) FILTER (WHERE ended_at IS NULL) AS open,
       count(*) FILTER (WHERE ended_at = started_at) AS zero_length, count(*) FILTER (WHERE mrr = 0) AS free
FROM rnd_subs;
CREATE TABLE grains (grain text, step interval, first date, periods int);
INSERT INTO grains VALUES ('day', '1 day', '2022-01-01', 1300), ('week', '1 week', '2021-12-27', 190),
                          ('month', '1 month', '2022-01-01', 44), ('quarter', '3 months', '2022-01-01', 15);
CREATE TABLE rnd_paths AS
SELECT g.grain, s.customer, mrr_path(s.started_at, s.ended_at, s.mrr, g.first, g.step, g.periods) AS path,
       mrr_path(s.started_at::timestamptz, s.ended_at::timestamptz, s.mrr, g.first::timestamptz, g.step, g.periods) AS path_tz
FROM rnd_subs s CROSS JOIN grains g GROUP BY g.grain, s.customer;
SELECT p.grain,
       (SELECT count(*) FROM rnd_paths q, customer_mrr_changes(q.path) WHERE q.grain = p.grain) AS changes,
       (SELECT count(*) FROM ((SELECT q.customer, m.period_start, m.previous_mrr::text, m.mrr::text, m.movement
                               FROM rnd_paths q, customer_mrr_changes(q.path) m WHERE q.grain = p.grain)
                              EXCEPT ALL
                              (SELECT q.customer, m.period_start, m.previous_mrr::text, m.mrr::text, m.movement
                               FROM rnd_paths q, customer_mrr_movements(q.path) m WHERE q.grain = p.grain AND m.movement <> 'unchanged')) d)
     + (SELECT count(*) FROM ((SELECT q.customer, m.period_start, m.previous_mrr::text, m.mrr::text, m.movement
                               FROM rnd_paths q, customer_mrr_movements(q.path) m WHERE q.grain = p.grain AND m.movement <> 'unchanged')
                              EXCEPT ALL
                              (SELECT q.customer, m.period_start, m.previous_mrr::text, m.mrr::text, m.movement
                               FROM rnd_paths q, customer_mrr_changes(q.path) m WHERE q.grain = p.grain)) d) AS differing_rows,
       (SELECT count(*) FROM rnd_paths q
        WHERE q.grain = p.grain
          AND (SELECT array_agg(m::text) FROM customer_mrr_changes(q.path) m)
              IS DISTINCT FROM (SELECT array_agg(m::text) FROM customer_mrr_changes(q.path_tz) m)) AS date_and_timestamptz_differ,
       (SELECT count(*) FROM rnd_paths q
        WHERE q.grain = p.grain
          AND (SELECT count(*) FROM customer_mrr_changes(q.path))
              > coalesce(array_length(string_to_array(substring(q.path::text FROM 'point_periods=\{([^}]*)\}'), ','), 1), 0)) AS more_rows_than_points
FROM (SELECT DISTINCT grain FROM grains) p ORDER BY p.grain;
-- Every class occurs, and the changes of each period add up to that period's movements.
SELECT m.movement, count(*) FROM rnd_paths p, customer_mrr_changes(p.path) m WHERE p.grain = 'month' GROUP BY 1 ORDER BY 1;
WITH c AS (SELECT m.period_start, m.movement, sum(abs(m.mrr - m.previous_mrr)) FILTER (WHERE m.movement IN ('expansion', 'contraction')) AS moved,
                  sum(m.mrr) FILTER (WHERE m.movement IN ('new', 'reactivation')) AS added, sum(m.previous_mrr) FILTER (WHERE m.movement = 'churn') AS churned
           FROM rnd_paths p, customer_mrr_changes(p.path) m WHERE p.grain = 'month' GROUP BY 1, 2),
     t AS (SELECT period_start, sum(added) FILTER (WHERE movement = 'new') AS new_mrr, sum(added) FILTER (WHERE movement = 'reactivation') AS reactivation_mrr,
                  sum(moved) FILTER (WHERE movement = 'expansion') AS expansion_mrr, sum(moved) FILTER (WHERE movement = 'contraction') AS contraction_mrr,
                  sum(churned) AS churned_mrr
           FROM c GROUP BY 1)
SELECT count(*) AS months,
       count(*) FILTER (WHERE (coalesce(t.new_mrr, 0), coalesce(t.reactivation_mrr, 0), coalesce(t.expansion_mrr, 0),
                               coalesce(t.contraction_mrr, 0), coalesce(t.churned_mrr, 0))
                              IS DISTINCT FROM (m.new_mrr, m.reactivation_mrr, m.expansion_mrr, m.contraction_mrr, m.churned_mrr)) AS mismatches
FROM unnest((SELECT mrr_movements(path) FROM rnd_paths WHERE grain = 'month')) m
LEFT JOIN t ON t.period_start = m.period_start;

-- Paths built with parallel workers (partial mrr_path states combined) give the same changes.
CREATE TABLE rnd_big AS SELECT s.*, k FROM rnd_subs s, generate_series(0, 4) k;
ANALYZE rnd_big;
SELECT regress.serial();
CREATE TABLE serial_changes AS
SELECT p.customer, p.k, m.* FROM (SELECT customer, k, mrr_path(started_at, ended_at, mrr, date '2022-01-01', '1 month', 44) AS path
                                  FROM rnd_big GROUP BY customer, k) p, customer_mrr_changes(p.path) m;
SELECT regress.force_parallel();
SELECT regress.plan_has($$SELECT customer, k, mrr_path(started_at, ended_at, mrr, date '2022-01-01', '1 month', 44) FROM mrr_changes_suite.rnd_big GROUP BY customer, k$$,
                        'Partial') AS parallel_plan;
CREATE TABLE parallel_changes AS
SELECT p.customer, p.k, m.* FROM (SELECT customer, k, mrr_path(started_at, ended_at, mrr, date '2022-01-01', '1 month', 44) AS path
                                  FROM rnd_big GROUP BY customer, k) p, customer_mrr_changes(p.path) m;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation; RESET enable_indexscan; RESET enable_bitmapscan;
SELECT (SELECT count(*) FROM serial_changes) AS rows,
       (SELECT count(*) FROM (SELECT customer, k, period_start, previous_mrr::text, mrr::text, movement FROM serial_changes
                              EXCEPT ALL SELECT customer, k, period_start, previous_mrr::text, mrr::text, movement FROM parallel_changes) d)
     + (SELECT count(*) FROM (SELECT customer, k, period_start, previous_mrr::text, mrr::text, movement FROM parallel_changes
                              EXCEPT ALL SELECT customer, k, period_start, previous_mrr::text, mrr::text, movement FROM serial_changes) d) AS differing_rows;

DROP SCHEMA mrr_changes_suite CASCADE;
