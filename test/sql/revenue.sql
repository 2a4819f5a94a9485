-- Revenue KPIs (docs/revenue.md): the movement table, the window functions against lag() SQL, the
-- mrr_movements aggregate against plain SQL sums, NRR/GRR/quick ratio, cohorts, rollup, LTV.
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA revenue_suite;
SET search_path = revenue_suite, csmetrics, public;

-- The movement table of docs/revenue.md, row by row.
SELECT prev, curr, seen_before, mrr_movement(prev, curr, seen_before) AS movement
FROM (VALUES (0::numeric, 49.90::numeric, false), (0, 49.90, true), (49.90, 99.90, true),
             (99.90, 49.90, true), (49.90, 0, true), (49.90, 49.900, true), (0, 0, false),
             (0, 0, true), (49.90, 99.90, false), (0.00000001, 0, false)) v(prev, curr, seen_before);
SELECT mrr_movement(NULL, 10, true) IS NULL AS null_in_null_out;

-- A small worked example: one customer's months and what each movement contributes.
CREATE TABLE example_mrr (customer int, month date, mrr numeric);
INSERT INTO example_mrr VALUES
    (1, '2024-01-01', 100), (1, '2024-02-01', 150), (1, '2024-03-01', 120), (1, '2024-04-01', 0),
    (1, '2024-05-01', 0), (1, '2024-06-01', 130),
    (2, '2024-02-01', 50), (2, '2024-03-01', 50), (2, '2024-04-01', 80), (2, '2024-05-01', NULL),
    (2, '2024-06-01', 80);
SELECT customer, month, mrr, mrr_movement(mrr) OVER w AS movement
FROM example_mrr WINDOW w AS (PARTITION BY customer ORDER BY month)
ORDER BY customer, month;

-- The date overload on the same data without the zero and NULL months: a gap counts as 0.
SELECT customer, month, mrr, mrr_movement(mrr, month) OVER w AS movement
FROM example_mrr WHERE mrr > 0 WINDOW w AS (PARTITION BY customer ORDER BY month)
ORDER BY customer, month;

-- Monthly movements of the example; ending - starting = net new MRR.
SELECT month, (m).*, net_new_mrr(m), nrr(m), grr(m), quick_ratio(m), arpa(m)
FROM (SELECT month, mrr_movements(prev, curr, seen) AS m
      FROM (SELECT month, coalesce(mrr, 0) AS curr,
                   coalesce(lag(mrr) OVER w, 0) AS prev,
                   coalesce(bool_or(mrr > 0) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS seen
            FROM example_mrr WINDOW w AS (PARTITION BY customer ORDER BY month)) x
      GROUP BY month) y
ORDER BY month;

-- Random customer-months with gaps: 1500 customers over 24 months, about a third of the
-- months missing (no row). Each customer has a list price it mostly pays unchanged, with
-- upgrades and downgrades to other amounts (cents), and some explicit zero months.
CREATE TABLE gappy AS
SELECT c AS customer, (date '2022-01-01' + make_interval(months => m))::date AS month,
       CASE WHEN regress.rand(1, k) < 0.08 THEN 0
            WHEN regress.rand(2, k) < 0.6 THEN (19.90 + (c % 7) * 10)::numeric
            ELSE round((19.90 + (c % 7) * 10)::numeric * (0.5 + regress.rand(3, k)::numeric), 2) END AS mrr,
       (c % 3) AS segment
FROM generate_series(1, 1500) c, generate_series(0, 23) m, LATERAL (SELECT c * 100 + m AS k) n
WHERE regress.rand(4, k) < 0.65;
SELECT count(*) >= 10000 AS enough_rows, count(DISTINCT customer) AS customers FROM gappy;

-- The gap-free series: every customer from its first month to the last month, missing
-- months coalesced to MRR 0.
CREATE TABLE series AS
SELECT f.customer, f.segment, g.month::date AS month, coalesce(t.mrr, 0) AS mrr
FROM (SELECT customer, min(month) AS first_month, min(segment) AS segment FROM gappy GROUP BY customer) f
CROSS JOIN LATERAL generate_series(f.first_month, date '2023-12-01', interval '1 month') g(month)
LEFT JOIN gappy t ON t.customer = f.customer AND t.month = g.month;

-- The classification in plain SQL with lag() and a running bool_or().
CREATE TABLE classified AS
SELECT customer, segment, month, mrr AS curr, prev, seen,
       CASE WHEN prev = 0 AND mrr > 0 AND NOT seen THEN 'new'
            WHEN prev = 0 AND mrr > 0 THEN 'reactivation'
            WHEN prev > 0 AND mrr > prev THEN 'expansion'
            WHEN prev > 0 AND mrr > 0 AND mrr < prev THEN 'contraction'
            WHEN prev > 0 AND mrr = 0 THEN 'churn'
            WHEN prev > 0 AND mrr = prev THEN 'unchanged' END AS sql_movement,
       movement, movement_by_date
FROM (SELECT s.*, coalesce(lag(mrr) OVER w, 0) AS prev,
             coalesce(bool_or(mrr > 0) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS seen,
             mrr_movement(mrr) OVER w AS movement,
             mrr_movement(mrr, month) OVER w AS movement_by_date
      FROM series s WINDOW w AS (PARTITION BY customer ORDER BY month)) x;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE movement IS DISTINCT FROM sql_movement) AS mismatches,
       count(*) FILTER (WHERE movement_by_date IS DISTINCT FROM sql_movement) AS date_mismatches,
       count(*) FILTER (WHERE mrr_movement(prev, curr, seen) IS DISTINCT FROM sql_movement) AS scalar_mismatches
FROM classified;
SELECT sql_movement, count(*) FROM classified GROUP BY 1 ORDER BY 1;
SELECT customer, month, prev, curr, seen, movement FROM classified
WHERE customer = (SELECT min(customer) FROM gappy) ORDER BY month LIMIT 12;

-- The date overload directly on the gappy rows equals the gap-free classification on the
-- rows that exist (the churn into a missing month has no row of its own).
SELECT count(*) AS gappy_rows,
       count(*) FILTER (WHERE d.movement IS DISTINCT FROM c.sql_movement) AS mismatches
FROM (SELECT customer, month, mrr_movement(mrr, month) OVER (PARTITION BY customer ORDER BY month) AS movement
      FROM gappy) d
JOIN classified c USING (customer, month);

-- The timestamptz overload: the calendar month in the session time zone.
SET TimeZone = 'America/New_York';
SELECT count(*) AS rows, count(*) FILTER (WHERE a IS DISTINCT FROM b) AS mismatches
FROM (SELECT mrr_movement(mrr, month) OVER w AS a,
             mrr_movement(mrr, month::timestamptz + interval '13 hours') OVER w AS b
      FROM gappy WINDOW w AS (PARTITION BY customer ORDER BY month)) x;
-- 2024-03-01 03:00 UTC is still February in New York: consecutive months, an expansion;
-- in UTC it is March, after a missing February: a reactivation.
SELECT t, mrr_movement(m, t) OVER (ORDER BY t) AS new_york
FROM (VALUES (10::numeric, '2024-01-15 12:00+00'::timestamptz), (20, '2024-03-01 03:00+00')) v(m, t);
SET TimeZone = 'UTC';
SELECT t, mrr_movement(m, t) OVER (ORDER BY t) AS utc
FROM (VALUES (10::numeric, '2024-01-15 12:00+00'::timestamptz), (20, '2024-03-01 03:00+00')) v(m, t);
RESET TimeZone;

-- mrr_movements per month against plain SQL sums and counts of the classification.
CREATE TABLE monthly AS
SELECT month, mrr_movements(prev, curr, seen) AS m FROM classified GROUP BY month;
CREATE TABLE monthly_sql AS
SELECT month,
       sum(prev) AS starting_mrr, sum(curr) AS ending_mrr,
       coalesce(sum(curr) FILTER (WHERE sql_movement = 'new'), 0) AS new_mrr,
       coalesce(sum(curr - prev) FILTER (WHERE sql_movement = 'expansion'), 0) AS expansion_mrr,
       coalesce(sum(prev - curr) FILTER (WHERE sql_movement = 'contraction'), 0) AS contraction_mrr,
       coalesce(sum(prev) FILTER (WHERE sql_movement = 'churn'), 0) AS churned_mrr,
       coalesce(sum(curr) FILTER (WHERE sql_movement = 'reactivation'), 0) AS reactivation_mrr,
       count(*) FILTER (WHERE prev > 0) AS customers_start,
       count(*) FILTER (WHERE curr > 0) AS customers_end,
       count(*) FILTER (WHERE sql_movement = 'new') AS new_customers,
       count(*) FILTER (WHERE sql_movement = 'expansion') AS expansion_customers,
       count(*) FILTER (WHERE sql_movement = 'contraction') AS contraction_customers,
       count(*) FILTER (WHERE sql_movement = 'churn') AS churned_customers,
       count(*) FILTER (WHERE sql_movement = 'reactivation') AS reactivation_customers
FROM classified GROUP BY month;
SELECT count(*) AS months,
       count(*) FILTER (WHERE o.m IS DISTINCT FROM
                        ROW(s.starting_mrr, s.ending_mrr, s.new_mrr, s.expansion_mrr, s.contraction_mrr,
                         s.churned_mrr, s.reactivation_mrr, s.customers_start, s.customers_end,
                         s.new_customers, s.expansion_customers, s.contraction_customers,
                         s.churned_customers, s.reactivation_customers)::mrr_movements) AS mismatches,
       count(*) FILTER (WHERE (o.m).ending_mrr - (o.m).starting_mrr
                        <> (o.m).new_mrr + (o.m).reactivation_mrr + (o.m).expansion_mrr
                           - (o.m).contraction_mrr - (o.m).churned_mrr) AS identity_violations,
       count(*) FILTER (WHERE net_new_mrr(o.m) <> s.ending_mrr - s.starting_mrr) AS net_new_mismatches
FROM monthly o JOIN monthly_sql s USING (month);
SELECT month, (m).* FROM monthly WHERE month IN ('2022-01-01', '2023-06-01', '2023-12-01') ORDER BY month;

-- NRR, GRR and quick ratio against the SQL formulas.
SELECT count(*) FILTER (WHERE abs(nrr(o.m) - ((s.starting_mrr - s.churned_mrr - s.contraction_mrr + s.expansion_mrr)
                                              / nullif(s.starting_mrr, 0))::float8) > 1e-12) AS nrr_mismatches,
       count(*) FILTER (WHERE abs(grr(o.m) - ((s.starting_mrr - s.churned_mrr - s.contraction_mrr)
                                              / nullif(s.starting_mrr, 0))::float8) > 1e-12) AS grr_mismatches,
       count(*) FILTER (WHERE abs(quick_ratio(o.m) - ((s.new_mrr + s.expansion_mrr + s.reactivation_mrr)
                                              / nullif(s.contraction_mrr + s.churned_mrr, 0))::float8) > 1e-12) AS quick_ratio_mismatches,
       count(*) FILTER (WHERE nrr(o.m) IS NULL) AS months_without_start,
       count(*) FILTER (WHERE arpa(o.m) <> s.ending_mrr / s.customers_end) AS arpa_mismatches,
       count(*) FILTER (WHERE negative_churn(o.m)
                              IS DISTINCT FROM (s.expansion_mrr > s.churned_mrr + s.contraction_mrr))
           AS negative_churn_mismatches,
       count(*) FILTER (WHERE negative_churn(o.m)) AS months_with_negative_churn,
       count(*) FILTER (WHERE NOT negative_churn(o.m)) AS months_without
FROM monthly o JOIN monthly_sql s USING (month);
-- negative churn on the boundary: expansion 100 against churn 60 + contraction 40 is not
-- negative churn; one cent more expansion is
SELECT negative_churn(mrr_movements(prev, curr, true)) AS exactly_offset
FROM (VALUES (100, 200), (60, 0), (100, 60)) t(prev, curr);
SELECT negative_churn(mrr_movements(prev, curr, true)) AS one_cent_more
FROM (VALUES (100, 200.01), (60, 0), (100, 60)) t(prev, curr);
SELECT month, round(nrr(m)::numeric, 6) AS nrr, round(grr(m)::numeric, 6) AS grr,
       round(quick_ratio(m)::numeric, 6) AS quick_ratio, net_new_mrr(m), round(arpa(m), 4) AS arpa
FROM monthly WHERE month IN ('2022-01-01', '2022-02-01', '2023-12-01') ORDER BY month;

-- Cohort NRR and GRR over a 12-month horizon, per segment, against SQL.
CREATE TABLE cohort AS
SELECT a.customer, a.segment, a.mrr AS start_mrr, coalesce(b.mrr, 0) AS end_mrr
FROM series a LEFT JOIN series b ON b.customer = a.customer AND b.month = date '2023-06-01'
WHERE a.month = date '2022-06-01';
SELECT segment, round(nrr(start_mrr, end_mrr)::numeric, 9) AS nrr,
       round(grr(start_mrr, end_mrr)::numeric, 9) AS grr,
       abs(nrr(start_mrr, end_mrr) - (sum(end_mrr) FILTER (WHERE start_mrr > 0)
                                      / sum(start_mrr))::float8) < 1e-12 AS nrr_ok,
       abs(grr(start_mrr, end_mrr) - (sum(least(end_mrr, start_mrr)) FILTER (WHERE start_mrr > 0)
                                      / sum(start_mrr))::float8) < 1e-12 AS grr_ok,
       count(*) FILTER (WHERE start_mrr = 0) AS ignored_rows
FROM cohort GROUP BY ROLLUP (segment) ORDER BY segment;
SELECT nrr(s, e), grr(s, e) FROM (VALUES (100::numeric, 120::numeric), (100, 50), (0, 70), (NULL, 5)) v(s, e);
SELECT nrr(s, e) IS NULL AS nrr_null, grr(s, e) IS NULL AS grr_null
FROM (VALUES (0::numeric, 10::numeric)) v(s, e);

-- rollup of per-segment movements equals the movements of all segments.
SELECT count(*) AS months,
       count(*) FILTER (WHERE r.m IS DISTINCT FROM w.m) AS mismatches,
       count(*) FILTER (WHERE r.m::text <> w.m::text) AS text_mismatches
FROM (SELECT month, rollup(m) AS m
      FROM (SELECT month, segment, mrr_movements(prev, curr, seen) AS m
            FROM classified GROUP BY month, segment) s
      GROUP BY month) r
JOIN monthly w USING (month);
-- rollup over months: the whole period's movements are the sum of its months.
SELECT (rollup(m)).*, (SELECT sum(curr) - sum(prev) FROM classified) AS sql_net_new,
       net_new_mrr(rollup(m)) AS net_new
FROM monthly;

-- Empty input, NULL inputs and rows without movement.
SELECT mrr_movements(p, c, s) IS NULL AS empty_is_null
FROM (VALUES (1::numeric, 1::numeric, true)) v(p, c, s) WHERE false;
SELECT mrr_movements(p, c, s) IS NULL AS all_null_rows_is_null
FROM (VALUES (NULL::numeric, 1::numeric, true), (1, NULL, true), (1, 1, NULL)) v(p, c, s);
SELECT (mrr_movements(p, c, s)).* FROM (VALUES (0::numeric, 0::numeric, true)) v(p, c, s);

-- Exact sums at mixed scales: 0.1 + 0.2 with a later 8-digit amount, and large amounts.
SELECT (m).starting_mrr, (m).ending_mrr, (m).expansion_mrr
FROM (SELECT mrr_movements(p, c, true) AS m
      FROM (VALUES (0.1::numeric, 0.2::numeric), (0.2, 0.3), (1, 1.00000001)) v(p, c)) x;
SELECT (mrr_movements(p, c, false)).ending_mrr = 3 * 12345678901234567890123456.78 AS big_exact
FROM (VALUES (0::numeric, 12345678901234567890123456.78::numeric)) v(p, c), generate_series(1, 3);

-- LTV and CLV.
SELECT ltv(100, 0.05) AS ltv, ltv(100, 0.05, 0.8) AS ltv_margin, ltv(100, 0) AS no_churn,
       ltv(64.76, 0.0692) AS telco_like, ltv(0, 0.1) AS zero_arpa, ltv(100, 1, 0) AS zero_margin;
SELECT ltv(arpa, churn) = arpa / churn::numeric AS ltv_formula,
       ltv(arpa, churn, margin) = arpa * margin::numeric / churn::numeric AS ltv_margin_formula
FROM (VALUES (123.45::numeric, 0.037::float8, 0.72::float8)) v(arpa, churn, margin);
SELECT clv(50, 2.5, 36) AS clv, clv(19.99, 0.5, 0) AS zero_lifespan,
       clv(19.99, 1.5, 4.25) = 19.99 * 1.5 * 4.25 AS clv_formula;
