-- What a BI tool sees of the KPI views (docs/views.md): only built-in types, a comment on
-- every view and column, the names and period columns of each grain, and the target schemas
-- create_kpi_views refuses.

-- Not echoed: the registered CRM of test/fixtures/crm_views.sql with its KPI views in the
-- schema "KPI Views"; search_path csmetrics, public; time zone UTC; ISO dates.
\set ECHO none
\i test/fixtures/crm_views.sql
\set ECHO all

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

-- Errors of create_kpi_views, and what it skips.
SELECT regress.expect_error($$SELECT create_kpi_views('kpi', 'year')$$);
SELECT regress.expect_error($$SELECT create_kpi_views('csmetrics')$$);
CREATE SCHEMA mine;
CREATE TABLE mine.nps_by_month (keep int);
SELECT regress.expect_error($$SELECT create_kpi_views('mine')$$);
SELECT count(*) AS kept FROM mine.nps_by_month;
