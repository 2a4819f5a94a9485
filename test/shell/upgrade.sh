#!/usr/bin/env bash
# ALTER EXTENSION csmetrics UPDATE from 0.1.0 gives exactly a fresh install, and what users
# made with 0.1.0 keeps working:
#   1. a fresh install and a 0.1.0 install updated to the current version have the same
#      objects with the same definitions, comments, ACLs and shipped table rows;
#   2. in a database used with 0.1.0 (stored summaries of every type, plain and materialized
#      KPI views), the update goes through, the stored values read back to the same numbers,
#      a binary COPY written by 0.1.0 loads, the views still answer the same, refresh works
#      and create_kpi_views() replaces them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fresh=upgrade_fresh clean=upgrade_clean used=upgrade_used
tmp=$(mktemp -d /tmp/upgrade.XXXXXX)
trap 'dropdb --if-exists $fresh; dropdb --if-exists $clean; dropdb --if-exists $used; rm -rf "$tmp"' EXIT
q() { local db=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
catalog() { PGOPTIONS="-c csmetrics_test.config_data=$2" psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$here/extension_catalog.sql"; }

current=$(q postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'csmetrics'")
echo "updating 0.1.0 to $current"

# 1. Fresh install against an updated one, configuration rows included.
createdb $fresh
createdb $clean
q $fresh -c 'CREATE EXTENSION csmetrics'
q $clean -c "CREATE EXTENSION csmetrics VERSION '0.1.0'" -c 'ALTER EXTENSION csmetrics UPDATE'
test "$(q $clean -c "SELECT extversion FROM pg_extension WHERE extname = 'csmetrics'")" = "$current"
catalog $fresh on > "$tmp/fresh.txt"
catalog $clean on > "$tmp/clean.txt"
test "$(wc -l < "$tmp/fresh.txt")" -gt 500     # the snapshot really lists the extension
if ! diff -u "$tmp/fresh.txt" "$tmp/clean.txt" > "$tmp/catalog.diff"; then
	echo "an updated extension differs from a fresh install ('-' fresh, '+' updated):"
	cat "$tmp/catalog.diff"
	exit 1
fi
echo "catalog: fresh and updated installs are identical ($(wc -l < "$tmp/fresh.txt") lines)"

# 2. A database used with 0.1.0.
createdb $used
q $used -c "CREATE EXTENSION csmetrics VERSION '0.1.0'"
q $used <<'SQL' >/dev/null
SET timezone = 'UTC';
SET search_path = public, csmetrics;
CREATE TABLE accounts (id int PRIMARY KEY, name text, tier text);
CREATE TABLE subs (account int, started date, ended date, mrr numeric);
CREATE TABLE answers (account int, at timestamptz, survey text, score int);
INSERT INTO accounts SELECT i, 'account ' || i, CASE WHEN i % 3 = 0 THEN 'pro' ELSE 'basic' END FROM generate_series(1, 60) i;
INSERT INTO subs SELECT i, date '2024-01-01' + (i * 7) % 200, CASE WHEN i % 4 = 0 THEN date '2024-09-01' + i END, 10 * (1 + i % 5)
FROM generate_series(1, 60) i;
INSERT INTO subs SELECT i, date '2024-11-01', NULL, 25 FROM generate_series(1, 60, 8) i;
INSERT INTO answers SELECT 1 + i % 60, timestamptz '2024-01-03 10:00+00' + i * interval '41 hours',
       (ARRAY['nps', 'csat', 'ces', 'nps'])[1 + i % 4], (i * 7) % 11 FROM generate_series(1, 400) i;
SELECT register_source('customers', 'accounts', '{"customer_id": "id", "segment": "tier"}');
SELECT register_source('subscriptions', 'subs', '{"customer_id": "account", "started_at": "started", "ended_at": "ended"}');
SELECT register_source('survey_responses', 'answers', '{"customer_id": "account", "responded_at": "at"}');

-- stored summaries of every storable type
CREATE TABLE stored AS
SELECT date_trunc('month', at) AS month,
       nps_summary(score) FILTER (WHERE survey = 'nps') AS nps,
       csat_summary(least(greatest(score, 1), 5)) FILTER (WHERE survey = 'csat') AS csat
FROM answers GROUP BY 1;
CREATE TABLE stored_flows AS
SELECT customer_flow(started, ended, date '2024-06-01', date '2024-07-01') AS flow,
       customer_flows(started, ended, date '2024-01-01', interval '1 month', 12) AS flows
FROM subs;
CREATE TABLE stored_survival AS
SELECT survival_summary(((ended - started) / 30)::int, true) AS s FROM subs WHERE ended IS NOT NULL;
CREATE TABLE stored_mrr AS
SELECT mrr_movements(p, c, seen) AS m
FROM (VALUES (0::numeric, 10::numeric, false), (10, 15, true), (15, 0, true), (0, 20, true)) v(p, c, seen);

SELECT count(*) FROM create_kpi_views('kpi');
SELECT count(*) FROM create_kpi_views('kpi_mat', 'week', materialized => true);
SQL

# The numbers every stored value and view gives; taken before and after the update.
fingerprint() {
	q $used <<'SQL'
SET timezone = 'UTC';
SET search_path = public, csmetrics;
SELECT 'nps', month, responses(nps), nps(nps), csat(csat) FROM stored ORDER BY month;
SELECT 'rollup', responses(rollup(nps)), nps(rollup(nps)) FROM stored;
SELECT 'flow', (flow).*, churn_rate(flow) FROM stored_flows;
SELECT 'flows', f.* FROM stored_flows, unnest(flows) f;
SELECT 'survival', median_lifetime(s), expected_lifetime(s) FROM stored_survival;
SELECT 'mrr', (m).*, nrr(m), grr(m) FROM stored_mrr;
SQL
	# every KPI view's rows
	for v in $(q $used -c "SELECT quote_ident(target_schema) || '.' || quote_ident(view_name) FROM csmetrics.kpi_views ORDER BY 1"); do
		echo "$v $(q $used -c "SET timezone = 'UTC'" -c "SELECT md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) FROM $v t")"
	done
}
fingerprint > "$tmp/before.txt"
q $used -c "COPY stored TO '$tmp/stored.bin' (FORMAT binary)" 2>/dev/null ||
	q $used -c "\\copy stored TO '$tmp/stored.bin' (FORMAT binary)"

q $used -c 'ALTER EXTENSION csmetrics UPDATE'
test "$(q $used -c "SELECT extversion FROM pg_extension WHERE extname = 'csmetrics'")" = "$current"

fingerprint > "$tmp/after.txt"
if ! diff -u "$tmp/before.txt" "$tmp/after.txt"; then
	echo "stored values or KPI views read differently after the update"
	exit 1
fi
echo "stored values and KPI views read the same after the update ($(wc -l < "$tmp/after.txt") lines)"

# A binary COPY written by 0.1.0 loads into the updated extension and reads the same.
q $used -c 'CREATE TABLE stored_again (LIKE stored)' -c "\\copy stored_again FROM '$tmp/stored.bin' (FORMAT binary)"
test "$(q $used -c 'SELECT count(*) FROM (SELECT month, nps::text, csat::text FROM stored EXCEPT SELECT month, nps::text, csat::text FROM stored_again) d')" = 0

# Materialized views made by 0.1.0 refresh, and the views can be made again.
q $used -c 'SELECT csmetrics.refresh_kpi_views()' >/dev/null 2>&1
q $used -c "SELECT count(*) FROM csmetrics.create_kpi_views('kpi')" >/dev/null 2>&1
q $used -c "SELECT count(*) FROM csmetrics.create_kpi_views('kpi_mat', 'week', materialized => true)" >/dev/null 2>&1

# The used database, updated, has the objects of a fresh install (its configuration rows
# are its own).
catalog $fresh off > "$tmp/fresh_noconf.txt"
catalog $used off > "$tmp/used.txt"
if ! diff -u "$tmp/fresh_noconf.txt" "$tmp/used.txt"; then
	echo "the used database, updated, differs from a fresh install"
	exit 1
fi
echo "catalog of the used database after the update: identical to a fresh install"
