-- B7: MRR movements per month, 100k customers x 36 months, csmetrics against the best
-- lag()-based SQL giving the same monthly movement totals (SPEC §7: goal >= 1.5x).
--
-- Data: a gap-free customer-month grid (MRR 0 when not paying). Each customer starts in a
-- random month, moves between plan tiers by a random walk (upgrades and downgrades), skips
-- the odd month (churn, then reactivation) and may churn for good.
SELECT setseed(0.7);
CREATE TABLE b7_customer AS
SELECT c, (random() * 30)::int AS start_m,
       CASE WHEN random() < 0.4 THEN 36 ELSE (random() * 36)::int END AS end_m,
       1 + (random() * 4)::int AS tier0
FROM generate_series(1, 100000) c;

CREATE TABLE b7_mrr AS
SELECT c, (date '2023-01-01' + make_interval(months => m))::date AS month,
       CASE WHEN m < start_m OR m >= end_m OR skip THEN 0
            ELSE (greatest(1, tier0 + walk) * 49.90)::numeric(12, 2) END AS mrr
FROM (SELECT cu.c, m, start_m, end_m, tier0, random() < 0.04 AS skip,
             sum((random() < 0.06)::int - (random() < 0.04)::int)
                 OVER (PARTITION BY cu.c ORDER BY m) AS walk
      FROM b7_customer cu, generate_series(0, 35) m) g;
ANALYZE b7_mrr;

SET work_mem = '512MB';

SELECT bench.compare('B7', 'MRR movements per month, 100k customers x 36 months',
$q$
SELECT month, (mrr_movements(prev, mrr, seen)).*
FROM (SELECT month, mrr,
             lag(mrr, 1, 0::numeric) OVER w AS prev,
             coalesce(bool_or(mrr > 0) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS seen
      FROM b7_mrr WINDOW w AS (PARTITION BY c ORDER BY month)) x
GROUP BY month
$q$,
$q$
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
FROM (SELECT month, mrr,
             lag(mrr, 1, 0::numeric) OVER w AS prev,
             coalesce(bool_or(mrr > 0) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS seen
      FROM b7_mrr WINDOW w AS (PARTITION BY c ORDER BY month)) x
GROUP BY month
$q$,
'>= 1.5x faster than lag()-based SQL', 1.5, 3);
