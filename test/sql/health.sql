-- Customer health scores (docs/health.md): scalar scores, normalising, bands, health_score_agg.
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA health_suite;
SET search_path = health_suite, csmetrics, public;

-- The typical model of docs/health.md: usage 40, NPS 10, support tickets 20, billing 30.
-- usage 80, NPS 60, support 50, billing 100:
-- (40·80 + 10·60 + 20·50 + 30·100) / 100 = (3200 + 600 + 1000 + 3000) / 100 = 78
SELECT health_score('{80,60,50,100}', '{40,10,20,30}') AS spec_model;
-- NPS missing: left out, the rest re-normalised: (3200 + 1000 + 3000) / 90 = 80 (not 72)
SELECT health_score('{80,NULL,50,100}', '{40,10,20,30}') AS nps_missing;
-- weights are relative: percentages or fractions give the same score
SELECT health_score('{80,60,50,100}', '{0.4,0.1,0.2,0.3}') AS fractions;
-- a single measure is its own score; all measures NULL -> NULL; NULL arrays -> NULL (STRICT)
SELECT health_score('{55}', '{3}') AS single,
       health_score('{NULL,NULL}', '{1,1}') IS NULL AS all_null,
       health_score(NULL, '{1}') IS NULL AS null_measures,
       health_score('{1}', NULL) IS NULL AS null_weights;
-- a zero weight leaves its measure out; if only zero-weight measures are present -> NULL
SELECT health_score('{80,0}', '{1,0}') AS zero_weight_ignored,
       health_score('{NULL,50}', '{1,0}') IS NULL AS present_weights_zero;
-- measures above 100 are allowed (a points score can be one)
SELECT health_score('{150,50}', '{1,1}') AS above_100;

-- Points score: Σ count × impact, NULL counts count as 0, negative impacts subtract.
-- 12 logins × 2 + 1 late payment × −25 + NULL tickets × −5 + 3 features × 10 = 24 − 25 + 30 = 29
SELECT health_points('{12,1,NULL,3}', '{2,-25,-5,10}') AS points;
SELECT health_points('{}', '{}') AS empty_points,
       health_points('{NULL}', '{-7}') AS null_count,
       health_points('{100,100}', '{1,0.5}') AS above_100,
       health_points('{0.5}', '{3}') AS fractional_count;

-- Normalising by fixed bounds: clamp((x − lo)/(hi − lo), 0, 1) × 100.
SELECT x, health_normalize(x, 0, 20) AS higher_better,
       health_normalize(x, 0, 20, false) AS lower_better
FROM (VALUES (-5::float8), (0), (5), (10), (15), (20), (25),
             ('-Infinity'), ('Infinity')) v(x);
-- bounds that are a whole double range apart stay finite
SELECT health_normalize(0, -1e308, 1e308) AS wide_bounds,
       health_normalize(1e308, -1e308, 1e308, false) AS wide_top_inverted;
-- days late on an invoice, lower is better, 0..30 days
SELECT health_normalize(3, 0, 30, false) AS days_late_3;

-- Fixed bands: red ≤ 40 < yellow ≤ 70 < green ≤ 100 < thriving; negatives are red.
SELECT s, health_band(s)
FROM (VALUES (-10::float8), (0), (40), (40.000001), (55), (70), (70.000001), (100),
             (100.000001), (250), ('-Infinity'), ('Infinity')) v(s);
-- Custom bands: the score equal to a threshold falls in the lower band, as with the defaults.
SELECT s, health_band(s, '{25,50,75}', '{poor,fair,good,great}')
FROM (VALUES (0::float8), (25), (25.5), (50), (74.9), (75), (75.1), (1000)) v(s);
-- one threshold, two labels; no threshold, one label
SELECT health_band(10, '{10}', '{low,high}') AS at_threshold,
       health_band(11, '{10}', '{low,high}') AS above,
       health_band(-3, '{}', '{everyone}') AS single_band;
-- the custom form with the default thresholds and labels agrees with the fixed form
SELECT count(*) FILTER (WHERE health_band(s) <> health_band(s, '{40,70,100}', '{red,yellow,green,thriving}'))
         AS band_mismatches,
       count(*) AS scores, count(*) FILTER (WHERE s IN (40, 70, 100)) AS on_a_threshold
FROM (SELECT round((regress.rand(1, i) * 140 - 20)::numeric, 1)::float8 AS s
      FROM generate_series(1, 2000) i
      UNION ALL  -- each threshold, and a step either side of it
      SELECT unnest('{39.9,40,40.1,69.9,70,70.1,99.9,100,100.1}'::float8[])) v;

-- health_score_agg: the mean of the per-row weighted scores.
-- Customer 1: snapshots 78, 80 (NPS missing), skipped (all NULL) -> 79
SELECT health_score_agg(m, '{40,10,20,30}') AS spec_mean
FROM (VALUES ('{80,60,50,100}'::float8[]), ('{80,NULL,50,100}'), ('{NULL,NULL,NULL,NULL}'),
             (NULL)) v(m);
-- no scored rows -> NULL, like avg()
SELECT health_score_agg(m, '{1}') IS NULL AS empty_is_null
FROM (VALUES (NULL::float8[]), ('{NULL}')) v(m);
SELECT health_score_agg(m, w) IS NULL AS no_rows FROM (SELECT '{1}'::float8[] m, '{1}'::float8[] w) v
WHERE false;

-- Property check on weekly snapshots: 600 customers × 12 weeks, with NULL measures.
CREATE TABLE health_snapshots AS
SELECT c AS customer, w AS week, (c % 7) AS segment,
       ARRAY[CASE WHEN regress.rand(2, k) < 0.1 THEN NULL ELSE round((regress.rand(3, k) * 100)::numeric, 1)::float8 END,
             CASE WHEN regress.rand(4, k) < 0.3 THEN NULL ELSE round((regress.rand(5, k) * 100)::numeric)::float8 END,
             CASE WHEN regress.rand(6, k) < 0.1 THEN NULL ELSE round((regress.rand(7, k) * 100)::numeric, 2)::float8 END,
             CASE WHEN regress.rand(8, k) < 0.05 THEN NULL ELSE (regress.rand(9, k) * 100)::float8 END] AS measures
FROM generate_series(1, 600) c, generate_series(1, 12) w, LATERAL (SELECT c * 100 + w AS k) n;
ANALYZE health_snapshots;

-- per customer: aggregate vs avg of the scalar score
SELECT count(*) AS customers,
       count(*) FILTER (WHERE a IS DISTINCT FROM b AND NOT abs(a - b) < 1e-9) AS mismatches,
       count(*) FILTER (WHERE a IS NULL) AS null_means
FROM (SELECT customer, health_score_agg(measures, '{40,10,20,30}') AS a,
             avg(health_score(measures, '{40,10,20,30}')) AS b
      FROM health_snapshots GROUP BY customer) g;
SELECT customer, round(health_score_agg(measures, '{40,10,20,30}')::numeric, 6) AS mean_score,
       round(avg(health_score(measures, '{40,10,20,30}'))::numeric, 6) AS reference
FROM health_snapshots WHERE customer <= 3 GROUP BY customer ORDER BY customer;

-- as a window aggregate: sliding ROWS frame (4-week rolling health) vs recomputation
SELECT count(*) AS rows_checked,
       count(*) FILTER (WHERE w.rolling IS DISTINCT FROM r.rolling
                        AND NOT abs(w.rolling - r.rolling) < 1e-9) AS mismatches
FROM (SELECT customer, week,
             health_score_agg(measures, '{40,10,20,30}')
               OVER (PARTITION BY customer ORDER BY week ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS rolling
      FROM health_snapshots) w
JOIN (SELECT a.customer, a.week,
             (SELECT avg(health_score(b.measures, '{40,10,20,30}')) FROM health_snapshots b
              WHERE b.customer = a.customer AND b.week BETWEEN a.week - 3 AND a.week) AS rolling
      FROM health_snapshots a) r USING (customer, week);
-- RANGE frame over the week number (same rows here, other code path), centred window
SELECT count(*) AS rows_checked,
       count(*) FILTER (WHERE w.rolling IS DISTINCT FROM r.rolling
                        AND NOT abs(w.rolling - r.rolling) < 1e-9) AS mismatches
FROM (SELECT customer, week,
             health_score_agg(measures, '{40,10,20,30}')
               OVER (PARTITION BY customer ORDER BY week RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING) AS rolling
      FROM health_snapshots) w
JOIN (SELECT a.customer, a.week,
             (SELECT avg(health_score(b.measures, '{40,10,20,30}')) FROM health_snapshots b
              WHERE b.customer = a.customer AND b.week BETWEEN a.week - 2 AND a.week + 1) AS rolling
      FROM health_snapshots a) r USING (customer, week);
SELECT customer, week,
       round(health_score(measures, '{40,10,20,30}')::numeric, 4) AS score,
       round(health_score_agg(measures, '{40,10,20,30}')
               OVER (PARTITION BY customer ORDER BY week ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)::numeric, 4) AS rolling_4w
FROM health_snapshots WHERE customer = 1 ORDER BY week;

-- parallel forced vs serial: the plans aggregate partially in the workers (grouped:
-- Partial HashAggregate; whole table: Partial Aggregate), the results agree within
-- 1e-9 (float sums may differ in the last bits when rows are added in another order)
CREATE TEMP TABLE serial_means AS
SELECT segment, health_score_agg(measures, '{40,10,20,30}') AS mean_score, count(*) AS n
FROM health_snapshots GROUP BY segment;
SELECT regress.force_parallel();
SELECT regress.plan_has('SELECT segment, health_score_agg(measures, ''{40,10,20,30}'') FROM health_snapshots GROUP BY segment',
                        'Partial HashAggregate') AS partial_by_segment,
       regress.plan_has('SELECT health_score_agg(measures, ''{40,10,20,30}'') FROM health_snapshots',
                        'Partial Aggregate') AS partial_total;
CREATE TEMP TABLE parallel_means AS
SELECT segment, health_score_agg(measures, '{40,10,20,30}') AS mean_score, count(*) AS n
FROM health_snapshots GROUP BY segment;
SELECT health_score_agg(measures, '{40,10,20,30}') AS parallel_total
FROM health_snapshots \gset
SELECT regress.serial();
SELECT count(*) AS segments,
       count(*) FILTER (WHERE NOT abs(s.mean_score - p.mean_score) < 1e-9 OR s.n <> p.n) AS mismatches
FROM serial_means s JOIN parallel_means p USING (segment);
SELECT abs(health_score_agg(measures, '{40,10,20,30}') - :parallel_total) < 1e-9 AS total_agrees,
       round(health_score_agg(measures, '{40,10,20,30}')::numeric, 6) AS serial_total,
       round(avg(health_score(measures, '{40,10,20,30}'))::numeric, 6) AS reference
FROM health_snapshots;
SELECT segment, round(mean_score::numeric, 6) AS mean_score FROM serial_means ORDER BY segment;

-- the state is avg(float8)'s {N, Σx, Σ(x − mean)²}: its text form reads back exactly,
-- float8_avg finishes it, and float8_var_samp reads the same state as var_samp() would
CREATE AGGREGATE regress.health_state(float8[], float8[]) (
    SFUNC = csmetrics.health_score_agg_transfn, STYPE = float8[], INITCOND = '{0,0,0}');
SELECT customer, st AS state, st::text::float8[] = st AS text_round_trip,
       float8_avg(st) = health_score_agg AS avg_matches,
       abs(float8_var_samp(st) - var_samp) < 1e-9 AS var_matches
FROM (SELECT customer, regress.health_state(measures, '{40,10,20,30}') AS st,
             health_score_agg(measures, '{40,10,20,30}'),
             var_samp(health_score(measures, '{40,10,20,30}'))
      FROM health_snapshots WHERE customer <= 3 GROUP BY customer) s
ORDER BY customer;
