-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA survival_parallel_suite;
SET search_path = survival_parallel_suite, csmetrics, public;

-- 100k deterministic pseudo-random customers in 7 segments; tenure 0..120 months, some NULL rows.
CREATE TABLE big AS
SELECT g AS id, g % 7 AS segment, g % 97 AS day,
       CASE WHEN g % 1000 = 0 THEN NULL ELSE regress.rand_int(1, g, 0, 120)::int END AS tenure,
       regress.rand(2, g) < 0.35 AS churned,
       round((regress.rand(3, g) * 200)::numeric, (g % 4)) AS arpa
FROM generate_series(1, 100000) g;
ANALYZE big;

-- Serial results, kept as text.
SELECT regress.serial();
CREATE TABLE serial_res AS
SELECT segment, survival_summary(tenure, churned)::text AS s, ltv(arpa, tenure, churned) AS l,
       ltv(arpa, tenure, churned, 36) AS l36
FROM big GROUP BY segment
UNION ALL
SELECT NULL, survival_summary(tenure, churned)::text, ltv(arpa, tenure, churned),
       ltv(arpa, tenure, churned, 36)
FROM big;
CREATE TABLE big_s AS
SELECT segment, day, survival_summary(tenure, churned) AS s FROM big GROUP BY segment, day;
ANALYZE big_s;
SELECT segment, customers(s::survival_summary), churned(s::survival_summary),
       median_lifetime(s::survival_summary),
       round(expected_lifetime(s::survival_summary)::numeric, 6) AS rmst, round(l, 4) AS ltv
FROM serial_res ORDER BY segment NULLS LAST;

-- Parallel plans forced on: the plans show Partial Aggregate, the results are identical.
SELECT regress.force_parallel();
SELECT regress.plan_has('SELECT survival_summary(tenure, churned) FROM big', 'Partial Aggregate') AS summary_partial,
       regress.plan_has('SELECT ltv(arpa, tenure, churned) FROM big', 'Partial Aggregate') AS ltv_partial,
       regress.plan_has('SELECT ltv(arpa, tenure, churned, 36) FROM big', 'Partial Aggregate') AS ltv_h_partial,
       regress.plan_has('SELECT segment, survival_summary(tenure, churned), ltv(arpa, tenure, churned) FROM big GROUP BY segment', 'Partial') AS grouped_partial,
       regress.plan_has('SELECT rollup(s) FROM big_s', 'Partial Aggregate') AS rollup_partial;
SELECT (SELECT survival_summary(tenure, churned)::text FROM big)
         = (SELECT s FROM serial_res WHERE segment IS NULL) AS summary_equal,
       (SELECT ltv(arpa, tenure, churned) FROM big)
         = (SELECT l FROM serial_res WHERE segment IS NULL) AS ltv_equal,
       (SELECT ltv(arpa, tenure, churned, 36) FROM big)
         = (SELECT l36 FROM serial_res WHERE segment IS NULL) AS ltv_36_equal,
       (SELECT rollup(s)::text FROM big_s)
         = (SELECT s FROM serial_res WHERE segment IS NULL) AS rollup_equal;
SELECT count(*) AS segments,
       count(*) FILTER (WHERE p.s = r.s AND p.l = r.l AND p.l36 = r.l36) AS equal
FROM (SELECT segment, survival_summary(tenure, churned)::text AS s, ltv(arpa, tenure, churned) AS l,
             ltv(arpa, tenure, churned, 36) AS l36
      FROM big GROUP BY segment) p
JOIN serial_res r ON r.segment = p.segment;
SELECT count(*) AS segments, count(*) FILTER (WHERE p.s = r.s) AS equal
FROM (SELECT segment, rollup(s)::text AS s FROM big_s GROUP BY segment) p
JOIN serial_res r ON r.segment = p.segment;
-- ltv equals the plain-SQL formula under parallel plans too; the average is over the rows
-- ltv counts (rows with a NULL tenure are skipped by both aggregates, not by avg(arpa))
SELECT ltv(arpa, tenure, churned)
         = avg(arpa) FILTER (WHERE tenure IS NOT NULL)
           * expected_lifetime(survival_summary(tenure, churned))::numeric AS ltv_formula,
       ltv(arpa, tenure, churned)
         = avg(arpa) * expected_lifetime(survival_summary(tenure, churned))::numeric AS without_filter
FROM big;
-- a horizon that varies between rows fails in the workers as well
SELECT regress.expect_error($$SELECT ltv(arpa, tenure, churned, 12 + (id = 99999)::int) FROM big$$);
SELECT regress.serial();
