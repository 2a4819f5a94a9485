#!/usr/bin/env bash
# REFRESH MATERIALIZED VIEW CONCURRENTLY (refresh_kpi_views) while other sessions read the
# KPI views in a loop: no reader error and never a lost or extra row.
set -euo pipefail
db=views_refresh
createdb $db
trap 'dropdb --if-exists $db' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }
q -f "$SRC/test/demo/01_crm_data.sql" >/dev/null
q -f "$SRC/test/demo/02_register.sql" >/dev/null 2>&1
q -c "SELECT count(*) FROM csmetrics.create_kpi_views('kpi_mat', materialized => true)" >/dev/null

# What every reader must see, whatever the refreshes do: the row counts do not change,
# because the updates below change values, not which months and customers exist.
count_sql="SELECT (SELECT count(*) FROM kpi_mat.mrr_by_month) || ' ' || (SELECT count(*) FROM kpi_mat.customer_mrr_movements)
                  || ' ' || (SELECT count(*) FROM kpi_mat.customer_health) || ' ' || (SELECT count(*) FROM kpi_mat.kpi_overview)"
expected=$(q -c "$count_sql")
echo "expected counts: $expected"

reader() {
	local i got
	for i in $(seq 1 60); do
		got=$(q -c "$count_sql") || { echo "reader $1: query failed"; return 1; }
		[ "$got" = "$expected" ] || { echo "reader $1: got '$got', expected '$expected'"; return 1; }
	done
}
pids=()
for r in 1 2 3; do reader $r & pids+=($!); done

# Meanwhile: change MRR values and refresh, again and again.
for round in 1 2 3 4; do
	q -c "UPDATE crm.subscriptions SET mrr = mrr + 1 WHERE id % 7 = $round"
	q -c "SET client_min_messages = warning; SELECT csmetrics.refresh_kpi_views()" >/dev/null
done

fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
[ $fail -eq 0 ] || { echo "a reader failed"; exit 1; }

# The refreshed views show the new values: the materialized MRR equals the live computation.
test "$(q -c "SELECT count(*) FROM csmetrics.create_kpi_views('kpi_live')")" -gt 0
diffs=$(q -c "SELECT count(*) FROM (SELECT * FROM kpi_live.mrr_by_month EXCEPT SELECT * FROM kpi_mat.mrr_by_month) d")
test "$diffs" = 0 || { echo "materialized mrr_by_month differs from the live view in $diffs rows"; exit 1; }
# And the NOTICE per view names it and its time.
q -c "SELECT csmetrics.refresh_kpi_views('kpi_mat')" 2>&1 | grep -E 'NOTICE:  refreshed kpi_mat\.mrr_by_month in [0-9.]+ ms' >/dev/null
echo ok
