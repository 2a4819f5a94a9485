#!/usr/bin/env bash
# The demo: a throw-away PostgreSQL with csmetrics, a seeded sample of a company's CRM data,
# the KPI views over it, and a printed KPI report, ending with how to connect.
#   KEEP=1     leave the server running on localhost afterwards (for psql or a BI tool)
#   PORT=NNNN  its port (default 54329)
# Everything is removed at the end, on failure too, unless KEEP=1 and the demo succeeded.
source "$(dirname "$0")/lib.sh"

if [ -n "${KEEP:-}" ]; then
	LISTEN=localhost
	check_port_free "$PORT"
fi
build_and_stage
start_server
run_psql -d postgres -c 'CREATE DATABASE demo'
# Scripts read from stdin, so that their notices carry no file name and line.
for f in "$WORK"/src/test/demo/[0-9]*.sql; do
	run_psql -d demo < "$f"
done

psql_cmd=psql
command -v psql >/dev/null || psql_cmd=$STAGE_BIN/psql
connect="To connect psql or a BI tool (Metabase, Grafana, Superset, ...)"
[ -n "${KEEP:-}" ] || connect="Run the demo with KEEP=1 to keep its server; then, to connect psql or a BI tool (Metabase, Grafana, Superset, ...)"
cat <<END

== Next steps ==
The KPI views are in schema kpi (live) and kpi_nightly (materialized); csmetrics' functions
and the source registry are in schema csmetrics. $connect:
    host localhost   port $PORT   database demo   no password
    user bi_reader (reads the KPI views only) or $PG_USER (owns everything)
    psql: $psql_cmd "postgresql://$PG_USER@localhost:$PORT/demo"
END
if [ -z "${KEEP:-}" ]; then
	cat <<END
The server has been stopped and removed. To keep it running, run the demo with KEEP=1:
    make demo KEEP=1      or      KEEP=1 bash test/demo.sh
(another port: add PORT=NNNN). To install csmetrics into your own PostgreSQL, see
"Installing" in README.md.
END
else
	stop="$STAGE_BIN/pg_ctl -D $PGDATA stop && rm -rf $WORK"
	[ "$(id -u)" -ne 0 ] || stop="runuser -u $PG_USER -- $STAGE_BIN/pg_ctl -D $PGDATA stop && rm -rf $WORK"
	cat <<END
The server keeps running (KEEP=1). Stop it and remove its files with:
    $stop
END
fi
