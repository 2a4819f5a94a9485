#!/usr/bin/env bash
# Run the pg_regress suites (all of sql/*.sql, or the ones named) on a throw-away server and
# end with one line "N passed, N failed". Diffs of failures land in ./regression.diffs.
source "$(dirname "$0")/lib.sh"

build_and_stage

if [ $# -gt 0 ]; then
	# 00_setup creates the extension and the test helpers every suite uses.
	tests=(00_setup)
	for t in "$@"; do [ "$t" = 00_setup ] || tests+=("$t"); done
else
	mapfile -t tests < <(cd "$TOP/sql" && ls -1 *.sql | sed 's/\.sql$//' | sort)
fi

mkdir -p "$WORK/out"
[ "$PG_USER" = "$(id -un)" ] || chown "$PG_USER" "$WORK/out"
pg_regress=$(dirname "$STAGE_BIN")/lib/pgxs/src/test/regress/pg_regress

set +e
as_pg "$pg_regress" \
	--temp-instance="$WORK/out/tmp_check" \
	--temp-config="$WORK/src/test/regress.conf" \
	--bindir="$STAGE_BIN" \
	--inputdir="$WORK/src" --outputdir="$WORK/out" \
	--dbname=contrib_regression --no-locale --encoding=UTF8 \
	"${tests[@]}" 2>&1 | tee "$WORK/out/summary.log"
set -e

# pg_regress 15 prints "test name ... ok"; 16 and later print TAP ("ok 1 - name").
passed=$(grep -cE '(\.\.\. +ok)|^ok [0-9]+ ' "$WORK/out/summary.log" || true)
failed=$(grep -cE '(\.\.\. +FAILED)|(\.\.\. +failed)|^not ok [0-9]+ ' "$WORK/out/summary.log" || true)
[ "$passed" -gt 0 ] || failed=$((failed + 1))
rm -rf "$TOP/regression.diffs" "$TOP/results"
if [ "$failed" -gt 0 ]; then
	[ -s "$WORK/out/regression.diffs" ] && cp "$WORK/out/regression.diffs" "$TOP/regression.diffs"
	[ -d "$WORK/out/results" ] && cp -r "$WORK/out/results" "$TOP/results"
	say "differences are in regression.diffs, actual outputs in results/"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
