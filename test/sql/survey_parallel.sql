-- Survey aggregates with parallel workers forced on: the plan has a Partial Aggregate
-- (the combine function runs), and every result equals the serial result exactly.
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA survey_parallel_suite;
SET search_path = survey_parallel_suite, csmetrics, public;

-- A regular table (parallel workers cannot read temporary ones), 120,000 rows.
CREATE TABLE survey_parallel_t AS
SELECT i % 50 AS g, date '2024-01-01' + i % 120 AS day,
       CASE WHEN regress.rand(1, i) < 0.05 THEN NULL ELSE regress.rand_int(2, i, 0, 10)::int END AS score,
       CASE WHEN regress.rand(3, i) < 0.05 THEN NULL ELSE regress.rand_int(4, i, 1, 5)::int END AS csat_score,
       CASE WHEN regress.rand(5, i) < 0.05 THEN NULL ELSE regress.rand_int(6, i, 1, 7)::int END AS ces_score
FROM generate_series(1, 120000) i;
CREATE TABLE survey_parallel_daily AS
SELECT day, g, nps_summary(score) AS s FROM survey_parallel_t GROUP BY day, g;
ANALYZE survey_parallel_t, survey_parallel_daily;

-- One query computes every aggregate, whole-table and grouped.
CREATE VIEW survey_parallel_all AS
SELECT nps_agg(score) AS nps, nps_agg(score::smallint) AS nps2, nps_agg(score::bigint) AS nps8,
       nps_agg(score::numeric) AS npsn,
       csat_agg(csat_score) AS csat, csat_agg(csat_score, 5) AS csat5, csat_agg(csat_score::bigint, 5, 3) AS csat53,
       ces_agg(ces_score) AS ces, ces_agg(ces_score::smallint, 7) AS ces7,
       nps_summary(score) AS nps_s, csat_summary(csat_score::numeric) AS csat_s,
       csat_summary(csat_score, 5) AS csat5_s, ces_summary(ces_score) AS ces_s,
       ces_summary(ces_score::bigint, 7) AS ces7_s
FROM survey_parallel_t;
CREATE VIEW survey_parallel_grouped AS
SELECT g, nps_agg(score) AS nps, csat_agg(csat_score, 5, 4) AS csat, ces_agg(ces_score) AS ces,
       nps_summary(score) AS nps_s, ces_summary(ces_score::bigint) AS ces_s
FROM survey_parallel_t GROUP BY g;
CREATE VIEW survey_parallel_rollup AS
SELECT rollup(s) AS s, nps_agg(s) AS nps, csat_agg(s) AS csat, ces_agg(s) AS ces
FROM survey_parallel_daily;

SELECT regress.serial();
CREATE TABLE survey_serial_all AS SELECT * FROM survey_parallel_all;
CREATE TABLE survey_serial_grouped AS SELECT * FROM survey_parallel_grouped;
CREATE TABLE survey_serial_rollup AS SELECT * FROM survey_parallel_rollup;
SELECT regress.plan_has('SELECT * FROM survey_parallel_all', 'Partial') AS serial_plan_is_partial;

SELECT regress.force_parallel();
SELECT regress.plan_has('SELECT * FROM survey_parallel_all', 'Partial Aggregate') AS all_partial,
       regress.plan_has('SELECT * FROM survey_parallel_grouped', 'Partial') AS grouped_partial,
       regress.plan_has('SELECT * FROM survey_parallel_rollup', 'Partial Aggregate') AS rollup_partial,
       regress.plan_has('SELECT * FROM survey_parallel_all', 'Workers Planned: 2') AS two_workers;

-- Equal bit for bit: the whole row, as text (float8 output is exact since PostgreSQL 12).
SELECT (SELECT par::text FROM survey_parallel_all par) = (SELECT ser::text FROM survey_serial_all ser) AS all_equal;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE par::text IS DISTINCT FROM ser::text) AS grouped_mismatches
FROM survey_parallel_grouped par FULL JOIN survey_serial_grouped ser USING (g);
SELECT (SELECT par::text FROM survey_parallel_rollup par) = (SELECT ser::text FROM survey_serial_rollup ser) AS rollup_equal;

-- The values themselves, against plain SQL.
SELECT nps_s, round(nps::numeric, 6) AS nps,
       (SELECT round(100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6)) / count(score), 6)
        FROM survey_parallel_t) AS nps_plain,
       nps_s = (SELECT s FROM survey_serial_rollup) AS equals_rollup
FROM survey_parallel_all;

SELECT regress.serial();
DROP VIEW survey_parallel_all, survey_parallel_grouped, survey_parallel_rollup;
DROP TABLE survey_parallel_t, survey_parallel_daily, survey_serial_all, survey_serial_grouped,
           survey_serial_rollup;
