-- The survey views (NPS, eNPS, CSAT, CES by month and by segment) against the one-step
-- aggregates on the same clean rows.

-- Not echoed: the registered CRM of test/fixtures/crm_views.sql with its KPI views in the
-- schema "KPI Views"; search_path csmetrics, public; time zone UTC; ISO dates.
\set ECHO none
\i test/fixtures/crm_views.sql
\set ECHO all

-- Surveys: each month's row equals the one-step aggregates on the same rows.
WITH d AS (SELECT date_trunc('month', responded_at)::date AS month, count(*) AS responses, nps_agg(score) AS nps
           FROM t_answers WHERE survey = 'nps' GROUP BY 1)
SELECT count(*) AS months, count(*) FILTER (WHERE v.responses IS DISTINCT FROM d.responses OR abs(v.nps - d.nps) > 1e-9) AS mismatches
FROM "KPI ""Views""".nps_by_month v FULL JOIN d USING (month);
WITH d AS (SELECT date_trunc('month', responded_at)::date AS month, nps_agg(score) AS nps FROM t_answers WHERE survey = 'enps' GROUP BY 1)
SELECT count(*) AS months, count(*) FILTER (WHERE abs(v.nps - d.nps) > 1e-9 OR v.nps IS NULL OR d.nps IS NULL) AS mismatches
FROM "KPI ""Views""".enps_by_month v FULL JOIN d USING (month);
WITH d AS (SELECT date_trunc('month', responded_at)::date AS month, csat_agg(score) AS csat FROM t_answers WHERE survey = 'csat' GROUP BY 1)
SELECT count(*) AS months, count(*) FILTER (WHERE abs(v.csat - d.csat) > 1e-9 OR v.csat IS NULL OR d.csat IS NULL) AS mismatches
FROM "KPI ""Views""".csat_by_month v FULL JOIN d USING (month);
WITH d AS (SELECT date_trunc('month', responded_at)::date AS month, ces_agg(score) AS ces FROM t_answers WHERE survey = 'ces' GROUP BY 1)
SELECT count(*) AS months, count(*) FILTER (WHERE abs(v.ces - d.ces) > 1e-9 OR v.ces IS NULL OR d.ces IS NULL) AS mismatches
FROM "KPI ""Views""".ces_by_month v FULL JOIN d USING (month);
-- By segment: the segments' responses add up to the month's.
SELECT count(*) AS mismatches FROM "KPI ""Views""".nps_by_month v
WHERE v.responses <> (SELECT sum(s.responses) FROM "KPI ""Views""".nps_by_month_by_segment s WHERE s.month = v.month);
SELECT month, responses, promoters, passives, detractors, round(nps::numeric, 2) AS nps,
       round(nps_ci_lower::numeric, 2) AS lo, round(nps_ci_upper::numeric, 2) AS hi
FROM "KPI ""Views""".nps_by_month ORDER BY month LIMIT 3;
