#!/usr/bin/env bash
# make demo: a throw-away PostgreSQL with csmetrics, a seeded sample of CRM data, the KPI
# views, and a printed KPI report. KEEP=1 leaves the server running on localhost for a BI tool.
source "$(dirname "$0")/lib.sh"

build_and_stage
[ -n "${KEEP:-}" ] && LISTEN=localhost
start_server
run_psql -d postgres -c 'CREATE DATABASE demo'
for f in "$WORK"/src/test/demo/[0-9]*.sql; do
	run_psql -d demo -f "$f"
done

if [ -n "${KEEP:-}" ]; then
	echo
	echo "The demo server keeps running. Connect a BI tool or psql with:"
	echo "  postgresql://$PG_USER@localhost:$PGPORT/demo   (no password; KPI views in schema kpi)"
	echo "Stop it with:"
	if [ "$(id -u)" -eq 0 ]; then
		echo "  runuser -u $PG_USER -- $STAGE_BIN/pg_ctl -D $PGDATA stop && rm -rf $WORK"
	else
		echo "  $STAGE_BIN/pg_ctl -D $PGDATA stop && rm -rf $WORK"
	fi
fi
