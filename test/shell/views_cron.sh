#!/usr/bin/env bash
# In a database where pg_cron cannot be created (cron.database_name names another one),
# csmetrics still installs and works, and schedule_kpi_refresh() says clearly what is missing.
set -euo pipefail
db=views_no_cron
createdb $db
trap 'dropdb --if-exists $db' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }
q -c 'CREATE EXTENSION csmetrics'
# pg_cron is preloaded, but its extension can only live in cron.database_name.
if q -c 'CREATE EXTENSION pg_cron' 2>/dev/null; then echo "pg_cron should not be creatable here"; exit 1; fi
out=$(q -c "SELECT csmetrics.schedule_kpi_refresh('0 3 * * *')" 2>&1 || true)
echo "$out"
echo "$out" | grep -q 'ERROR:  pg_cron is not installed in this database'
echo "$out" | grep -q "HINT:  Install the package postgresql-[0-9]*-cron"
state=$(q -c "DO \$\$ BEGIN PERFORM csmetrics.schedule_kpi_refresh('0 3 * * *'); EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLSTATE; END \$\$" 2>&1)
echo "$state" | grep -q 'NOTICE:  55000'
# Refreshing by hand needs no pg_cron.
q -c "SELECT csmetrics.refresh_kpi_views()" | grep -qx 0
echo ok
