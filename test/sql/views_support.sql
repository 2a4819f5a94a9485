-- The support, renewal, trial and time-to-value views against plain SQL on the source rows.

-- Not echoed: the registered CRM of test/fixtures/crm_views.sql with its KPI views in the
-- schema "KPI Views"; search_path csmetrics, public; time zone UTC; ISO dates.
\set ECHO none
\i test/fixtures/crm_views.sql
\set ECHO all

-- Support, renewals, trials against direct SQL.
SELECT count(*) AS months,
       count(*) FILTER (WHERE v.tickets_resolved <> d.n OR abs(v.fcr - d.fcr) > 1e-12 OR abs(v.median_resolution_hours - d.med) > 1e-9) AS mismatches
FROM "KPI ""Views""".support_by_month v
JOIN (SELECT date_trunc('month', resolved_at)::date AS month, count(*) AS n, avg((contacts <= 1)::int) AS fcr,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - opened_at) / 3600) AS med
      FROM "CRM Data".tickets WHERE resolved_at >= opened_at AND customer_id::text IN (SELECT id FROM t_customers) GROUP BY 1) d USING (month);
SELECT count(*) AS months,
       count(*) FILTER (WHERE v.renewals_due <> d.due OR abs(v.renewal_rate - d.rate) > 1e-12 OR v.amount_renewed <> d.amt) AS mismatches
FROM "KPI ""Views""".renewals_by_month v
JOIN (SELECT date_trunc('month', due_at)::date AS month, count(*) AS due, avg(renewed::int) AS rate,
             sum(amount) FILTER (WHERE renewed) AS amt FROM "CRM Data".renewals GROUP BY 1) d USING (month);
SELECT count(*) AS months,
       count(*) FILTER (WHERE v.trials_started <> d.n OR abs(v.conversion_rate - d.rate) > 1e-12) AS mismatches
FROM "KPI ""Views""".trials_by_month v
JOIN (SELECT date_trunc('month', started_at)::date AS month, count(*) AS n, avg((converted_at IS NOT NULL)::int) AS rate
      FROM "CRM Data".trials WHERE customer_id IS NULL OR customer_id::text IN (SELECT id FROM t_customers) GROUP BY 1) d USING (month);
SELECT month, tickets_opened, tickets_resolved, first_contact_resolutions, round(fcr::numeric, 4) AS fcr,
       round(median_resolution_hours::numeric, 2) AS median_hours
FROM "KPI ""Views""".support_by_month ORDER BY month LIMIT 2;

-- Time to first value: days from a customer's first subscription to its first usage event.
WITH f AS (SELECT customer_id, min(started_at) AS started_at FROM t_subs GROUP BY 1),
     d AS (SELECT date_trunc('month', f.started_at)::date AS month, count(*) AS started,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM v.first - f.started_at) / 86400) AS med
           FROM f LEFT JOIN LATERAL (SELECT min(u.occurred_at) AS first FROM "CRM Data".usage_events u
                                     WHERE u.customer_id::text = f.customer_id AND u.occurred_at >= f.started_at) v ON true
           GROUP BY 1)
SELECT count(*) AS months, count(*) FILTER (WHERE v.customers_started <> d.started OR abs(v.median_days_to_first_value - d.med) > 1e-9) AS mismatches
FROM "KPI ""Views""".time_to_value_by_month v FULL JOIN d USING (month);
