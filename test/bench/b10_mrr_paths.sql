-- B10: MRR from subscriptions through MRR paths, 100k customers over six years (72 months),
-- against the best event-based hand-written SQL for the same answer (no customers x months
-- grid in either):
--   B10a: the MRR movements of every month (mrr_path per customer, then mrr_movements)
--   B10b: every customer's movement rows (customer_mrr_movements of each path)
--   B10c: the cohort retention triangle (cohort_summary, then cohort_retention)
-- Each csmetrics query starts from the subscriptions, paths included. Goal: at least 2x.
-- Set b10_customers (psql -v b10_customers=10000) for a smaller run.
\if :{?b10_customers}
\else
\set b10_customers 100000
\endif
SET TimeZone = 'UTC';
SET max_parallel_workers_per_gather = 0;
SET work_mem = '512MB';

-- Each customer starts between 2019 and mid-2024 and has one to four subscriptions in a row:
-- plan changes on the day the previous plan ends (upgrades and downgrades), one time in five
-- after a gap (churn, then reactivation); half of them still run.
DROP TABLE IF EXISTS b10_subs;
SELECT setseed(0.10);
CREATE TEMP TABLE b10_customer AS
SELECT c, timestamptz '2019-01-01' + random() * interval '2000 days' AS t0, 1 + (random() * 3.5)::int AS n,
       random() < 0.5 AS still_running
FROM generate_series(1, :b10_customers) c;
CREATE TEMP TABLE b10_plan AS
SELECT c, i, (30 + random() * 700) * interval '1 day' AS length,
       CASE WHEN i = 1 OR random() < 0.8 THEN interval '0' ELSE (15 + random() * 300) * interval '1 day' END AS gap,
       (ARRAY[29.00, 49.00, 99.00, 199.00, 499.00])[1 + floor(random() * 5)::int] AS mrr
FROM generate_series(1, :b10_customers) c, generate_series(1, 4) i;
CREATE TABLE b10_subs AS
SELECT p.c AS customer_id, cu.t0 + sum(p.gap + p.length) OVER w - p.length AS started_at,
       CASE WHEN p.i = cu.n AND cu.still_running THEN NULL ELSE cu.t0 + sum(p.gap + p.length) OVER w END AS ended_at,
       p.mrr
FROM b10_plan p JOIN b10_customer cu USING (c)
WHERE p.i <= cu.n
WINDOW w AS (PARTITION BY p.c ORDER BY p.i);
VACUUM ANALYZE b10_subs;

-- The queries, kept once and used both for the agreement checks and for timing.
CREATE TEMP TABLE b10_queries (name text PRIMARY KEY, query text NOT NULL);

-- The hand queries share their start: month bounds, and each subscription as +MRR (in cents)
-- in the month it starts counting and -MRR in the month it stops (width_bucket over the 73
-- bounds: a subscription counts at a month's end from the month it starts in, up to the month
-- before the one its end falls in), summed per customer and month; a running sum per customer
-- gives its MRR after each change, and its first change is its first paying month.
\set hand_with 'WITH bounds AS (SELECT array_agg(b ORDER BY b) AS b, 72 AS last_k FROM generate_series(timestamptz ''2019-01-01'', ''2025-01-01'', ''1 month'') b), ev AS (SELECT s.customer_id, e.k, sum(e.d) AS d FROM b10_subs s CROSS JOIN bounds CROSS JOIN LATERAL (VALUES (width_bucket(s.started_at, bounds.b), (s.mrr * 100)::bigint), (width_bucket(s.ended_at, bounds.b), -(s.mrr * 100)::bigint)) e(k, d) WHERE e.k <= bounds.last_k GROUP BY s.customer_id, e.k HAVING sum(e.d) <> 0), lv AS (SELECT customer_id, k, d, sum(d) OVER w AS level, row_number() OVER w = 1 AS first, min(k) OVER w AS cohort, first_value(d) OVER w AS base, coalesce(lead(k) OVER w - 1, 72) AS until FROM ev WINDOW w AS (PARTITION BY customer_id ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))'

INSERT INTO b10_queries VALUES
('path_movements', $q$SELECT m.*
FROM unnest((SELECT csmetrics.mrr_movements(p.path)
             FROM (SELECT csmetrics.mrr_path(started_at, ended_at, mrr, timestamptz '2019-01-01', '1 month', 72) AS path
                   FROM b10_subs GROUP BY customer_id) p)) m$q$),
-- Totals of each kind of change per month, then running sums over the months.
('hand_movements', :'hand_with' || $q$
, per AS (
    SELECT k, sum(d) AS net,
           sum(d) FILTER (WHERE level = d AND first) AS new, count(*) FILTER (WHERE level = d AND first) AS n_new,
           sum(d) FILTER (WHERE level = d AND NOT first) AS reactivation, count(*) FILTER (WHERE level = d AND NOT first) AS n_reactivation,
           sum(d) FILTER (WHERE d > 0 AND level > d) AS expansion, count(*) FILTER (WHERE d > 0 AND level > d) AS n_expansion,
           sum(-d) FILTER (WHERE d < 0 AND level > 0) AS contraction, count(*) FILTER (WHERE d < 0 AND level > 0) AS n_contraction,
           sum(-d) FILTER (WHERE level = 0) AS churned, count(*) FILTER (WHERE level = 0) AS n_churned
    FROM lv GROUP BY k
), series AS (
    SELECT k, sum(coalesce(net, 0)) OVER w AS ending, coalesce(net, 0) AS net, new, n_new, reactivation, n_reactivation,
           expansion, n_expansion, contraction, n_contraction, churned, n_churned,
           sum(coalesce(n_new, 0) + coalesce(n_reactivation, 0) - coalesce(n_churned, 0)) OVER w AS paying
    FROM generate_series(1, 72) k LEFT JOIN per USING (k)
    WINDOW w AS (ORDER BY k ROWS UNBOUNDED PRECEDING)
)
SELECT bounds.b[s.k] AS period_start, bounds.b[s.k + 1] AS period_end,
       round((ending - net) / 100.0, 2) AS starting_mrr, round(ending / 100.0, 2) AS ending_mrr,
       round(coalesce(new, 0) / 100.0, 2) AS new_mrr, round(coalesce(expansion, 0) / 100.0, 2) AS expansion_mrr,
       round(coalesce(contraction, 0) / 100.0, 2) AS contraction_mrr, round(coalesce(churned, 0) / 100.0, 2) AS churned_mrr,
       round(coalesce(reactivation, 0) / 100.0, 2) AS reactivation_mrr,
       paying - coalesce(n_new, 0) - coalesce(n_reactivation, 0) + coalesce(n_churned, 0) AS customers_start,
       paying AS customers_end, coalesce(n_new, 0) AS new_customers, coalesce(n_expansion, 0) AS expansion_customers,
       coalesce(n_contraction, 0) AS contraction_customers, coalesce(n_churned, 0) AS churned_customers,
       coalesce(n_reactivation, 0) AS reactivation_customers
FROM series s CROSS JOIN bounds$q$),
('path_rows', $q$SELECT p.customer_id, m.period_start, m.previous_mrr, m.mrr, m.movement
FROM (SELECT customer_id, csmetrics.mrr_path(started_at, ended_at, mrr, timestamptz '2019-01-01', '1 month', 72) AS path
      FROM b10_subs GROUP BY customer_id) p,
     csmetrics.customer_mrr_movements(p.path) m$q$),
-- Each change expanded into its month and the unchanged months until the next change.
('hand_rows', :'hand_with' || $q$
SELECT lv.customer_id, bounds.b[g] AS period_start,
       round(CASE WHEN g = lv.k THEN lv.level - lv.d ELSE lv.level END / 100.0, 2) AS previous_mrr,
       round(lv.level / 100.0, 2) AS mrr,
       CASE WHEN g > lv.k THEN 'unchanged' WHEN lv.level = lv.d THEN CASE WHEN lv.first THEN 'new' ELSE 'reactivation' END
            WHEN lv.level = 0 THEN 'churn' WHEN lv.d > 0 THEN 'expansion' ELSE 'contraction' END AS movement
FROM lv CROSS JOIN bounds
CROSS JOIN LATERAL generate_series(lv.k, CASE WHEN lv.level = 0 THEN lv.k ELSE lv.until END) g$q$),
('path_cohorts', $q$SELECT r.*
FROM csmetrics.cohort_retention((SELECT csmetrics.cohort_summary(p.path)
                                 FROM (SELECT csmetrics.mrr_path(started_at, ended_at, mrr, timestamptz '2019-01-01', '1 month', 72) AS path
                                       FROM b10_subs GROUP BY customer_id) p)) r$q$),
-- The change of retained customers, MRR and least(MRR, starting MRR) at each change, summed
-- per cohort and months since its start, then running sums along each cohort's months.
('hand_cohorts', :'hand_with' || $q$
, cells AS (
    SELECT cohort, k - cohort AS since, sum((level > 0)::int - (level - d > 0)::int) AS retained, sum(d) AS mrr,
           sum(least(level, base) - least(level - d, base)) AS gross
    FROM lv GROUP BY cohort, k
), triangle AS (
    SELECT c.cohort, s AS since,
           sum(coalesce(cells.retained, 0)) OVER w AS retained, sum(coalesce(cells.mrr, 0)) OVER w AS mrr,
           sum(coalesce(cells.gross, 0)) OVER w AS gross
    FROM (SELECT DISTINCT cohort FROM cells) c
    CROSS JOIN LATERAL generate_series(0, 72 - c.cohort) s
    LEFT JOIN cells ON cells.cohort = c.cohort AND cells.since = s
    WINDOW w AS (PARTITION BY c.cohort ORDER BY s ROWS UNBOUNDED PRECEDING)
)
SELECT bounds.b[t.cohort] AS cohort, t.since::int AS periods_since_start, first_value(t.retained) OVER c AS customers,
       t.retained AS retained_customers, t.retained::float8 / first_value(t.retained) OVER c AS logo_retention,
       round(first_value(t.mrr) OVER c / 100.0, 2) AS starting_mrr, round(t.mrr / 100.0, 2) AS mrr,
       (t.mrr::numeric / first_value(t.mrr) OVER c)::float8 AS revenue_retention,
       (t.gross::numeric / first_value(t.mrr) OVER c)::float8 AS gross_revenue_retention
FROM triangle t CROSS JOIN bounds
WINDOW c AS (PARTITION BY t.cohort ORDER BY t.since)$q$);

-- Each pair gives the same answer (an error stops the benchmark otherwise).
DO $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) a',
                   (SELECT query FROM b10_queries WHERE name = 'path_movements'),
                   (SELECT query FROM b10_queries WHERE name = 'hand_movements')) INTO bad;
    IF bad > 0 THEN
        RAISE EXCEPTION 'B10a: mrr_movements and the hand query disagree on % months', bad;
    END IF;
    EXECUTE format('SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) a',
                   (SELECT query FROM b10_queries WHERE name = 'path_rows'),
                   (SELECT query FROM b10_queries WHERE name = 'hand_rows')) INTO bad;
    IF bad > 0 THEN
        RAISE EXCEPTION 'B10b: customer_mrr_movements and the hand query disagree on % rows', bad;
    END IF;
    EXECUTE format('SELECT count(*) FROM (%s) o FULL JOIN (%s) h USING (cohort, periods_since_start)
                    WHERE (o.customers, o.retained_customers, o.starting_mrr, o.mrr)
                          IS DISTINCT FROM (h.customers, h.retained_customers, h.starting_mrr, h.mrr)
                       OR NOT abs(o.revenue_retention - h.revenue_retention) < 1e-12
                       OR NOT abs(o.gross_revenue_retention - h.gross_revenue_retention) < 1e-12',
                   (SELECT query FROM b10_queries WHERE name = 'path_cohorts'),
                   (SELECT query FROM b10_queries WHERE name = 'hand_cohorts')) INTO bad;
    IF bad > 0 THEN
        RAISE EXCEPTION 'B10c: cohort_retention and the hand query disagree on % cells', bad;
    END IF;
END $$;

SELECT bench.compare('B10a', format('MRR movements of every month from subscriptions, %s customers x 72 months', :b10_customers),
    (SELECT query FROM b10_queries WHERE name = 'path_movements'),
    (SELECT query FROM b10_queries WHERE name = 'hand_movements'),
    '>= 2x faster than the best event-based SQL', 2, 5);
SELECT bench.compare('B10b', format('movement rows of every customer and month, %s customers x 72 months', :b10_customers),
    (SELECT query FROM b10_queries WHERE name = 'path_rows'),
    (SELECT query FROM b10_queries WHERE name = 'hand_rows'),
    '>= 2x faster than the best event-based SQL', 2, 3);
SELECT bench.compare('B10c', format('cohort retention triangle, %s customers x 72 months', :b10_customers),
    (SELECT query FROM b10_queries WHERE name = 'path_cohorts'),
    (SELECT query FROM b10_queries WHERE name = 'hand_cohorts'),
    '>= 2x faster than the best event-based SQL', 2, 5);
