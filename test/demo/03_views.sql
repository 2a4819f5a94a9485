-- The KPI views: plain views in schema kpi (always current), and the same views
-- materialized in schema kpi_nightly (fast; refreshed concurrently, e.g. by pg_cron).
SET search_path = csmetrics, public;
\echo
\echo 'Creating the KPI views in schema kpi and, materialized, in kpi_nightly:'
SELECT count(*) AS kpi_views FROM create_kpi_views('kpi');
SELECT count(*) AS materialized_kpi_views FROM create_kpi_views('kpi_nightly', materialized => true);
SET client_min_messages = warning;   -- the per-view refresh timings differ from run to run
SELECT refresh_kpi_views('kpi_nightly') AS views_refreshed;
RESET client_min_messages;

-- A read-only role for a BI tool (Metabase, Grafana, Superset): it can read the views,
-- and nothing in crm.
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_reader') THEN
        CREATE ROLE bi_reader LOGIN;
    END IF;
END $$;
SELECT grant_kpi_access('bi_reader');
