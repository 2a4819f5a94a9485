-- B7: MRR movements per month, 100k customers x 36 months, csmetrics against the best
-- lag()-based SQL giving the same monthly movement totals (goal >= 1.5x, docs/performance.md).
--
-- Data: a gap-free customer-month grid (MRR 0 when not paying). Each customer starts in a
-- random month, moves between plan tiers by a random walk (upgrades and downgrades), skips
-- the odd month (churn, then reactivation) and may churn for good.
DROP TABLE IF EXISTS b7_customer, b7_mrr CASCADE;
CREATE TABLE b7_customer AS
SELECT c, bench.rand_int(1, c, 0, 30)::int AS start_m,
       CASE WHEN bench.rand(2, c) < 0.4 THEN 36 ELSE bench.rand_int(3, c, 0, 36)::int END AS end_m,
       bench.rand_int(4, c, 1, 5)::int AS tier0
FROM generate_series(1, 100000) c;

CREATE TABLE b7_mrr AS
SELECT c, (date '2023-01-01' + make_interval(months => m))::date AS month,
       CASE WHEN m < start_m OR m >= end_m OR skip THEN 0
            ELSE (greatest(1, tier0 + walk) * 49.90)::numeric(12, 2) END AS mrr
FROM (SELECT cu.c, m, start_m, end_m, tier0, bench.rand(5, cu.c * 100 + m) < 0.04 AS skip,
             sum((bench.rand(6, cu.c * 100 + m) < 0.06)::int - (bench.rand(7, cu.c * 100 + m) < 0.04)::int)
                 OVER (PARTITION BY cu.c ORDER BY m) AS walk
      FROM b7_customer cu, generate_series(0, 35) m) g;
ANALYZE b7_mrr;

SET work_mem = '512MB';

-- csmetrics: one window node (lag() for the previous MRR, mrr_movement() for the class,
-- which knows whether the customer paid before), then the exact mrr_movements aggregate.
CREATE VIEW b7_ours AS
SELECT month, csmetrics.mrr_movements(prev, mrr, movement = 'reactivation') AS m
FROM (SELECT month, mrr, lag(mrr, 1, 0::numeric) OVER w AS prev,
             csmetrics.mrr_movement(mrr) OVER w AS movement
      FROM b7_mrr WINDOW w AS (PARTITION BY c ORDER BY month)) x
GROUP BY month;

-- Reference: the fastest plain SQL found: lag() and a running first-paid-month in one
-- window node (a second node with bool_or() over a frame is slower), then FILTER sums.
CREATE VIEW b7_reference AS
SELECT month,
       sum(prev) AS starting_mrr, sum(mrr) AS ending_mrr,
       sum(mrr) FILTER (WHERE prev = 0 AND mrr > 0 AND NOT seen) AS new_mrr,
       sum(mrr - prev) FILTER (WHERE prev > 0 AND mrr > prev) AS expansion_mrr,
       sum(prev - mrr) FILTER (WHERE mrr > 0 AND mrr < prev) AS contraction_mrr,
       sum(prev) FILTER (WHERE prev > 0 AND mrr = 0) AS churned_mrr,
       sum(mrr) FILTER (WHERE prev = 0 AND mrr > 0 AND seen) AS reactivation_mrr,
       count(*) FILTER (WHERE prev > 0) AS customers_start,
       count(*) FILTER (WHERE mrr > 0) AS customers_end,
       count(*) FILTER (WHERE prev = 0 AND mrr > 0 AND NOT seen) AS new_customers,
       count(*) FILTER (WHERE prev > 0 AND mrr > prev) AS expansion_customers,
       count(*) FILTER (WHERE mrr > 0 AND mrr < prev) AS contraction_customers,
       count(*) FILTER (WHERE prev > 0 AND mrr = 0) AS churned_customers,
       count(*) FILTER (WHERE prev = 0 AND mrr > 0 AND seen) AS reactivation_customers
FROM (SELECT month, mrr, lag(mrr, 1, 0::numeric) OVER w AS prev,
             coalesce(min(month) FILTER (WHERE mrr > 0) OVER w < month, false) AS seen
      FROM b7_mrr WINDOW w AS (PARTITION BY c ORDER BY month ROWS UNBOUNDED PRECEDING)) x
GROUP BY month;

-- Both give the same monthly totals (an error stops the benchmark otherwise).
DO $$
DECLARE
    bad bigint;
BEGIN
    SELECT count(*) INTO bad
    FROM b7_ours o JOIN b7_reference r USING (month)
    WHERE o.m IS DISTINCT FROM ROW(r.starting_mrr, r.ending_mrr, coalesce(r.new_mrr, 0),
        coalesce(r.expansion_mrr, 0), coalesce(r.contraction_mrr, 0), coalesce(r.churned_mrr, 0),
        coalesce(r.reactivation_mrr, 0), r.customers_start, r.customers_end, r.new_customers,
        r.expansion_customers, r.contraction_customers, r.churned_customers,
        r.reactivation_customers)::csmetrics.mrr_movements;
    IF bad > 0 OR (SELECT count(*) FROM b7_ours) <> 36 THEN
        RAISE EXCEPTION 'B7: csmetrics and the reference disagree on % months', bad;
    END IF;
END $$;

SELECT bench.compare('B7', 'MRR movements per month, 100k customers x 36 months',
    'SELECT * FROM b7_ours', 'SELECT * FROM b7_reference',
    '>= 1.5x faster than lag()-based SQL', 1.5, 5);
