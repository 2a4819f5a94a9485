-- KPI views over registered CRM tables (docs/views.md): registration with hostile names, every
-- view against direct calls of the aggregates, BI-ready types and comments, data_issues,
-- grains, materialized views, grants.
SET search_path = csmetrics, public;
SET timezone = 'UTC';
SET datestyle = 'ISO';

-- A CRM whose names are as unfriendly as real ones: spaces, capitals, quotes and SQL.
CREATE SCHEMA "CRM Data";
CREATE TABLE public.x (keep int);   -- what the hostile names try to drop
CREATE TABLE public.y (keep int);
CREATE TABLE "CRM Data"."Customers" ("Customer ID" int, "Segment ""Tier""" text, "Name" text);
CREATE TABLE "CRM Data"."Sub""scriptions; DROP TABLE x; --" ("Customer ID" int, "Start Date" date, "End; Date" date, "MRR $" numeric);
CREATE TABLE "CRM Data"."survey answers" ("Customer ID" int, "When" timestamptz, "x""; DROP TABLE y; --" int, "Survey" text);
CREATE TABLE "CRM Data".tickets (customer_id int, opened_at timestamptz, resolved_at timestamptz, contacts int);
CREATE TABLE "CRM Data".invoices (customer_id int, due_at date, paid_at date, amount numeric);
CREATE TABLE "CRM Data".usage_events (customer_id int, occurred_at timestamptz, quantity int);
CREATE TABLE "CRM Data".renewals (customer_id int, due_at date, renewed boolean, amount numeric);
CREATE TABLE "CRM Data".trials (customer_id int, started_at date, converted_at date);
CREATE TABLE "CRM Data".costs (incurred_at date, amount numeric, kind text);

SELECT setseed(0.42);
INSERT INTO "CRM Data"."Customers"
SELECT i, (ARRAY['Small', 'Mid', 'Big "Co"'])[1 + i % 3], 'Customer ' || i FROM generate_series(1, 400) i;
-- Subscriptions 2024-01 .. 2025-12: some overlap, some touch (plan changes), some come back.
-- Every date lies in the past (ends capped at 2026-09-30): the views stop at the current
-- period, so data in the future would make this suite depend on the day it runs.
INSERT INTO "CRM Data"."Sub""scriptions; DROP TABLE x; --"
SELECT c, s, CASE WHEN random() < 0.35 THEN least(s + (20 + random() * 400)::int, date '2026-09-30') END,
       round((20 + random() * 300)::numeric, 0)
FROM (SELECT 1 + (random() * 399)::int AS c, date '2024-01-01' + (random() * 700)::int AS s FROM generate_series(1, 900)) g;
INSERT INTO "CRM Data"."survey answers"
SELECT 1 + (random() * 399)::int, timestamptz '2024-01-01' + random() * interval '730 days',
       CASE k WHEN 'nps' THEN (random() * 10)::int WHEN 'enps' THEN (random() * 10)::int
              WHEN 'csat' THEN 1 + (random() * 4)::int ELSE 1 + (random() * 6)::int END, k
FROM (SELECT (ARRAY['nps', 'nps', 'csat', 'ces', 'enps'])[1 + (random() * 4)::int] AS k FROM generate_series(1, 3000)) g;
INSERT INTO "CRM Data".tickets
SELECT 1 + (random() * 399)::int, o, CASE WHEN random() < 0.9 THEN o + random() * interval '80 hours' END, 1 + (random() * random() * 3)::int
FROM (SELECT timestamptz '2024-01-01' + random() * interval '730 days' AS o FROM generate_series(1, 1200)) g;
INSERT INTO "CRM Data".invoices
SELECT 1 + (random() * 399)::int, d, CASE WHEN random() < 0.95 THEN d + (random() * 40 - 20)::int END, round((random() * 500)::numeric, 2)
FROM (SELECT date '2024-01-01' + (random() * 729)::int AS d FROM generate_series(1, 2000)) g;
INSERT INTO "CRM Data".usage_events
SELECT 1 + (random() * 399)::int, timestamptz '2024-01-01' + random() * interval '730 days', 1 + (random() * 9)::int
FROM generate_series(1, 6000);
INSERT INTO "CRM Data".renewals
SELECT 1 + (random() * 399)::int, date '2024-01-01' + (random() * 729)::int, random() < 0.8, round((random() * 5000)::numeric, 0)
FROM generate_series(1, 500);
INSERT INTO "CRM Data".trials
SELECT CASE WHEN random() < 0.5 THEN 1 + (random() * 399)::int END, s, CASE WHEN random() < 0.4 THEN s + (random() * 30)::int END
FROM (SELECT date '2024-01-01' + (random() * 729)::int AS s FROM generate_series(1, 800)) g;
INSERT INTO "CRM Data".costs
SELECT d, round((1000 + random() * 500)::numeric, 2), k
FROM generate_series(date '2024-01-01', date '2026-09-01', interval '1 month') d, (VALUES ('success'), ('acquisition')) v(k);
-- Rows the views must leave out, and list in data_issues.
INSERT INTO "CRM Data"."survey answers" VALUES (5, '2025-03-03', 11, 'nps'), (6, '2025-03-04', 0, 'csat'), (7, '2025-03-05', 5, 'poll');
INSERT INTO "CRM Data"."Sub""scriptions; DROP TABLE x; --" VALUES (8, '2025-05-01', '2025-04-01', 10), (9, '2025-05-01', NULL, -5), (4242, '2025-01-01', NULL, 10);
INSERT INTO "CRM Data".tickets VALUES (4243, '2025-02-01', '2025-02-02', 1), (10, '2025-02-05', '2025-02-04', 1);
INSERT INTO "CRM Data"."Customers" VALUES (NULL, 'Small', 'nobody'), (11, 'Mid', 'Customer 11 again');

-- Registration errors: every problem at once, with the SQLSTATE of the first.
SELECT regress.expect_error($$SELECT register_source('customer', '"CRM Data"."Customers"')$$);
SELECT regress.expect_error($$SELECT register_source('subscriptions', '"CRM Data".nope', '{"customer": "x", "mrr": 5}')$$);
SELECT regress.expect_error($$SELECT register_source('subscriptions', '"CRM Data"."Sub""scriptions; DROP TABLE x; --"',
                                                     '{"customer_id": "Name", "started_at": "MRR $", "mrr": "Start Date"}')$$);
SELECT regress.expect_error($$SELECT register_source('customers', '"CRM Data"."Customers"', '["Customer ID"]')$$);
SELECT regress.expect_error($$SELECT register_source('survey_responses', '"CRM Data"."survey answers"',
                                                     '{"customer_id": "Customer ID", "responded_at": "When", "score": "Survey"}')$$);
SELECT regress.expect_error($$SELECT register_source('customers', 'csmetrics.sources_pkey')$$);
-- ids and labels must be scalar: a jsonb segment would make every customer its own segment
CREATE TABLE "CRM Data".synced_customers (id int, metadata jsonb, tags text[]);
SELECT regress.expect_error($$SELECT register_source('customers', '"CRM Data".synced_customers',
    '{"customer_id": "id", "segment": "metadata", "name": "tags"}')$$);
DROP TABLE "CRM Data".synced_customers;
-- Nothing was registered by the failures.
SELECT count(*) AS registered FROM sources;

-- Registration over the hostile names works, and stores the resolved column map.
SELECT register_source('customers', '"CRM Data"."Customers"', '{"customer_id": "Customer ID", "segment": "Segment \"Tier\"", "name": "Name"}');
SELECT register_source('subscriptions', '"CRM Data"."Sub""scriptions; DROP TABLE x; --"'::regclass,
                       '{"customer_id": "Customer ID", "started_at": "Start Date", "ended_at": "End; Date", "mrr": "MRR $"}');
SELECT register_source('survey_responses', '"CRM Data"."survey answers"',
                       '{"customer_id": "Customer ID", "responded_at": "When", "score": "x\"; DROP TABLE y; --", "survey": "Survey"}');
SELECT register_source(k, ('"CRM Data".' || k)::regclass)
FROM unnest(ARRAY['tickets', 'invoices', 'usage_events', 'renewals', 'trials', 'costs']) k;
SELECT kind, relation, columns FROM sources ORDER BY kind;

-- Re-registering replaces.
SELECT register_source('costs', '"CRM Data".costs', '{"kind": "kind"}');
SELECT count(*) FROM sources WHERE kind = 'costs';

-- The views. NOTICEs say what was skipped (nothing here).
SELECT * FROM create_kpi_views('KPI "Views"') ORDER BY 1;
-- The hostile names were quoted, never executed.
SELECT to_regclass('public.x') IS NOT NULL AS x_still_there, to_regclass('public.y') IS NOT NULL AS y_still_there;

-- BI-ready: only built-in types, as Metabase reads them (information_schema for views) ...
SELECT c.data_type, count(*) FROM information_schema.columns c
WHERE c.table_schema = 'KPI "Views"' GROUP BY 1 ORDER BY 1;
-- ... and every view and every column has a comment.
SELECT c.relname AS view_without_comment FROM pg_class c
WHERE c.relnamespace = '"KPI ""Views"""'::regnamespace AND c.relkind IN ('v', 'm') AND obj_description(c.oid, 'pg_class') IS NULL;
SELECT c.relname, a.attname AS column_without_comment FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
WHERE c.relnamespace = '"KPI ""Views"""'::regnamespace AND c.relkind IN ('v', 'm') AND col_description(c.oid, a.attnum) IS NULL;
-- Each view's columns, as a BI tool lists them.
SELECT table_name, string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS columns
FROM information_schema.columns WHERE table_schema = 'KPI "Views"' GROUP BY 1 ORDER BY 1;

-- Clean source rows, computed here independently of the views' SQL.
CREATE TEMP TABLE t_customers AS SELECT DISTINCT "Customer ID"::text AS id FROM "CRM Data"."Customers" WHERE "Customer ID" IS NOT NULL;
CREATE TEMP TABLE t_subs AS
SELECT "Customer ID"::text AS customer_id, "Start Date"::timestamptz AS started_at, "End; Date"::timestamptz AS ended_at, "MRR $" AS mrr
FROM "CRM Data"."Sub""scriptions; DROP TABLE x; --"
WHERE "Customer ID"::text IN (SELECT id FROM t_customers) AND "MRR $" >= 0 AND ("End; Date" IS NULL OR "End; Date" >= "Start Date");
CREATE TEMP TABLE t_answers AS
SELECT "When" AS responded_at, "x""; DROP TABLE y; --" AS score, "Survey" AS survey
FROM "CRM Data"."survey answers"
WHERE "Customer ID"::text IN (SELECT id FROM t_customers)
  AND CASE "Survey" WHEN 'csat' THEN "x""; DROP TABLE y; --" BETWEEN 1 AND 5 WHEN 'ces' THEN "x""; DROP TABLE y; --" BETWEEN 1 AND 7
                    WHEN 'nps' THEN "x""; DROP TABLE y; --" BETWEEN 0 AND 10 WHEN 'enps' THEN "x""; DROP TABLE y; --" BETWEEN 0 AND 10 END;

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

-- Customer flow: spans merged here with range_agg (overlapping or touching subscriptions
-- become one span), then the customer_flow aggregate per month.
CREATE TEMP TABLE t_spans AS
SELECT customer_id, lower(r) AS started_at, upper(r) AS ended_at
FROM (SELECT customer_id, unnest(range_agg(tstzrange(started_at, ended_at))) AS r FROM t_subs GROUP BY customer_id) s;
SELECT count(*) AS subscriptions, (SELECT count(*) FROM t_spans) AS spans FROM t_subs;
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
                          OR v.arpa IS DISTINCT FROM arpa(d.m)) AS mismatches
FROM "KPI ""Views""".mrr_by_month v JOIN d USING (month);
SELECT month, mrr, starting_mrr, new_mrr, expansion_mrr, contraction_mrr, churned_mrr, reactivation_mrr, net_new_mrr,
       round(nrr::numeric, 4) AS nrr, round(grr::numeric, 4) AS grr, paying_customers, round(arpa, 2) AS arpa
FROM "KPI ""Views""".mrr_by_month WHERE month IN ('2024-06-01', '2025-06-01') ORDER BY month;
-- Identity: ending - starting = new + reactivation + expansion - contraction - churn, every month.
SELECT count(*) FILTER (WHERE mrr - starting_mrr <> net_new_mrr) AS identity_broken FROM "KPI ""Views""".mrr_by_month;
SELECT count(*) AS mismatches FROM "KPI ""Views""".mrr_by_month v
WHERE v.mrr <> (SELECT sum(s.mrr) FROM "KPI ""Views""".mrr_by_month_by_segment s WHERE s.month = v.month);

-- LTV for all customers: ARPA at the last month, mean monthly churn of the last 12 months,
-- Kaplan-Meier over the spans.
WITH last AS (SELECT max(month) AS month FROM "KPI ""Views""".mrr_by_month),
     arpa AS (SELECT v.arpa FROM "KPI ""Views""".mrr_by_month v JOIN last USING (month)),
     churn AS (SELECT avg(v.churn_rate) AS churn FROM "KPI ""Views""".customer_flow_by_month v, last
               WHERE v.month > last.month - interval '12 months' AND v.month <= last.month),
     km AS (SELECT expected_lifetime(survival_summary(t.tenure, t.churned)) AS life,
                   ltv((SELECT arpa FROM arpa), t.tenure, t.churned) AS ltv_km
            FROM (SELECT ((extract(year FROM age(coalesce(ended_at, (SELECT month FROM last) + interval '1 month'), started_at)) * 12
                          + extract(month FROM age(coalesce(ended_at, (SELECT month FROM last) + interval '1 month'), started_at))))::int AS tenure,
                         ended_at IS NOT NULL AS churned FROM t_spans) t)
SELECT v.arpa = a.arpa AS arpa_ok, abs(v.churn_rate - c.churn) < 1e-12 AS churn_ok, v.ltv = round(ltv(a.arpa, c.churn), 2) AS ltv_ok,
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
SELECT v.crc = c.success / 12 / f.customers AS crc_ok, v.cac IS NOT DISTINCT FROM c.acquisition / nullif(f.new, 0) AS cac_ok, f.new AS new_customers,
       abs(v.ltv_to_crc - (v.arpa / v.crc)::float8) < 1e-12 AS ltv_to_crc_ok
FROM "KPI ""Views""".ltv v, f, c WHERE v.segment = '(all)';
SELECT segment, paying_customers, round(arpa, 2) AS arpa, round(churn_rate::numeric, 4) AS churn_rate, round(ltv, 0) AS ltv,
       round(expected_lifetime::numeric, 2) AS expected_lifetime, round(ltv_km, 0) AS ltv_km, round(crc, 2) AS crc, round(cac, 2) AS cac
FROM "KPI ""Views""".ltv ORDER BY segment;

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

-- Customer health follows the model: scores recomputed here from the view's own measures.
SELECT count(*) AS customers,
       count(*) FILTER (WHERE abs(health_score - health_score(ARRAY[usage_health, nps_health, support_health, billing_health],
                                                              ARRAY[40, 10, 20, 30]::float8[])) > 1e-9) AS score_mismatches,
       count(*) FILTER (WHERE abs(nps_health - health_normalize(nps_answer, 0, 10, true)) > 1e-9) AS nps_mismatches,
       count(*) FILTER (WHERE abs(billing_health - health_normalize(days_late, 0, 30, false)) > 1e-9) AS billing_mismatches,
       count(*) FILTER (WHERE health_band IS DISTINCT FROM health_band(health_score)) AS band_mismatches,
       count(*) FILTER (WHERE usage_health IS NULL) AS without_usage
FROM "KPI ""Views""".customer_health;
-- usage is ranked among the current customers (percentile rank, ties share the mean rank).
SELECT count(*) AS rank_mismatches FROM (
    SELECT usage_health, 100 * ((count(*) FILTER (WHERE u2 < usage)) + (count(*) FILTER (WHERE u2 = usage) - 1) / 2.0)
                         / (count(*) - 1) AS expected
    FROM (SELECT h.customer_id, h.usage, h.usage_health, o.usage AS u2
          FROM "KPI ""Views""".customer_health h CROSS JOIN "KPI ""Views""".customer_health o) s
    GROUP BY customer_id, usage, usage_health) r
WHERE abs(usage_health - expected) > 1e-9;
SELECT relative_band, count(*) FROM "KPI ""Views""".customer_health GROUP BY 1 ORDER BY 1;
-- The model is live: a new weight changes the plain view at once.
UPDATE health_measures SET weight = 0 WHERE measure IN ('usage', 'support', 'billing');
SELECT count(*) FILTER (WHERE abs(health_score - nps_health) > 1e-9) AS not_nps_only FROM "KPI ""Views""".customer_health;
INSERT INTO health_measures VALUES ('usage', 40, true, 'rank', NULL, NULL), ('support', 20, false, 'bounds', 0, 5),
                                   ('billing', 30, false, 'bounds', 0, 30);   -- INSERT replaces
SELECT measure, weight, higher_is_better, normalization, lower_bound, upper_bound FROM health_measures ORDER BY measure;

-- data_issues: every row left out, and why.
SELECT source, customer_id, problem FROM "KPI ""Views""".data_issues ORDER BY source, problem, customer_id;

-- kpi_overview: one row, the latest value of each KPI.
SELECT count(*) AS rows FROM "KPI ""Views""".kpi_overview;
SELECT o.as_of, o.mrr = (SELECT mrr FROM "KPI ""Views""".mrr_by_month ORDER BY month DESC LIMIT 1) AS mrr_is_latest,
       o.nps = (SELECT nps FROM "KPI ""Views""".nps_by_month ORDER BY month DESC LIMIT 1) AS nps_is_latest,
       o.ltv = (SELECT ltv FROM "KPI ""Views""".ltv WHERE segment = '(all)') AS ltv_ok
FROM "KPI ""Views""".kpi_overview o;

-- Grains name the views and their period column.
SELECT count(*) FROM create_kpi_views('kpi_week', 'week');
SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'kpi_week' AND table_name = 'nps_by_week' ORDER BY ordinal_position LIMIT 2;
SELECT count(*) FILTER (WHERE extract(isodow FROM week) <> 1) AS not_mondays, sum(responses) = (SELECT count(*) FROM t_answers WHERE survey = 'nps') AS all_counted
FROM kpi_week.nps_by_week;
SELECT count(*) FROM create_kpi_views('kpi_week', 'quarter');   -- replaces the week views
SELECT table_name FROM information_schema.tables WHERE table_schema = 'kpi_week' AND table_name LIKE 'nps%' ORDER BY 1;
SELECT sum(mrr) = (SELECT sum(mrr) FROM "KPI ""Views""".mrr_by_month WHERE extract(month FROM month) IN (3, 6, 9, 12)) AS quarter_end_mrr
FROM kpi_week.mrr_by_quarter;
SELECT count(*) FROM create_kpi_views('kpi_day', 'day');
SELECT (SELECT sum(responses) FROM kpi_day.csat_by_day) = (SELECT sum(responses) FROM "KPI ""Views""".csat_by_month) AS same_responses;

-- Materialized: populated, a unique index on plain columns per view, same results.
SELECT count(*) FROM create_kpi_views('kpi_mat', materialized => true);
SELECT count(*) AS matviews, count(*) FILTER (WHERE c.relispopulated) AS populated,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique
                                      AND i.indexprs IS NULL AND i.indpred IS NULL)) AS with_unique_index
FROM pg_class c WHERE c.relnamespace = 'kpi_mat'::regnamespace AND c.relkind = 'm';
-- Metabase reads materialized views' columns from pg_attribute.
SELECT format_type(a.atttypid, a.atttypmod) AS type, count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'kpi_mat'::regnamespace AND c.relkind = 'm' AND a.attnum > 0 GROUP BY 1 ORDER BY 1;
SELECT count(*) AS matview_columns_without_comment FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'kpi_mat'::regnamespace AND c.relkind = 'm' AND a.attnum > 0 AND col_description(c.oid, a.attnum) IS NULL;
SELECT (SELECT count(*) FROM (SELECT * FROM "KPI ""Views""".mrr_by_month EXCEPT SELECT * FROM kpi_mat.mrr_by_month) d)
     + (SELECT count(*) FROM (SELECT * FROM "KPI ""Views""".customer_health EXCEPT SELECT * FROM kpi_mat.customer_health) d)
     + (SELECT count(*) FROM (SELECT * FROM "KPI ""Views""".data_issues EXCEPT SELECT * FROM kpi_mat.data_issues) d) AS differing_rows;
-- New data shows after a refresh, which runs in dependency order (kpi_overview last).
INSERT INTO "CRM Data"."survey answers" VALUES (1, '2025-12-31 12:00', 10, 'nps');
SET client_min_messages = warning;   -- refresh NOTICEs carry timings
SELECT refresh_kpi_views('kpi_mat');
RESET client_min_messages;
SELECT (SELECT responses FROM kpi_mat.nps_by_month WHERE month = '2025-12-01') = (SELECT responses FROM "KPI ""Views""".nps_by_month WHERE month = '2025-12-01') AS refreshed;
SELECT view_name FROM kpi_views WHERE target_schema = 'kpi_mat' ORDER BY position DESC LIMIT 1;

-- A read-only BI role reads every view, and nothing else.
CREATE ROLE kpi_reader;
SELECT grant_kpi_access('kpi_reader');
GRANT USAGE ON SCHEMA regress TO kpi_reader;   -- for regress.expect_error only
SELECT 'SELECT ' || count(*) || ' AS views, ' || string_agg(format('(SELECT count(*) FROM %I.%I)', target_schema, view_name), ' + ')
       || ' > 0 AS read_all' AS read_every_view
FROM kpi_views \gset
SET ROLE kpi_reader;
:read_every_view;
-- Even with USAGE on the schemas, the tables themselves stay closed.
RESET ROLE;
GRANT USAGE ON SCHEMA "CRM Data", csmetrics TO kpi_reader;
SET ROLE kpi_reader;
SELECT regress.expect_error($$SELECT count(*) FROM "CRM Data"."Customers"$$);
SELECT regress.expect_error($$SELECT count(*) FROM "CRM Data".tickets$$);
SELECT regress.expect_error($$INSERT INTO csmetrics.sources VALUES ('trials', 'pg_class', '{}')$$);
SELECT regress.expect_error($$UPDATE csmetrics.health_measures SET weight = 1$$);
SELECT regress.expect_error($$SELECT csmetrics.register_source('costs', '"CRM Data".costs')$$);
RESET ROLE;
-- Re-creating the views keeps the grant.
SELECT count(*) FROM create_kpi_views('kpi_mat', materialized => true);
SELECT has_table_privilege('kpi_reader', 'kpi_mat.nps_by_month', 'SELECT') AS can_read,
       has_table_privilege('kpi_reader', 'kpi_mat.nps_by_month', 'INSERT') AS can_write;

-- Errors of create_kpi_views, and what it skips.
SELECT regress.expect_error($$SELECT create_kpi_views('kpi', 'year')$$);
SELECT regress.expect_error($$SELECT create_kpi_views('csmetrics')$$);
CREATE SCHEMA mine;
CREATE TABLE mine.nps_by_month (keep int);
SELECT regress.expect_error($$SELECT create_kpi_views('mine')$$);
SELECT count(*) AS kept FROM mine.nps_by_month;
-- A dropped source relation: its views are skipped with a NOTICE, the others are made.
CREATE TABLE "CRM Data".trials2 AS SELECT * FROM "CRM Data".trials;
SELECT register_source('trials', '"CRM Data".trials2');
DROP TABLE "CRM Data".trials2;
SELECT count(*) FROM create_kpi_views('kpi_partial');
SELECT to_regclass('kpi_partial.trials_by_month') IS NULL AS trials_skipped, to_regclass('kpi_partial.nps_by_month') IS NOT NULL AS nps_made;
-- A view can be registered: messier data is cleaned up in a view first.
CREATE VIEW "CRM Data".trials_clean AS SELECT customer_id AS who, started_at::timestamp AS began, converted_at AS paid FROM "CRM Data".trials;
SELECT register_source('trials', '"CRM Data".trials_clean', '{"customer_id": "who", "started_at": "began", "converted_at": "paid"}');
SELECT count(*) FROM create_kpi_views('kpi_partial');
SELECT (SELECT sum(trials_started) FROM kpi_partial.trials_by_month) = (SELECT sum(trials_started) FROM "KPI ""Views""".trials_by_month) AS same_trials;
SELECT unregister_source('trials'), unregister_source('trials');
