-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA survival_telco_suite;
SET search_path = survival_telco_suite, csmetrics, public;

-- The IBM Telco customer-churn data (test/data/README.md): 7043 customers, tenure in whole
-- months, Churn Yes/No (No = still a customer: censored), MonthlyCharges.
CREATE TABLE telco (
    customer_id text, gender text, senior_citizen int, partner text, dependents text,
    tenure int, phone_service text, multiple_lines text, internet_service text,
    online_security text, online_backup text, device_protection text, tech_support text,
    streaming_tv text, streaming_movies text, contract text, paperless_billing text,
    payment_method text, monthly_charges numeric, total_charges text, churn text
);
-- psql reads the file (pg_regress runs from the top of the checkout).
\copy telco FROM 'test/data/telco-customer-churn.csv' WITH (FORMAT csv, HEADER true)

-- Published figures: 1869 of 7043 churned (0.2654); month-to-month 1655/3875, one year
-- 166/1473, two year 48/1695; mean MonthlyCharges 64.7617; mean tenure 32.3711.
SELECT count(*) AS customers, count(*) FILTER (WHERE churn = 'Yes') AS churned,
       round(avg((churn = 'Yes')::int), 4) AS churn_share,
       round(avg(monthly_charges), 4) AS mean_monthly_charges,
       round(avg(tenure), 4) AS mean_tenure,
       min(tenure) AS min_tenure, max(tenure) AS max_tenure,
       count(*) FILTER (WHERE total_charges = ' ') AS blank_total_charges
FROM telco;
SELECT contract, count(*) FILTER (WHERE churn = 'Yes') AS churned, count(*) AS customers
FROM telco GROUP BY contract ORDER BY contract;

-- The same counts from the summaries.
CREATE TABLE telco_s AS
SELECT contract, survival_summary(tenure, churn = 'Yes') AS s FROM telco GROUP BY contract;
INSERT INTO telco_s SELECT 'All', survival_summary(tenure, churn = 'Yes') FROM telco;
SELECT contract, churned(s), customers(s), round(churned(s)::numeric / customers(s), 4) AS churn_share
FROM telco_s ORDER BY contract;

-- rollup of the per-contract summaries equals the summary of all customers.
SELECT rollup(s) = (SELECT s FROM telco_s WHERE contract = 'All') AS rollup_equals_whole
FROM telco_s WHERE contract <> 'All';
-- every stored summary reads back from its text form
SELECT count(*) FILTER (WHERE s::text::survival_summary = s) AS round_trips, count(*) AS summaries
FROM telco_s;

-- Independent Kaplan–Meier in plain SQL: per group and month j, d_j = churned with tenure j
-- and n_j = customers with tenure >= j (a reverse running sum), then Ŝ(k) as a running
-- product in a recursive CTE; a month with d_j = 0 contributes the factor 1.
CREATE TABLE km_grid AS
WITH tg AS (SELECT contract AS grp, tenure, churn = 'Yes' AS churned FROM telco
            UNION ALL SELECT 'All', tenure, churn = 'Yes' FROM telco),
grid AS (SELECT g.grp, j FROM (SELECT DISTINCT grp FROM tg) g, generate_series(0, 72) j),
per AS (SELECT grid.grp, grid.j, count(tg.tenure) AS m,
               count(tg.tenure) FILTER (WHERE tg.churned) AS d
        FROM grid LEFT JOIN tg ON tg.grp = grid.grp AND tg.tenure = grid.j
        GROUP BY grid.grp, grid.j)
SELECT grp, j, d, sum(m) OVER (PARTITION BY grp ORDER BY j DESC) AS n FROM per;
CREATE TABLE km_sql AS
WITH RECURSIVE km(grp, j, s) AS (
    SELECT grp, j, CASE WHEN d > 0 THEN 1 - d::float8 / n ELSE 1 END FROM km_grid WHERE j = 0
    UNION ALL
    SELECT g.grp, g.j, km.s * CASE WHEN g.d > 0 THEN 1 - g.d::float8 / g.n ELSE 1 END
    FROM km JOIN km_grid g ON g.grp = km.grp AND g.j = km.j + 1
)
SELECT grp, j, s FROM km;

-- Ŝ(k) for every month 0..80 (beyond 72: the last value), C against SQL.
SELECT t.contract, count(*) AS months,
       count(*) FILTER (WHERE abs(survival_at(t.s, k.k) - km.s) < 1e-12) AS equal
FROM telco_s t CROSS JOIN generate_series(0, 80) k(k)
JOIN km_sql km ON km.grp = t.contract AND km.j = least(k.k, 72)
GROUP BY t.contract ORDER BY t.contract;
-- the curve is the same list
SELECT t.contract, array_length(survival_curve(t.s), 1) AS months,
       (SELECT count(*) FROM unnest(survival_curve(t.s)) WITH ORDINALITY c(v, i)
        JOIN km_sql km ON km.grp = t.contract AND km.j = c.i - 1
        WHERE abs(c.v - km.s) >= 1e-12) AS mismatches
FROM telco_s t ORDER BY t.contract;
-- actual values
SELECT t.contract,
       round(survival_at(s, 1)::numeric, 6) AS s_1, round(survival_at(s, 12)::numeric, 6) AS s_12,
       round(survival_at(s, 24)::numeric, 6) AS s_24, round(survival_at(s, 36)::numeric, 6) AS s_36,
       round(survival_at(s, 72)::numeric, 6) AS s_72
FROM telco_s t ORDER BY t.contract;

-- Median (first k with Ŝ(k) <= 0.5) and restricted mean RMST(τ) = Σ_{k<τ} Ŝ(k), with τ the
-- largest tenure + 1 (73 here) and with τ = 12, 24 and 100 (past the data: last value).
SELECT t.contract, median_lifetime(t.s) AS median,
       (SELECT min(j) FROM km_sql WHERE grp = t.contract AND s <= 0.5 + 1e-12) AS median_sql,
       round(expected_lifetime(t.s)::numeric, 6) AS rmst,
       abs(expected_lifetime(t.s) - (SELECT sum(s) FROM km_sql WHERE grp = t.contract)) < 1e-9 AS rmst_ok,
       round(expected_lifetime(t.s, 12)::numeric, 6) AS rmst_12,
       abs(expected_lifetime(t.s, 12) - (SELECT sum(s) FROM km_sql WHERE grp = t.contract AND j < 12)) < 1e-9 AS rmst_12_ok,
       abs(expected_lifetime(t.s, 24) - (SELECT sum(s) FROM km_sql WHERE grp = t.contract AND j < 24)) < 1e-9 AS rmst_24_ok,
       abs(expected_lifetime(t.s, 100) - (SELECT sum(s) + 27 * min(s) FROM km_sql WHERE grp = t.contract)) < 1e-9 AS rmst_100_ok
FROM telco_s t ORDER BY t.contract;

-- LTV_KM = avg(MonthlyCharges) × RMST, exactly as the SQL expression computes it.
SELECT contract, round(ltv(monthly_charges, tenure, churn = 'Yes'), 2) AS ltv,
       ltv(monthly_charges, tenure, churn = 'Yes')
         = avg(monthly_charges) * expected_lifetime(survival_summary(tenure, churn = 'Yes'))::numeric AS same_as_sql,
       round(ltv(monthly_charges, tenure, churn = 'Yes', 24), 2) AS ltv_24,
       ltv(monthly_charges, tenure, churn = 'Yes', 24)
         = avg(monthly_charges) * expected_lifetime(survival_summary(tenure, churn = 'Yes'), 24)::numeric AS same_as_sql_24
FROM telco GROUP BY ROLLUP (contract) ORDER BY contract;
SELECT round(ltv(monthly_charges, tenure, churn = 'Yes'), 2) AS ltv_all,
       round(avg(monthly_charges) * (SELECT sum(s) FROM km_sql WHERE grp = 'All')::numeric, 2) AS ltv_sql
FROM telco;
