-- The KPI report: the last 12 months, read from the views as a BI tool would.
-- Each section is an "== Title (the view it reads) ==" line and one query. A feature with a
-- report of its own adds a file test/demo/NN_<feature>.sql (files run in name order, after
-- the views exist); the closing lines with connection details are printed by test/demo.sh.
\pset footer off
\pset null '-'

\echo
\echo '== Headline (kpi.kpi_overview) =='
SELECT as_of, round(nps::numeric, 1) AS nps, round(csat::numeric, 3) AS csat, round(ces::numeric, 2) AS ces,
       customers, round(churn_rate::numeric, 4) AS churn, mrr, round(nrr::numeric, 3) AS nrr,
       round(arpa, 2) AS arpa, round(ltv, 0) AS ltv, round(average_health_score::numeric, 1) AS health,
       open_actions, open_actions_priority_1 AS urgent_actions
FROM kpi.kpi_overview;

\echo
\echo '== Surveys: NPS with its 95% confidence interval, CSAT (top-two-box), CES (mean, 1..7) =='
SELECT n.month, n.responses, round(n.nps::numeric, 1) AS nps,
       '[' || round(n.nps_ci_lower::numeric, 1) || ', ' || round(n.nps_ci_upper::numeric, 1) || ']' AS nps_95_ci,
       round(c.csat::numeric, 3) AS csat, round(e.ces::numeric, 2) AS ces
FROM kpi.nps_by_month n
LEFT JOIN kpi.csat_by_month c USING (month) LEFT JOIN kpi.ces_by_month e USING (month)
WHERE n.month > date '2026-10-01' - interval '12 months'
ORDER BY n.month;

\echo
\echo '== Customers: churn and retention =='
SELECT month, customers_start AS start, new_customers AS new, lost_customers AS lost,
       lost_new_customers AS lost_new, customers_end AS "end",
       round(churn_rate::numeric, 4) AS churn, round(retention_rate::numeric, 4) AS retention
FROM kpi.customer_flow_by_month
WHERE month > date '2026-10-01' - interval '12 months'
ORDER BY month;

\echo
\echo '== Revenue: MRR and its movements =='
SELECT month, mrr, new_mrr AS new, expansion_mrr AS expansion, contraction_mrr AS contraction,
       churned_mrr AS churned, reactivation_mrr AS reactivation, net_new_mrr AS net_new,
       round(nrr::numeric, 3) AS nrr, round(grr::numeric, 3) AS grr, round(quick_ratio::numeric, 2) AS quick_ratio
FROM kpi.mrr_by_month
WHERE month > date '2026-10-01' - interval '12 months'
ORDER BY month;

\echo
\echo '== Cohorts: share of each monthly cohort still paying (logo retention) and its revenue retention after 12 months =='
SELECT cohort, max(customers) AS customers, max(starting_mrr) AS starting_mrr,
       round(max(logo_retention) FILTER (WHERE periods_since_start = 1)::numeric, 3) AS month_1,
       round(max(logo_retention) FILTER (WHERE periods_since_start = 3)::numeric, 3) AS month_3,
       round(max(logo_retention) FILTER (WHERE periods_since_start = 6)::numeric, 3) AS month_6,
       round(max(logo_retention) FILTER (WHERE periods_since_start = 12)::numeric, 3) AS month_12,
       round(max(revenue_retention) FILTER (WHERE periods_since_start = 12)::numeric, 3) AS nrr_12,
       round(max(gross_revenue_retention) FILTER (WHERE periods_since_start = 12)::numeric, 3) AS grr_12
FROM kpi.cohort_retention_by_month
WHERE cohort > date '2025-10-01' - interval '12 months' AND cohort <= date '2025-10-01'
GROUP BY cohort
ORDER BY cohort;

\echo
\echo '== Churn by reason, last 12 months (top reason of the latest month from kpi.kpi_overview) =='
SELECT churn_reason, sum(lost_customers) AS lost_customers, sum(churned_mrr) AS churned_mrr,
       round(sum(lost_customers) / sum(sum(lost_customers)) OVER (), 3) AS share_of_lost,
       round(sum(churned_mrr) / sum(sum(churned_mrr)) OVER (), 3) AS share_of_churned_mrr
FROM kpi.churn_by_reason_by_month
WHERE month > date '2026-10-01' - interval '12 months'
GROUP BY churn_reason
ORDER BY sum(lost_customers) DESC, churn_reason;
SELECT as_of, top_churn_reason FROM kpi.kpi_overview;

\echo
\echo '== Onboarding: activation of the accounts that started in each month (model: csmetrics.onboarding_milestones) =='
SELECT month, customers_started AS started, customers_activated AS activated, round(activation_rate::numeric, 3) AS activation_rate,
       round(median_days_to_activation::numeric, 1) AS median_days_to_activation,
       round(mean_onboarding_score::numeric, 1) AS mean_onboarding_score
FROM kpi.onboarding_by_month
WHERE month > date '2026-10-01' - interval '12 months'
ORDER BY month;
SELECT count(*) AS started_since_may, count(*) FILTER (WHERE activated) AS activated,
       count(*) FILTER (WHERE stalled) AS stalled, round(avg(onboarding_score)::numeric, 1) AS mean_score
FROM kpi.customer_onboarding
WHERE started_at >= date '2026-05-01';

\echo
\echo '== Lifetime value by segment (ARPA / churn, and Kaplan-Meier) =='
SELECT segment, paying_customers AS paying, round(arpa, 2) AS arpa, round(churn_rate::numeric, 4) AS monthly_churn,
       round(ltv, 0) AS ltv, round(expected_lifetime::numeric, 1) AS km_lifetime_months, round(ltv_km, 0) AS ltv_km,
       round(crc, 2) AS crc, round(ltv_to_crc::numeric, 1) AS ltv_to_crc, round(ltv_to_cac::numeric, 1) AS ltv_to_cac
FROM kpi.ltv
ORDER BY segment = '(all)', segment;

\echo
\echo '== Customer health, latest month (model: csmetrics.health_measures) =='
SELECT coalesce(segment, '(all)') AS segment, count(*) AS customers, round(avg(health_score)::numeric, 1) AS avg_score,
       count(*) FILTER (WHERE health_band = 'red') AS red, count(*) FILTER (WHERE health_band = 'yellow') AS yellow,
       count(*) FILTER (WHERE health_band = 'green') AS green,
       count(*) FILTER (WHERE relative_band = 'unhealthy') AS bottom_quartile,
       round(avg(health_trend)::numeric, 1) AS avg_trend,
       round(avg(health_points)::numeric, 1) AS avg_points, count(*) FILTER (WHERE points_band = 'thriving') AS power_users
FROM kpi.customer_health
GROUP BY ROLLUP (segment)
ORDER BY segment IS NULL, segment;

\echo
\echo '== Customer actions: the open work list (kpi.customer_actions; rules: csmetrics.action_rules) =='
SET timezone = 'UTC';
SELECT priority, action, count(*) AS open_actions, min(due_at)::date AS first_due, max(due_at)::date AS last_due
FROM kpi.customer_actions
GROUP BY priority, action
ORDER BY priority, action;
\echo 'The most urgent ones:'
SELECT customer_id, name, segment, action, reason, due_at
FROM kpi.customer_actions
ORDER BY priority, due_at, customer_id::int, action
LIMIT 8;

\echo
\echo '== What the health score is made of, latest month (kpi.customer_health_measures) =='
SELECT measure, max(weight) AS weight, max(impact) AS impact, round(avg(raw_value)::numeric, 1) AS avg_raw_value,
       round(avg(health)::numeric, 1) AS avg_health, round(avg(points)::numeric, 1) AS avg_points
FROM kpi.customer_health_measures
GROUP BY measure
ORDER BY max(impact) IS NOT NULL, max(weight) DESC, measure;

\echo
\echo '== Does the health score predict churn? (kpi.health_score_validation: stopped paying within 3 months) =='
SELECT period, customers, churned, round(churn_rate::numeric, 3) AS churn_rate, round(auc::numeric, 3) AS auc
FROM kpi.health_score_validation WHERE level = 'overall'
ORDER BY period;
\echo 'By health band and score decile, over those 12 months (lift: churn rate / the overall rate):'
WITH overall AS (SELECT sum(churned)::numeric / sum(customers) AS rate FROM kpi.health_score_validation WHERE level = 'overall')
SELECT level, band, sum(band_customers) AS customers, sum(band_churned) AS churned,
       round(sum(band_churned)::numeric / sum(band_customers), 3) AS churn_rate,
       round(sum(band_churned)::numeric / sum(band_customers) / o.rate, 2) AS lift
FROM kpi.health_score_validation CROSS JOIN overall AS o
WHERE level IN ('band', 'decile')
GROUP BY level, band, o.rate
ORDER BY level, min(band_min_score);

\echo
\echo '== Support, renewals, trials, time to first value (last 6 months) =='
SELECT s.month, s.tickets_opened AS tickets, round(s.fcr::numeric, 3) AS fcr,
       round(s.median_resolution_hours::numeric, 1) AS median_hours_to_resolve,
       r.renewals_due, round(r.renewal_rate::numeric, 3) AS renewal_rate, round(r.renewal_rate_value::numeric, 3) AS renewal_rate_value,
       t.trials_started AS trials, round(t.conversion_rate::numeric, 3) AS trial_conversion,
       round(v.median_days_to_first_value::numeric, 1) AS days_to_first_value
FROM kpi.support_by_month s
LEFT JOIN kpi.renewals_by_month r USING (month) LEFT JOIN kpi.trials_by_month t USING (month)
LEFT JOIN kpi.time_to_value_by_month v USING (month)
WHERE s.month > date '2026-10-01' - interval '6 months'
ORDER BY s.month;

\echo
\echo '== Rows left out of the KPIs (kpi.data_issues) =='
SELECT source, customer_id, problem, source_row FROM kpi.data_issues ORDER BY source, problem, customer_id;
