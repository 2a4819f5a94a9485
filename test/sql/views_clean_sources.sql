-- Each source is cleaned once: one clean relation per registered source, in the companion
-- schema of the KPI views, read by every view; data_issues lists the other rows, from the
-- same checks. Cleaning costs a scan or a hash (no sort of every row's JSON), the SQL keeps
-- customer ids in their own type, and every pick of a first or latest row is deterministic.

-- Not echoed: the registered CRM of test/fixtures/crm_views.sql with its KPI views in the
-- schema "KPI Views"; search_path csmetrics, public; time zone UTC; ISO dates.
\set ECHO none
\i test/fixtures/crm_views.sql
\set ECHO all

-- The helper relations: a clean relation per source, spans and MRR per customer, in the
-- companion schema; none is granted to readers (grant_kpi_access skips them).
SELECT relation_schema, view_name, materialized FROM kpi_views
WHERE target_schema = 'KPI "Views"' AND internal ORDER BY position;
SELECT obj_description('"KPI ""Views""_internal".subscriptions'::regclass) AS clean_subscriptions;

-- A number the source stores as an integer is checked as it is stored (no numeric made of
-- every row) and cast to numeric in the clean relation's columns: the views read numeric
-- whatever the source's type.
SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS clean_type,
       pg_get_viewdef('"KPI ""Views""_internal".usage_events') LIKE '%(x.quantity < 0)%' AS checked_as_integer
FROM pg_attribute a WHERE a.attrelid = '"KPI ""Views""_internal".usage_events'::regclass AND a.attname = 'quantity';

-- The check of every number column: whether it is finite, not NaN nor an infinity (a numeric
-- read from its header, a float8 as it is; an integer takes the float8 form). Infinite
-- numerics, which exist from PostgreSQL 14 on, are left out of the sources in views_infinite.
SELECT v, kpi_finite_number(v) AS finite FROM unnest('{0,-1.5,1e308,NaN,Infinity,-Infinity}'::float8[]) v;
SELECT v, kpi_finite_number(v) AS finite FROM unnest('{0,-1.5,123456789012345678901234567890.5,0.000001,NaN}'::numeric[]) v;
SELECT kpi_finite_number(2147483647) AS int4, kpi_finite_number(-9223372036854775808) AS int8,
       kpi_finite_number(NULL::numeric) IS NULL AS null_unknown,
       pg_get_viewdef('"KPI ""Views""_internal".invoices') LIKE '%NOT kpi_finite_number(x.amount)%' AS amount_checked;

-- Every source row is either in its clean relation or in data_issues (for customers: one
-- clean row per customer id).
WITH counts AS (
    SELECT 'customers' AS source, (SELECT count(*) FROM "CRM Data"."Customers") AS source_rows,
           (SELECT count(*) FROM "KPI ""Views""_internal".customers) AS clean_rows
    UNION ALL SELECT 'subscriptions', (SELECT count(*) FROM "CRM Data"."Sub""scriptions; DROP TABLE x; --"),
           (SELECT count(*) FROM "KPI ""Views""_internal".subscriptions)
    UNION ALL SELECT 'survey_responses', (SELECT count(*) FROM "CRM Data"."survey answers"),
           (SELECT count(*) FROM "KPI ""Views""_internal".survey_responses)
    UNION ALL SELECT 'tickets', (SELECT count(*) FROM "CRM Data".tickets), (SELECT count(*) FROM "KPI ""Views""_internal".tickets)
    UNION ALL SELECT 'invoices', (SELECT count(*) FROM "CRM Data".invoices), (SELECT count(*) FROM "KPI ""Views""_internal".invoices)
    UNION ALL SELECT 'usage_events', (SELECT count(*) FROM "CRM Data".usage_events), (SELECT count(*) FROM "KPI ""Views""_internal".usage_events)
    UNION ALL SELECT 'renewals', (SELECT count(*) FROM "CRM Data".renewals), (SELECT count(*) FROM "KPI ""Views""_internal".renewals)
    UNION ALL SELECT 'trials', (SELECT count(*) FROM "CRM Data".trials), (SELECT count(*) FROM "KPI ""Views""_internal".trials)
    UNION ALL SELECT 'costs', (SELECT count(*) FROM "CRM Data".costs), (SELECT count(*) FROM "KPI ""Views""_internal".costs))
SELECT c.source, c.source_rows, c.clean_rows, i.rows_with_issues, c.source_rows = c.clean_rows + coalesce(i.rows_with_issues, 0) AS all_accounted_for
FROM counts c LEFT JOIN (SELECT source, count(DISTINCT source_row) AS rows_with_issues FROM "KPI ""Views""".data_issues GROUP BY source) i
  ON i.source = c.source
ORDER BY c.source;

-- A customer listed twice keeps the row whose name comes first (customer 11 of segment
-- Big "Co"); data_issues lists the other one.
SELECT customer_id, name, segment FROM "KPI ""Views""_internal".customers WHERE customer_id = 11;
SELECT customer_id, problem, source_row FROM "KPI ""Views""".data_issues WHERE problem LIKE 'duplicate%';

-- Costs: the clean sources and data_issues use no VALUES list with a subquery (distributed
-- databases cannot push those down), and cleaning sorts nobody's JSON: finding duplicate
-- customers is one aggregate over the ids.
SELECT count(*) AS definitions_with_values
FROM kpi_views k, LATERAL pg_get_viewdef(format('%I.%I', k.relation_schema, k.view_name)::regclass) d
WHERE k.target_schema = 'KPI "Views"' AND d ~* '\mVALUES\M';
SELECT k.view_name, regress.plan_has(format('SELECT * FROM %I.%I', k.relation_schema, k.view_name), 'to_jsonb') AS plan_makes_json
FROM kpi_views k WHERE k.target_schema = 'KPI "Views"' AND k.internal ORDER BY k.position;
-- Each event source is scanned once by data_issues. customer_health, which reads four, has five
-- scans of each, and checks every row in none: its measure checks the rows near its periods;
-- for the latest event, one scan checks nothing, one checks the rows at the latest instant,
-- one those of the two days before it, and the last, which checks every row, runs only when
-- no row at the latest instant passed.
SELECT r AS relation, regress.scans('SELECT * FROM "KPI ""Views""".data_issues', r) AS data_issues,
       regress.scans('SELECT * FROM "KPI ""Views""".customer_health', r) AS customer_health
FROM unnest(ARRAY['tickets', 'invoices', 'usage_events', '"survey answers"']) r;

-- Per-customer work groups and partitions by the customer id in its own type (a cast to
-- text only where a view shows it): so that a distributed database runs it where the
-- customer's rows are.
SELECT k.view_name, d ~ '(PARTITION BY|GROUP BY|DISTINCT ON) \(?\(?[a-z]+\.customer_id\)?::text' AS customer_id_as_text
FROM kpi_views k, LATERAL pg_get_viewdef(format('%I.%I', k.relation_schema, k.view_name)::regclass) d
WHERE k.target_schema = 'KPI "Views"' AND d ~ '(PARTITION BY|GROUP BY|DISTINCT ON)[^;]*customer_id'
ORDER BY k.position;

-- Deterministic picks: two NPS answers of a customer at the same latest instant give
-- customer_health the lower score, on every run.
CREATE TEMP TABLE tie AS
SELECT h.customer_id::int AS customer_id, (SELECT max("When") FROM "CRM Data"."survey answers") AS at
FROM "KPI ""Views""".customer_health h ORDER BY h.customer_id LIMIT 1;
INSERT INTO "CRM Data"."survey answers" SELECT customer_id, at, 9, 'nps' FROM tie UNION ALL SELECT customer_id, at, 3, 'nps' FROM tie;
SELECT h.nps_answer FROM "KPI ""Views""".customer_health h JOIN tie t ON h.customer_id = t.customer_id::text;
DELETE FROM "CRM Data"."survey answers" a USING tie t WHERE a."Customer ID" = t.customer_id AND a."When" = t.at AND a."Survey" = 'nps'
  AND a."x""; DROP TABLE y; --" IN (3, 9);

-- Survey names count in any case: NPS, Csat and CES answers are nps, csat and ces answers,
-- with their ranges; a name that is no survey in any case is listed, and a NULL survey is
-- nps. (The checks test a lower-case name and a score in range first; the outcome is the
-- one lower() alone gives.)
INSERT INTO "CRM Data"."survey answers" VALUES
    (1, '2025-03-10 08:00', 10, 'NPS'), (1, '2025-03-10 08:00', 11, 'Nps'), (1, '2025-03-10 08:00', 5, 'Csat'),
    (1, '2025-03-10 08:00', 6, 'CSAT'), (1, '2025-03-10 08:00', 7, 'CES'), (1, '2025-03-10 08:00', 0, 'Ces'),
    (1, '2025-03-10 08:00', 3, 'NPS '), (1, '2025-03-10 08:00', 4, NULL), (1, '2025-03-10 08:00', 11, NULL);
SELECT survey, score FROM "KPI ""Views""_internal".survey_responses WHERE responded_at = '2025-03-10 08:00' ORDER BY survey, score;
SELECT problem, source_row FROM "KPI ""Views""".data_issues
WHERE source = 'survey_responses' AND source_row LIKE '%2025-03-10T08:00%' ORDER BY source_row, problem;
DELETE FROM "CRM Data"."survey answers" WHERE "When" = '2025-03-10 08:00';
