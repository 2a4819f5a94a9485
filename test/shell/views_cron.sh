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
# Checks read the captured output from a here-string, never from a pipe: under pipefail,
# "echo | grep -q" fails at random when grep has matched and left before echo wrote the rest.
contains() { grep -q -- "$2" <<<"$3" || { echo "$1: expected a line matching '$2' in:"; echo "$3"; exit 1; }; }
out=$(q -c "SELECT csmetrics.schedule_kpi_refresh('0 3 * * *')" 2>&1 || true)
contains "schedule without pg_cron" 'ERROR:  pg_cron is not installed in this database' "$out"
contains "schedule without pg_cron" "HINT:  Install the package postgresql-[0-9]*-cron" "$out"
state=$(q -c "DO \$\$ BEGIN PERFORM csmetrics.schedule_kpi_refresh('0 3 * * *'); EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLSTATE; END \$\$" 2>&1)
contains "SQLSTATE without pg_cron" 'NOTICE:  55000' "$state"
# Refreshing by hand needs no pg_cron.
refreshed=$(q -c "SELECT csmetrics.refresh_kpi_views()")
[ "$refreshed" = 0 ] || { echo "refresh_kpi_views(): expected 0, got $refreshed"; exit 1; }
echo ok
