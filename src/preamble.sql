-- csmetrics install script, assembled by the Makefile from src/*.sql.
--
-- Written to PostgreSQL's rules for extension scripts: plain CREATE (never OR REPLACE), every
-- object qualified with @extschema@ or pg_catalog, nothing that depends on the caller's
-- search_path, no SECURITY DEFINER.

\echo Use "CREATE EXTENSION csmetrics" to load this file. \quit

COMMENT ON SCHEMA @extschema@ IS 'csmetrics: customer-success KPIs (NPS, CSAT, CES, churn, retention, MRR movements, NRR, LTV, health scores)';
