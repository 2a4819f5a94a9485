-- Customer health relative to the customer base (docs/health.md): health_score_ranked and
-- health_quartile_band, window functions over the whole partition.
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA health_ranked_suite;
SET search_path = health_ranked_suite, csmetrics, public;

-- Worked example. Usage (higher is better) 10, 20, 20, 40, NULL: n = 4,
--   p(10) = 100·(0 + 0/2)/3 = 0, p(20) = 100·(1 + 1/2)/3 = 50, p(40) = 100·(3 + 0)/3 = 100.
-- Tickets (lower is better) 5, 1, 1, 3, 2: n = 5, sorted 1 1 2 3 5,
--   p(1) = 100·(0 + 1/2)/4 = 12.5 -> 87.5, p(2) = 50 -> 50, p(3) = 75 -> 25, p(5) = 100 -> 0.
-- Weights usage 3, tickets 1:
--   c1 (0, 0) = 0; c2 and c3 (50, 87.5) = (150 + 87.5)/4 = 59.375;
--   c4 (100, 25) = (300 + 25)/4 = 81.25; c5 (usage NULL, 50) = 50 (weights re-normalised).
-- Quartile bands of those scores 0, 59.375, 59.375, 81.25, 50 (n = 5):
--   p(0) = 0 unhealthy, p(50) = 25 at risk, p(59.375) = 62.5 at risk, p(81.25) = 100 healthy.
-- Customer c6 is alone in its segment: every percentile is 50, so its score is 50.
CREATE TABLE health_example (customer text, segment text, usage float8, tickets float8);
INSERT INTO health_example VALUES
    ('c1', 'smb', 10, 5), ('c2', 'smb', 20, 1), ('c3', 'smb', 20, 1),
    ('c4', 'smb', 40, 3), ('c5', 'smb', NULL, 2), ('c6', 'enterprise', 7, 9);
SELECT customer, segment, score, health_quartile_band(score) OVER (PARTITION BY segment) AS band
FROM (SELECT customer, segment,
             health_score_ranked(ARRAY[usage, tickets], '{3,1}', '{true,false}')
               OVER (PARTITION BY segment) AS score
      FROM health_example) s
ORDER BY customer;
-- the frame is ignored: the percentile is over the whole partition, whatever ORDER BY or frame
SELECT customer,
       health_score_ranked(ARRAY[usage, tickets], '{3,1}', '{true,false}')
         OVER (PARTITION BY segment ORDER BY customer ROWS BETWEEN CURRENT ROW AND CURRENT ROW) AS score,
       health_quartile_band(usage) OVER (PARTITION BY segment ORDER BY customer) AS usage_band
FROM health_example ORDER BY customer;
-- NULL measures arrays and NULL scores give NULL; a partition with no values at all too
SELECT customer,
       health_score_ranked(CASE WHEN customer = 'c1' THEN NULL ELSE ARRAY[usage] END, '{1}', '{true}')
         OVER () AS usage_rank,
       health_score_ranked(ARRAY[NULL::float8], '{1}', '{true}') OVER () AS no_values,
       health_quartile_band(NULL::float8) OVER () AS no_band
FROM health_example ORDER BY customer;

-- Property check against plain SQL on 6000 customers in 5 segments (plus 3 tiny ones):
-- ties from rounding, NULL measures, mixed directions.
CREATE TABLE health_customers AS
SELECT i AS customer,
       CASE WHEN i <= 3 THEN 'tiny' || i ELSE 'seg' || (i % 5) END AS segment,
       ARRAY[CASE WHEN regress.rand(1, i) < 0.05 THEN NULL ELSE round((regress.rand(2, i) * 100)::numeric)::float8 END,
             CASE WHEN regress.rand(3, i) < 0.2 THEN NULL ELSE round((regress.rand(4, i) * 10)::numeric)::float8 END,
             CASE WHEN regress.rand(5, i) < 0.1 THEN NULL ELSE round((regress.rand(6, i) * 30)::numeric, 1)::float8 END,
             CASE WHEN regress.rand(7, i) < 0.02 THEN NULL ELSE regress.rand_int(8, i, 0, 3)::float8 END] AS measures
FROM generate_series(1, 6000) i;
-- a few customers with no measure at all: no rank, no score
UPDATE health_customers SET measures = '{NULL,NULL,NULL,NULL}' WHERE customer % 1000 = 7;
ANALYZE health_customers;

-- The reference: one row per (customer, measure), L = rank() − 1 (NULLs sort last),
-- T = count(*) over equal values, n = count(value) in the segment, then the health formula,
-- inverted where lower is better, weighted and re-normalised over the measures present.
CREATE TABLE health_reference AS
WITH model AS (
    SELECT '{40,10,20,30}'::float8[] AS weights, '{true,false,true,false}'::bool[] AS higher
), cells AS (
    SELECT c.customer, c.segment, u.j, u.v
    FROM health_customers c, unnest(c.measures) WITH ORDINALITY u(v, j)
), counted AS (
    SELECT customer, segment, j, v,
           rank() OVER (PARTITION BY segment, j ORDER BY v) - 1 AS below,
           count(*) OVER (PARTITION BY segment, j, v) AS equal,
           count(v) OVER (PARTITION BY segment, j) AS n
    FROM cells
), ranked AS (
    SELECT customer, segment, j,
           CASE WHEN v IS NULL THEN NULL
                WHEN n = 1 THEN 50
                ELSE 100.0::float8 * (below::float8 + (equal - 1)::float8 / 2.0::float8) / (n - 1)::float8
           END AS p
    FROM counted
)
SELECT r.customer, r.segment,
       sum(m.weights[r.j] * CASE WHEN m.higher[r.j] THEN r.p ELSE 100 - r.p END)
         / nullif(sum(m.weights[r.j]) FILTER (WHERE r.p IS NOT NULL), 0) AS score
FROM ranked r, model m
GROUP BY r.customer, r.segment;

CREATE TABLE health_ranked AS
SELECT customer, segment,
       health_score_ranked(measures, '{40,10,20,30}', '{true,false,true,false}')
         OVER (PARTITION BY segment) AS score
FROM health_customers;

SELECT count(*) AS customers,
       count(*) FILTER (WHERE a.score IS DISTINCT FROM r.score
                        AND NOT abs(a.score - r.score) < 1e-9) AS mismatches,
       count(*) FILTER (WHERE a.score IS NULL) AS null_scores,
       count(DISTINCT a.segment) AS segments
FROM health_ranked a JOIN health_reference r USING (customer);
SELECT a.customer, a.segment, c.measures, round(a.score::numeric, 6) AS score,
       round(r.score::numeric, 6) AS reference
FROM health_ranked a JOIN health_reference r USING (customer) JOIN health_customers c USING (customer)
WHERE a.customer IN (1, 2, 3, 4, 5, 10, 11, 1007, 4999)
ORDER BY a.customer;
-- scores span 0..100 within each big segment
SELECT segment, count(*) AS customers, round(min(score)::numeric, 4) AS min_score,
       round(max(score)::numeric, 4) AS max_score, round(avg(score)::numeric, 4) AS mean_score
FROM health_ranked GROUP BY segment ORDER BY segment;

-- weights and directions from columns (evaluated on every row, equal on every row)
-- give the same scores as constants; a frame and an ORDER BY do not change them
SELECT count(*) AS customers,
       count(*) FILTER (WHERE v.score IS DISTINCT FROM a.score) AS mismatches
FROM (SELECT customer,
             health_score_ranked(measures, w, d)
               OVER (PARTITION BY segment ORDER BY customer ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS score
      FROM health_customers,
           LATERAL (SELECT ARRAY[40, 10, 20, customer * 0 + 30]::float8[] AS w,
                           ARRAY[true, false, true, customer > 0 AND false]::bool[] AS d) m) v
JOIN health_ranked a USING (customer);

-- health_quartile_band against the same plain SQL, on the ranked scores rounded to whole
-- points (ties) with some NULLs, per segment
CREATE TABLE health_scores AS
SELECT customer, segment, CASE WHEN customer % 50 = 0 THEN NULL ELSE round(score) END AS score
FROM health_ranked;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE b.band IS DISTINCT FROM r.band) AS mismatches,
       count(*) FILTER (WHERE b.band = 'healthy') AS healthy,
       count(*) FILTER (WHERE b.band = 'at risk') AS at_risk,
       count(*) FILTER (WHERE b.band = 'unhealthy') AS unhealthy,
       count(*) FILTER (WHERE b.band IS NULL) AS no_band
FROM (SELECT customer, health_quartile_band(score) OVER (PARTITION BY segment) AS band
      FROM health_scores) b
JOIN (SELECT customer,
             CASE WHEN score IS NULL THEN NULL
                  WHEN p >= 75 THEN 'healthy' WHEN p < 25 THEN 'unhealthy' ELSE 'at risk' END AS band
      FROM (SELECT customer, score,
                   CASE WHEN count(score) OVER w = 1 THEN 50
                        ELSE 100.0::float8 * ((rank() OVER (PARTITION BY segment ORDER BY score) - 1)::float8
                                              + (count(*) OVER (PARTITION BY segment, score) - 1)::float8 / 2.0::float8)
                             / (count(score) OVER w - 1)::float8
                   END AS p
            FROM health_scores WINDOW w AS (PARTITION BY segment)) q) r USING (customer);
SELECT s.customer, s.segment, s.score, b.band
FROM health_scores s
JOIN (SELECT customer, health_quartile_band(score) OVER (PARTITION BY segment) AS band
      FROM health_scores) b USING (customer)
WHERE s.customer IN (1, 4, 5, 6, 7, 8, 9, 50, 4999)
ORDER BY s.customer;

-- one partition for the whole base: a percentile exactly at 25 and 75 is "at risk" and
-- "healthy" (n = 5: p = 0, 25, 50, 75, 100)
SELECT s, health_quartile_band(s) OVER () AS band
FROM (VALUES (1::float8), (2), (3), (4), (5)) v(s) ORDER BY s;

-- The health views rank a measure without a window: kpi_sorted_sample sorts a period's values
-- once, and kpi_percentile_rank finds each row's value in them, with the percentile rule of
-- health_score_ranked. The usage of the smb customers above, 10, 20, 20, 40 and NULL: n = 4,
-- p(10) = 0, p(20) = 50, p(40) = 100; lower is better: 100 - p. A single value gives 50.
SELECT kpi_sorted_sample('{20,10,NULL,40,20}') AS sample,
       kpi_percentile_rank('{10,20,20,40}', 10, true) AS p10,
       kpi_percentile_rank('{10,20,20,40}', 20, true) AS p20,
       kpi_percentile_rank('{10,20,20,40}', 40, true) AS p40,
       kpi_percentile_rank('{10,20,20,40}', 40, false) AS p40_lower_is_better,
       kpi_percentile_rank('{7}', 7, true) AS single,
       kpi_percentile_rank('{10,20}', NULL, true) AS no_value,
       kpi_sorted_sample('{NULL,NULL}') AS no_values;
-- Property: every measure of the 6000 customers, in both directions, against
-- health_score_ranked over the segment with that one measure: the same double, bit for bit.
WITH v AS (SELECT c.customer, c.segment, j, c.measures[j] AS x, d.hib
           FROM health_customers AS c CROSS JOIN generate_series(1, 4) AS j CROSS JOIN unnest('{true,false}'::bool[]) AS d(hib)),
samples AS (SELECT segment, j, kpi_sorted_sample(array_agg(x)) AS sample FROM v WHERE hib GROUP BY segment, j),
windowed AS (SELECT v.*, health_score_ranked(ARRAY[v.x], '{1}', ARRAY[v.hib]) OVER (PARTITION BY v.segment, v.j, v.hib) AS p FROM v)
SELECT count(*) AS values, count(w.p) AS ranked, count(DISTINCT w.p) AS distinct_ranks,
       count(*) FILTER (WHERE w.p IS DISTINCT FROM kpi_percentile_rank(s.sample, w.x, w.hib)) AS mismatches,
       sum(cardinality(s.sample)) FILTER (WHERE w.hib AND w.customer = 1) AS sample_sizes
FROM windowed AS w JOIN samples AS s USING (segment, j);
-- bad samples and values: each error with its SQLSTATE and message
SELECT statement, regress.expect_error(statement) AS error
FROM unnest(ARRAY[
    $$SELECT csmetrics.kpi_percentile_rank('{1,2,NULL}', 1, true)$$,
    $$SELECT csmetrics.kpi_percentile_rank('{1,2,3}', 5, true)$$,
    $$SELECT csmetrics.kpi_percentile_rank('{3,1,2}', 1, true)$$,
    $$SELECT csmetrics.kpi_percentile_rank('{1,3,2}', 3, true)$$,
    $$SELECT csmetrics.kpi_percentile_rank('{}', 1, true)$$,
    $$SELECT csmetrics.kpi_percentile_rank('{1,2}', 'NaN', true)$$,
    $$SELECT csmetrics.kpi_percentile_rank('{1,2}', '-Infinity', false)$$,
    $$SELECT csmetrics.kpi_percentile_rank('{{1,2},{3,4}}', 1, true)$$,
    $$SELECT csmetrics.kpi_sorted_sample('{1,NaN}')$$,
    $$SELECT csmetrics.kpi_sorted_sample('{NULL,1,Infinity}')$$,
    $$SELECT csmetrics.kpi_sorted_sample('{{1,2},{3,4}}')$$]) AS statement;
