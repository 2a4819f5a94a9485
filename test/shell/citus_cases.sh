#!/usr/bin/env bash
# Every aggregate of the extension has a case in the citus test (citus_aggregates.sql). That
# test runs only where Citus is built, which CI is not; without this check an aggregate added
# since its last run goes unchecked until someone builds Citus again (four had, once). The
# cases are made by the first part of citus_aggregates.sql, up to the line that says the test
# covers every aggregate, which needs csmetrics only: run here on one server, they must name
# every aggregate, and every name must be an aggregate of the extension (a regprocedure).
set -euo pipefail
db=citus_cases
createdb $db
trap 'dropdb --if-exists $db' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }
q -c 'CREATE EXTENSION csmetrics'

marker='^-- The test covers every aggregate of the extension'
file=$SRC/test/shell/citus_aggregates.sql
grep -q "$marker" "$file" || { echo "no line '$marker' in citus_aggregates.sql"; exit 1; }
sed "/$marker/q" "$file" | q >/dev/null

missing=$(q -c "SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text)
                FROM pg_proc p
                WHERE p.prokind = 'a' AND p.pronamespace = 'csmetrics'::regnamespace
                  AND p.oid NOT IN (SELECT c.agg FROM citus_check.cases c)")
foreign=$(q -c "SELECT string_agg(c.agg::text, ', ' ORDER BY c.agg::text)
                FROM citus_check.cases c JOIN pg_proc p ON p.oid = c.agg
                WHERE p.prokind <> 'a' OR p.pronamespace <> 'csmetrics'::regnamespace")
if [ -n "$missing" ] || [ -n "$foreign" ]; then
	[ -n "$missing" ] && echo "aggregates without a case in citus_aggregates.sql: $missing"
	[ -n "$foreign" ] && echo "cases that are not aggregates of csmetrics: $foreign"
	exit 1
fi
echo "$(q -c 'SELECT count(*) FROM citus_check.cases') cases cover the $(q -c "SELECT count(*) FROM pg_proc WHERE prokind = 'a' AND pronamespace = 'csmetrics'::regnamespace") aggregates of csmetrics"
