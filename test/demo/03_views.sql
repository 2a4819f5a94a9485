-- The KPI views: plain views in schema kpi (always current), and the same views
-- materialized in schema kpi_nightly (fast; refreshed concurrently, e.g. by pg_cron).
SET search_path = csmetrics, public;
\pset footer off
SELECT count(*) AS kpi_views FROM create_kpi_views('kpi') \gset
SELECT count(*) AS materialized_kpi_views FROM create_kpi_views('kpi_nightly', materialized => true) \gset
SET client_min_messages = warning;   -- the per-view refresh timings differ from run to run
SELECT refresh_kpi_views('kpi_nightly') AS views_refreshed \gset
RESET client_min_messages;

-- A read-only role for a BI tool (Metabase, Grafana, Superset): it can read the views,
-- and nothing in crm.
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_reader') THEN
        CREATE ROLE bi_reader LOGIN;
    END IF;
END $$;
SELECT grant_kpi_access('bi_reader') \gset

\echo
\echo '== KPI views (csmetrics.create_kpi_views) =='
\echo '  schema kpi:        ' :kpi_views 'plain views, always current'
\echo '  schema kpi_nightly:' :materialized_kpi_views 'materialized views,' :views_refreshed 'refreshed (csmetrics.refresh_kpi_views)'
\echo '  role bi_reader may read both schemas, and nothing in crm (csmetrics.grant_kpi_access)'

\echo
\echo '== The materialized copy (kpi_nightly) agrees with the live views =='
SELECT (SELECT count(*) FROM (SELECT * FROM kpi.mrr_by_month EXCEPT SELECT * FROM kpi_nightly.mrr_by_month) d) AS mrr_rows_differing,
       (SELECT count(*) FROM (SELECT * FROM kpi.nps_by_month EXCEPT SELECT * FROM kpi_nightly.nps_by_month) d) AS nps_rows_differing,
       (SELECT count(*) FROM (SELECT * FROM kpi.customer_actions EXCEPT SELECT * FROM kpi_nightly.customer_actions) d) AS action_rows_differing;
