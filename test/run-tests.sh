#!/usr/bin/env bash
# Run the pg_regress suites (all of test/sql/*.sql, or the ones named) on a throw-away server and
# end with one line "N passed, N failed". Diffs of failures land in ./regression.diffs.
source "$(dirname "$0")/lib.sh"

build_and_stage

# Arguments name suites: test/sql/NAME.sql for pg_regress, test/shell/NAME.sh for shell tests.
# 00_setup creates the extension and the test helpers every suite uses, so it always runs.
if [ $# -gt 0 ]; then
	names=(00_setup "$@")
else
	mapfile -t names < <(cd "$TOP" && ls -1 test/sql/*.sql test/shell/*.sh 2>/dev/null |
		sed 's|.*/||; s/\.[a-z]*$//' | sort -u)
fi
tests=() shell_tests=()
for t in "${names[@]}"; do
	[ -f "$TOP/test/sql/$t.sql" ] && { [[ " ${tests[*]} " == *" $t "* ]] || tests+=("$t"); }
	[ -f "$TOP/test/shell/$t.sh" ] && shell_tests+=("$t")
	[ -f "$TOP/test/sql/$t.sql" ] || [ -f "$TOP/test/shell/$t.sh" ] || { say "no suite named $t"; exit 2; }
done

mkdir -p "$WORK/out"
[ "$PG_USER" = "$(id -un)" ] || chown "$PG_USER" "$WORK/out"
pg_regress=$PG_REGRESS

set +e
as_pg "$pg_regress" \
	--temp-instance="$WORK/out/tmp_check" \
	--temp-config="$WORK/src/test/regress.conf" \
	--bindir="$STAGE_BIN" \
	--inputdir="$WORK/src/test" --outputdir="$WORK/out" \
	--dbname=contrib_regression --no-locale --encoding=UTF8 \
	"${tests[@]}" 2>&1 | tee "$WORK/out/summary.log"
regress_status=${PIPESTATUS[0]}
set -e

# Shell tests need more than one session or client programs (pg_dump, concurrent readers).
# Each runs against one shared throw-away server with the regression settings, gets
# STAGE_BIN, PGHOST, PGPORT, PGUSER and SRC (the copied checkout) and passes by exiting 0.
if [ ${#shell_tests[@]} -gt 0 ]; then
	SERVER_CONF=$WORK/src/test/regress.conf start_server
	for t in "${shell_tests[@]}"; do
		if as_pg env STAGE_BIN="$STAGE_BIN" PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
			SRC="$WORK/src" PATH="$STAGE_BIN:$PATH" bash "$WORK/src/test/shell/$t.sh" \
			>"$WORK/out/$t.log" 2>&1; then
			printf 'shell test %-24s ... ok\n' "$t" | tee -a "$WORK/out/summary.log"
		else
			printf 'shell test %-24s ... FAILED\n' "$t" | tee -a "$WORK/out/summary.log"
			{ echo "=== $t.log"; cat "$WORK/out/$t.log"; } >> "$WORK/out/regression.diffs"
		fi
	done
fi

# pg_regress 15 prints "test name ... ok"; 16 and later print TAP ("ok 1 - name").
passed=$(grep -cE '(\.\.\. +ok)|^ok [0-9]+ ' "$WORK/out/summary.log" || true)
failed=$(grep -cE '(\.\.\. +FAILED)|(\.\.\. +failed)|^not ok [0-9]+ ' "$WORK/out/summary.log" || true)
# A pg_regress that stopped early (or ran nothing) counts as a failure of its own.
if [ "$regress_status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
[ "$passed" -gt 0 ] || failed=$((failed + 1))
rm -rf "$TOP/regression.diffs" "$TOP/results"
if [ "$failed" -gt 0 ]; then
	[ -s "$WORK/out/regression.diffs" ] && cp "$WORK/out/regression.diffs" "$TOP/regression.diffs"
	[ -d "$WORK/out/results" ] && cp -r "$WORK/out/results" "$TOP/results"
	say "differences are in regression.diffs, actual outputs in results/"
fi
echo "PostgreSQL $PG_VERSION ($PG_CONFIG)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
