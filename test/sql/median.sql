-- kpi_median, the median the views report per period (resolution hours, days to first value,
-- days to convert, days to activation): the same number as percentile_cont(0.5) WITHIN GROUP
-- (ORDER BY value), to the last bit, as an ordinary aggregate the planner can hash. Worked
-- examples, then against percentile_cont on thousands of pseudo-random values in groups of
-- every size (hashed and sorted, serial and parallel) and in window frames.
SET search_path = csmetrics, public;
CREATE SCHEMA median_suite;
SET search_path = median_suite, csmetrics, public;

-- An odd count gives the middle value; an even count the lower middle value plus half the
-- distance to the upper one; NULLs are left out; no value (or only NULLs) gives NULL.
SELECT kpi_median(v) AS odd FROM unnest('{7,1,3}'::float8[]) v;
SELECT kpi_median(v) AS even FROM unnest('{4,1,3,2}'::float8[]) v;
SELECT kpi_median(v) AS with_nulls FROM unnest('{NULL,10,NULL,20}'::float8[]) v;
SELECT kpi_median(v) AS one FROM unnest('{-2.5}'::float8[]) v;
SELECT kpi_median(v) AS only_nulls FROM unnest('{NULL,NULL}'::float8[]) v;
SELECT kpi_median(v) AS no_row FROM unnest('{}'::float8[]) v;
-- NaN sorts above every number and infinities are numbers: as percentile_cont gives them.
SELECT kpi_median(v) AS nan_above, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS cont
FROM unnest('{NaN,1,2}'::float8[]) v;
SELECT kpi_median(v) AS nan_middle, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS cont
FROM unnest('{NaN,1,2,NaN}'::float8[]) v;
SELECT kpi_median(v) AS infinities, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS cont
FROM unnest('{-Infinity,Infinity}'::float8[]) v;
SELECT kpi_median(v) AS infinity_and_number, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS cont
FROM unnest('{Infinity,5}'::float8[]) v;
-- The interpolation is lo + 0.5 * (hi - lo), as percentile_cont's, not (lo + hi) / 2: their
-- difference overflows here, so both give Infinity where the midpoint would be 0.
SELECT kpi_median(v) AS overflowing_difference, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS cont
FROM unnest('{-1e308,1e308}'::float8[]) v;

-- 20 000 values in 400 groups of 1 to 100 values (some groups all NULL): whole numbers with
-- many ties, fractions, values up to half the largest float8, and NULLs. Each group's median
-- is compared with percentile_cont's as bits (float8send).
CREATE TABLE vals AS
SELECT g, i,
       CASE WHEN r < 0.05 OR g % 97 = 0 THEN NULL
            WHEN r < 0.40 THEN regress.rand_int(22, g * 1000 + i, -5, 5)::float8
            WHEN r < 0.45 THEN (regress.rand(23, g * 1000 + i) - 0.5) * 1e308
            ELSE (regress.rand(24, g * 1000 + i) - 0.3) * power(10, regress.rand_int(25, g * 1000 + i, -8, 8)) END AS v
FROM (SELECT g, i, regress.rand(21, g * 1000 + i) AS r
      FROM generate_series(1, 400) g CROSS JOIN LATERAL generate_series(1, 1 + g % 100) i) x;
ANALYZE vals;
SELECT count(*) AS rows, count(v) AS values, count(DISTINCT g) AS groups FROM vals;

CREATE VIEW compared AS
SELECT count(*) AS groups, count(*) FILTER (WHERE m IS NULL) AS null_medians,
       count(*) FILTER (WHERE m IS DISTINCT FROM c OR float8send(m) IS DISTINCT FROM float8send(c)) AS mismatches
FROM (SELECT g, kpi_median(v) AS m FROM vals GROUP BY g) a
FULL JOIN (SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS c FROM vals GROUP BY g) b USING (g);

-- Grouped by hashing, then by sorting: the same medians.
SET enable_sort = off;
SELECT regress.plan_has('SELECT g, kpi_median(v) FROM vals GROUP BY g', 'HashAggregate') AS hashed;
SELECT * FROM compared;
RESET enable_sort;
SET enable_hashagg = off;
SELECT regress.plan_has('SELECT g, kpi_median(v) FROM vals GROUP BY g', 'GroupAggregate') AS sorted;
SELECT * FROM compared;
RESET enable_hashagg;

-- Parallel: the workers each keep part of a group's values, which the leader combines (the
-- states cross processes in their binary form); one median over every value too.
SELECT regress.force_parallel();
SELECT regress.plan_has('SELECT g, kpi_median(v) FROM vals GROUP BY g', 'Partial') AS partial_aggregate;
SELECT * FROM compared;
SELECT kpi_median(v) = (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM vals) AS all_values_parallel,
       regress.plan_has('SELECT kpi_median(v) FROM vals', 'Partial Aggregate') AS partial_all
FROM vals;
SELECT regress.serial();

-- As a window function: a frame that grows (the state keeps every value after each answer
-- and takes more) and one that slides, against percentile_cont over each frame's rows.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE growing IS DISTINCT FROM (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY w.v)
                                                        FROM vals w WHERE w.g = x.g AND w.i <= x.i)) AS growing_mismatches,
       count(*) FILTER (WHERE sliding IS DISTINCT FROM (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY w.v)
                                                        FROM vals w WHERE w.g = x.g AND w.i BETWEEN x.i - 4 AND x.i)) AS sliding_mismatches
FROM (SELECT g, i, kpi_median(v) OVER (PARTITION BY g ORDER BY i ROWS UNBOUNDED PRECEDING) AS growing,
             kpi_median(v) OVER (PARTITION BY g ORDER BY i ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS sliding
      FROM vals WHERE g <= 60) x;

-- kpi_median raises no error of its own: every float8 has its place in the order. (Its
-- support functions take the internal state, which SQL cannot pass; they check that they run
-- inside the aggregate only for a C caller.)

DROP SCHEMA median_suite CASCADE;
