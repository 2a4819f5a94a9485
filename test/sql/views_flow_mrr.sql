-- The customer flow, MRR and LTV views against the aggregates of csmetrics called directly on
-- spans and monthly MRR computed here by hand.

-- Not echoed: the registered CRM of test/fixtures/crm_views.sql with its KPI views in the
-- schema "KPI Views"; search_path csmetrics, public; time zone UTC; ISO dates.
\set ECHO none
\i test/fixtures/crm_views.sql
\set ECHO all

-- Customer flow: spans merged here (overlapping or touching subscriptions become one span:
-- a subscription starts a new span when it starts after every earlier one of its customer
-- has ended), then the customer_flow aggregate per month.
CREATE TEMP TABLE t_spans AS
WITH reach AS (
    SELECT customer_id, started_at, ended_at,
           max(coalesce(ended_at, 'infinity')) OVER (PARTITION BY customer_id ORDER BY started_at, ended_at
                                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached
    FROM t_subs WHERE ended_at IS NULL OR ended_at > started_at
), islands AS (
    SELECT *, count(*) FILTER (WHERE reached IS NULL OR started_at > reached)
                  OVER (PARTITION BY customer_id ORDER BY started_at, ended_at ROWS UNBOUNDED PRECEDING) AS span
    FROM reach
)
SELECT customer_id, min(started_at) AS started_at, nullif(max(coalesce(ended_at, 'infinity')), 'infinity') AS ended_at
FROM islands GROUP BY customer_id, span;
-- What merging is about: plan changes (a subscription starting as another ends), and
-- customers who come back after a gap (more than one span).
SELECT count(*) AS subscriptions, (SELECT count(*) FROM t_spans) AS spans,
       (SELECT count(*) FROM t_subs a JOIN t_subs b USING (customer_id) WHERE b.started_at = a.ended_at) AS plan_changes,
       (SELECT count(*) - count(DISTINCT customer_id) FROM t_spans) AS comebacks
FROM t_subs;
WITH months AS (SELECT m::timestamptz AS ps, (m + interval '1 month')::timestamptz AS pe
                FROM generate_series(timestamptz '2024-01-01', timestamptz '2027-01-01', interval '1 month') m),
     d AS (SELECT m.ps::date AS month, customer_flow(s.started_at, s.ended_at, m.ps, m.pe) AS f FROM months m CROSS JOIN t_spans s GROUP BY m.ps, m.pe)
SELECT count(*) AS months,
       count(*) FILTER (WHERE (v.customers_start, v.new_customers, v.lost_customers, v.lost_new_customers, v.customers_end)
                              IS DISTINCT FROM ((d.f).customers_start, (d.f).new_customers, (d.f).lost_customers, (d.f).lost_new_customers, (d.f).customers_end)
                          OR v.churn_rate IS DISTINCT FROM churn_rate(d.f) OR v.retention_rate IS DISTINCT FROM retention_rate(d.f)) AS mismatches
FROM "KPI ""Views""".customer_flow_by_month v JOIN d USING (month);
SELECT month, customers_start, new_customers, lost_customers, lost_new_customers, customers_end,
       round(churn_rate::numeric, 4) AS churn_rate, round(retention_rate::numeric, 4) AS retention_rate
FROM "KPI ""Views""".customer_flow_by_month WHERE month IN ('2024-06-01', '2025-06-01') ORDER BY month;
SELECT count(*) AS mismatches FROM "KPI ""Views""".customer_flow_by_month v
WHERE v.customers_end <> (SELECT sum(s.customers_end) FROM "KPI ""Views""".customer_flow_by_month_by_segment s WHERE s.month = v.month);

-- MRR: subscriptions in force at each month's end, per customer; movements from the
-- scalar classifier and the aggregate, on a gap-free series built here with lag().
CREATE TEMP TABLE t_cmrr AS
WITH months AS (SELECT m::date AS month FROM generate_series(date '2024-01-01', date '2026-12-01', interval '1 month') m),
     c AS (SELECT customer_id, min(started_at) AS first FROM t_subs GROUP BY 1)
SELECT c.customer_id, m.month,
       coalesce((SELECT sum(s.mrr) FROM t_subs s WHERE s.customer_id = c.customer_id AND s.started_at < m.month + interval '1 month'
                 AND (s.ended_at IS NULL OR s.ended_at >= m.month + interval '1 month')), 0) AS mrr
FROM c JOIN months m ON m.month >= date_trunc('month', c.first);
CREATE TEMP TABLE t_moves AS
SELECT customer_id, month, mrr, coalesce(lag(mrr) OVER w, 0) AS prev,
       coalesce(bool_or(mrr > 0) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS seen
FROM t_cmrr WINDOW w AS (PARTITION BY customer_id ORDER BY month);
SELECT count(*) AS rows, count(*) FILTER (WHERE v.mrr IS DISTINCT FROM d.mrr OR v.previous_mrr IS DISTINCT FROM d.prev
                                          OR v.movement IS DISTINCT FROM mrr_movement(d.prev, d.mrr, d.seen)) AS mismatches
FROM "KPI ""Views""".customer_mrr_movements v
FULL JOIN (SELECT * FROM t_moves WHERE mrr_movement(prev, mrr, seen) IS NOT NULL
           AND month <= (SELECT max(month) FROM "KPI ""Views""".mrr_by_month)) d USING (customer_id, month);
WITH d AS (SELECT month, mrr_movements(prev, mrr, seen) AS m FROM t_moves GROUP BY month)
SELECT count(*) AS months,
       count(*) FILTER (WHERE v.mrr IS DISTINCT FROM (d.m).ending_mrr OR v.new_mrr IS DISTINCT FROM (d.m).new_mrr
                          OR v.expansion_mrr IS DISTINCT FROM (d.m).expansion_mrr OR v.churned_mrr IS DISTINCT FROM (d.m).churned_mrr
                          OR v.contraction_mrr IS DISTINCT FROM (d.m).contraction_mrr
                          OR v.reactivation_mrr IS DISTINCT FROM (d.m).reactivation_mrr
                          OR v.nrr IS DISTINCT FROM nrr(d.m) OR v.grr IS DISTINCT FROM grr(d.m)
                          OR v.arpa IS DISTINCT FROM round(arpa(d.m), 2)) AS mismatches
FROM "KPI ""Views""".mrr_by_month v JOIN d USING (month);
SELECT month, mrr, starting_mrr, new_mrr, expansion_mrr, contraction_mrr, churned_mrr, reactivation_mrr, net_new_mrr,
       round(nrr::numeric, 4) AS nrr, round(grr::numeric, 4) AS grr, paying_customers, round(arpa, 2) AS arpa
FROM "KPI ""Views""".mrr_by_month WHERE month IN ('2024-06-01', '2025-06-01') ORDER BY month;
-- Identity: ending - starting = new + reactivation + expansion - contraction - churn, every month.
SELECT count(*) FILTER (WHERE mrr - starting_mrr <> net_new_mrr) AS identity_broken FROM "KPI ""Views""".mrr_by_month;
SELECT count(*) AS mismatches FROM "KPI ""Views""".mrr_by_month v
WHERE v.mrr <> (SELECT sum(s.mrr) FROM "KPI ""Views""".mrr_by_month_by_segment s WHERE s.month = v.month);

-- LTV for all customers: ARPA at the last month, mean monthly churn of the last 12 months,
-- Kaplan-Meier over the spans. Money is shown to the cent, computed from the exact ARPA.
WITH last AS (SELECT max(month) AS month FROM "KPI ""Views""".mrr_by_month),
     arpa AS (SELECT v.mrr / v.paying_customers AS arpa FROM "KPI ""Views""".mrr_by_month v JOIN last USING (month)),
     churn AS (SELECT avg(v.churn_rate) AS churn FROM "KPI ""Views""".customer_flow_by_month v, last
               WHERE v.month > last.month - interval '12 months' AND v.month <= last.month),
     -- a span still active at the data end (the end of the last month) is censored there
     km AS (SELECT expected_lifetime(survival_summary(t.tenure, t.churned)) AS life,
                   ltv((SELECT arpa FROM arpa), t.tenure, t.churned) AS ltv_km
            FROM (SELECT ((extract(year FROM age(CASE WHEN churned THEN ended_at ELSE data_end END, started_at)) * 12
                          + extract(month FROM age(CASE WHEN churned THEN ended_at ELSE data_end END, started_at))))::int AS tenure,
                         churned
                  FROM (SELECT s.*, e.data_end, coalesce(s.ended_at < e.data_end, false) AS churned
                        FROM t_spans s, (SELECT month + interval '1 month' AS data_end FROM last) e
                        WHERE s.started_at < e.data_end) u) t)
SELECT v.arpa = round(a.arpa, 2) AS arpa_ok, abs(v.churn_rate - c.churn) < 1e-12 AS churn_ok, v.ltv = round(ltv(a.arpa, c.churn), 2) AS ltv_ok,
       abs(v.expected_lifetime - k.life) < 1e-9 AS lifetime_ok, v.ltv_km = round(k.ltv_km, 2) AS ltv_km_ok
FROM "KPI ""Views""".ltv v, arpa a, churn c, km k WHERE v.segment = '(all)';
-- Costs: CRC = success costs of the last 12 months / 12 / customers at the end; CAC =
-- acquisition costs / new customers over the same 12 months.
WITH last AS (SELECT max(month) AS month FROM "KPI ""Views""".customer_flow_by_month),
     f AS (SELECT sum(new_customers) AS new, max(customers_end) FILTER (WHERE month = (SELECT month FROM last)) AS customers
           FROM "KPI ""Views""".customer_flow_by_month WHERE month > (SELECT month FROM last) - interval '12 months'),
     c AS (SELECT sum(amount) FILTER (WHERE kind = 'success') AS success, sum(amount) FILTER (WHERE kind = 'acquisition') AS acquisition
           FROM "CRM Data".costs WHERE incurred_at > (SELECT month FROM last) - interval '12 months'
                                      AND incurred_at < (SELECT month FROM last) + interval '1 month')
SELECT v.crc = round(c.success / 12 / f.customers, 2) AS crc_ok, v.cac IS NOT DISTINCT FROM round(c.acquisition / nullif(f.new, 0), 2) AS cac_ok,
       f.new AS new_customers, abs(v.ltv_to_crc - (a.arpa / (c.success / 12 / f.customers))::float8) < 1e-12 AS ltv_to_crc_ok
FROM "KPI ""Views""".ltv v, f, c,
     (SELECT v.mrr / v.paying_customers AS arpa FROM "KPI ""Views""".mrr_by_month v ORDER BY v.month DESC LIMIT 1) a
WHERE v.segment = '(all)';
-- On a single server the view reads the subscriptions once with kpi_subscription_lifetimes();
-- under Citus it computes the same in SQL from the spans. That query, made here for this
-- server, gives the same rows, to the last bit.
SELECT kpi_view_ltv(kpi_context('KPI "Views"', 'KPI "Views"_internal', 'month', 'UTC', ARRAY(SELECT kind FROM sources ORDER BY kind),
                                (SELECT columns ? 'segment' FROM sources WHERE kind = 'customers'), false)
                    || jsonb_build_object('distributed', true, 'row_cte', 'NOT MATERIALIZED ',
                                          'spans', '"KPI ""Views""_internal".spans')) AS citus_ltv \gset
CREATE TEMP VIEW citus_ltv AS :citus_ltv;
SELECT count(*) AS segments, count(*) FILTER (WHERE v IS DISTINCT FROM c) AS differing
FROM "KPI ""Views""".ltv v FULL JOIN citus_ltv c USING (segment);
SELECT segment, paying_customers, round(arpa, 2) AS arpa, round(churn_rate::numeric, 4) AS churn_rate, round(ltv, 0) AS ltv,
       round(expected_lifetime::numeric, 2) AS expected_lifetime, round(ltv_km, 0) AS ltv_km, round(crc, 2) AS crc, round(cac, 2) AS cac
FROM "KPI ""Views""".ltv ORDER BY segment;
