-- A read-only BI role (grant_kpi_access) reads every KPI view, plain and materialized, and
-- nothing else; re-creating the views keeps the grant.

-- Not echoed: the registered CRM of test/fixtures/crm_views.sql with its KPI views in the
-- schema "KPI Views"; search_path csmetrics, public; time zone UTC; ISO dates.
\set ECHO none
\i test/fixtures/crm_views.sql
\set ECHO all

SELECT count(*) FROM create_kpi_views('kpi_mat', materialized => true);

-- A read-only BI role reads every view, and nothing else.
CREATE ROLE kpi_reader;
SELECT grant_kpi_access('kpi_reader');
GRANT USAGE ON SCHEMA regress TO kpi_reader;   -- for regress.expect_error only
SELECT 'SELECT ' || count(*) || ' AS views, ' || string_agg(format('(SELECT count(*) FROM %I.%I)', target_schema, view_name), ' + ')
       || ' > 0 AS read_all' AS read_every_view
FROM kpi_views WHERE NOT internal \gset
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
