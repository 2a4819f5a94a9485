-- Scheduled refresh of the materialized KPI views through pg_cron (the test server preloads
-- it with cron.database_name = contrib_regression). csmetrics does not require pg_cron: it
-- calls it dynamically and says clearly what is missing.
SET search_path = csmetrics, public;

-- Before CREATE EXTENSION pg_cron: a clear error naming the package.
SELECT regress.expect_error($$SELECT schedule_kpi_refresh('0 3 * * *')$$);
SELECT regress.expect_error($$SELECT unschedule_kpi_refresh()$$);
DO $$
DECLARE
    hint text;
BEGIN
    PERFORM csmetrics.schedule_kpi_refresh('0 3 * * *');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    -- the package of this server's major version, shown as NN (the output is the same on all)
    RAISE NOTICE 'names the package of this major: %',
        hint LIKE '%postgresql-' || current_setting('server_version_num')::int / 10000 || '-cron%';
    RAISE NOTICE 'HINT: %', regexp_replace(hint, 'postgresql-[0-9]+-cron', 'postgresql-NN-cron');
END $$;
-- csmetrics does not depend on pg_cron.
SELECT count(*) AS requires_pg_cron FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
WHERE d.objid = (SELECT oid FROM pg_extension WHERE extname = 'csmetrics') AND e.extname = 'pg_cron';

CREATE EXTENSION pg_cron;
SELECT schedule_kpi_refresh('0 3 * * *') > 0 AS scheduled;
SELECT jobname, schedule, command, database FROM cron.job ORDER BY jobid;
-- Scheduling again replaces the job (same name).
SELECT schedule_kpi_refresh('30 2 * * *') > 0 AS rescheduled;
SELECT jobname, schedule FROM cron.job ORDER BY jobid;
SELECT unschedule_kpi_refresh();
SELECT count(*) AS jobs FROM cron.job;
SELECT regress.expect_error($$SELECT schedule_kpi_refresh('not a schedule')$$);
DROP EXTENSION pg_cron;
