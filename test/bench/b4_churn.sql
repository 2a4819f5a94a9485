-- B4 : monthly churn for 1M customers over 60 months.
--   B4a: customer_flows() against the best event-based SQL   (goal: >= 2x)
--   B4b: customer_flows() against the naive customers x months join (goal: >= 20x)
-- Every query returns the same 60 rows: month and churn = lost / customers at start.
SET TimeZone = 'UTC';
SET max_parallel_workers_per_gather = 0;

DROP TABLE IF EXISTS b4_spans;
-- One span per customer: started 2018-2024, 40 % still active, others stay 1 day to 5 years.
CREATE TABLE b4_spans AS
SELECT g AS customer_id, s AS started_at,
       CASE WHEN bench.rand(2, g) < 0.4 THEN NULL ELSE s + make_interval(secs => bench.rand_int(3, g, 0, 1800 * 86400)) END AS ended_at
FROM (SELECT g, timestamptz '2018-01-01' + make_interval(secs => bench.rand_int(1, g, 0, 2555 * 86400)) AS s
      FROM generate_series(1, 1000000) g) x;
VACUUM ANALYZE b4_spans;

-- The three queries, kept once and used both for the agreement check and for timing.
CREATE TEMP TABLE b4_queries (name text PRIMARY KEY, query text NOT NULL);
INSERT INTO b4_queries VALUES
('customer_flows', $q$SELECT f.period_start AS m, csmetrics.churn_rate(f) AS churn
FROM unnest((SELECT csmetrics.customer_flows(started_at, ended_at, '2020-01-01', '1 month', 60)
             FROM b4_spans)) f$q$),
-- Best event-based SQL we found: bucket each span's start and end month with width_bucket()
-- over the 61 month boundaries (a binary search; faster here than date_trunc('month', ...),
-- which converts through the time zone), count spans per (start, end) bucket pair in one
-- hash aggregate (~2k groups), turn the pairs into +start / -end events, and let a window
-- sum give the customers at each month's start. Lost = ends in the month minus ends of
-- spans that also started in it. Bucket 0 is before 2020, 61 from 2025, NULL still active.
('event_sql', $q$WITH bounds AS (
    SELECT array_agg(b ORDER BY b) AS b
    FROM generate_series(timestamptz '2020-01-01', '2025-01-01', '1 month') b
), pairs AS (
    SELECT width_bucket(started_at, b) AS sb, width_bucket(ended_at, b) AS eb, count(*) AS n
    FROM b4_spans, bounds
    GROUP BY 1, 2
), per_bucket AS (
    SELECT k, sum(starts) AS starts, sum(ends) AS ends, sum(ends_same) AS ends_same
    FROM (SELECT sb AS k, n AS starts, 0 AS ends, 0 AS ends_same FROM pairs
          UNION ALL
          SELECT eb, 0, n, CASE WHEN sb = eb THEN n ELSE 0 END FROM pairs WHERE eb IS NOT NULL) e
    GROUP BY k
), flow AS (
    SELECT k, sum(coalesce(starts, 0) - coalesce(ends, 0))
                  OVER (ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS at_start,
           coalesce(ends, 0) - coalesce(ends_same, 0) AS lost
    FROM generate_series(0, 61) k LEFT JOIN per_bucket USING (k)
)
SELECT bounds.b[k] AS m, lost::float8 / nullif(at_start, 0) AS churn
FROM flow, bounds
WHERE k BETWEEN 1 AND 60$q$),
('naive_join', $q$SELECT m, count(*) FILTER (WHERE started_at < m AND ended_at >= m AND ended_at < m + interval '1 month')::float8
          / nullif(count(*) FILTER (WHERE started_at < m AND (ended_at IS NULL OR ended_at >= m)), 0) AS churn
FROM generate_series(timestamptz '2020-01-01', '2024-12-01', '1 month') m CROSS JOIN b4_spans
GROUP BY m$q$);

-- All three give the same 60 churn rates (this prints 60 and 0 mismatches).
CREATE TEMP TABLE b4_answers (name text, m timestamptz, churn float8);
DO $$
DECLARE q record;
BEGIN
    FOR q IN SELECT * FROM b4_queries LOOP
        EXECUTE format('INSERT INTO b4_answers SELECT %L, m, churn FROM (%s) x', q.name, q.query);
    END LOOP;
END $$;
SELECT count(DISTINCT m) AS months,
       count(*) FILTER (WHERE o.churn IS DISTINCT FROM a.churn AND NOT abs(o.churn - a.churn) < 1e-12) AS mismatches,
       round(avg(o.churn)::numeric, 6) AS mean_monthly_churn
FROM b4_answers o JOIN b4_answers a USING (m)
WHERE o.name = 'customer_flows' AND a.name <> 'customer_flows';

SELECT bench.compare('B4a', 'monthly churn, 1M customers x 60 months: customer_flows vs event-based SQL',
    (SELECT query FROM b4_queries WHERE name = 'customer_flows'),
    (SELECT query FROM b4_queries WHERE name = 'event_sql'),
    '>= 2x faster than the best event-based SQL', 2, 5);

-- The naive join evaluates 60M span-month pairs: one timed run per side is enough.
SELECT bench.compare('B4b', 'monthly churn, 1M customers x 60 months: customer_flows vs naive customers x months join',
    (SELECT query FROM b4_queries WHERE name = 'customer_flows'),
    (SELECT query FROM b4_queries WHERE name = 'naive_join'),
    '>= 20x faster than the naive customers x months join', 20, 1);
