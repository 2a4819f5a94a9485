#!/usr/bin/env bash
# Run the pg_regress suites (test/schedule, or the ones named) and the shell tests on a throw-away
# server and end with one line "N passed, N failed". Diffs of failures land in ./regression.diffs.
source "$(dirname "$0")/lib.sh"

build_and_stage

# Arguments name suites: test/sql/NAME.sql for pg_regress, test/shell/NAME.sh for shell tests;
# they run one after the other. 00_setup creates the extension and the test helpers every
# suite uses, so it always runs first. Without arguments, the pg_regress suites run as
# test/schedule says (groups in parallel), then every shell test.
schedule=() scheduled=() unscheduled=() tests=() shell_tests=()
if [ $# -gt 0 ]; then
	for t in 00_setup "$@"; do
		[ -f "$TOP/test/sql/$t.sql" ] && { [[ " ${tests[*]} " == *" $t "* ]] || tests+=("$t"); }
		[ -f "$TOP/test/shell/$t.sh" ] && shell_tests+=("$t")
		[ -f "$TOP/test/sql/$t.sql" ] || [ -f "$TOP/test/shell/$t.sh" ] || { say "no suite named $t"; exit 2; }
	done
else
	schedule=(--schedule="$WORK/src/test/schedule")
	mapfile -t scheduled < <(sed -n 's/^test: *//p' "$TOP/test/schedule" | tr -s ' ' '\n')
	for t in "${scheduled[@]}"; do
		[ -f "$TOP/test/sql/$t.sql" ] || { say "test/schedule names $t, but there is no test/sql/$t.sql"; exit 2; }
	done
	# A suite missing from the schedule would silently never run: run it after the
	# schedule, and fail the run until it has its place there.
	for f in "$TOP"/test/sql/*.sql; do
		t=$(basename "$f" .sql)
		[[ " ${scheduled[*]} " == *" $t "* ]] || unscheduled+=("$t")
	done
	tests=("${unscheduled[@]}")
	mapfile -t shell_tests < <(cd "$TOP" && ls -1 test/shell/*.sh 2>/dev/null | sed 's|.*/||; s/\.sh$//')
fi

mkdir -p "$WORK/out"
[ "$PG_USER" = "$(id -un)" ] || chown "$PG_USER" "$WORK/out"
pg_regress=$PG_REGRESS

# pg_regress prints a group of suites when all of them have ended, and a shell test prints its
# line when it ends: some minutes can pass without a line. A line every 30 seconds says how
# far the run got (stopped with the run, by cleanup in lib.sh).
total=$((${#scheduled[@]} + ${#tests[@]} + ${#shell_tests[@]}))
(
	while sleep 30; do
		finished=$(grep -cE '(\.\.\. +(ok|FAILED|failed|skipped))|^(not )?ok [0-9]+ ' "$WORK/out/summary.log" 2>/dev/null || true)
		say "$((SECONDS / 60))m$((SECONDS % 60))s since the start: ${finished:-0} of $total suites done"
	done
) &
HEARTBEAT_PID=$!

# pg_regress runs from the copied checkout: suites include test/fixtures/*.sql and read
# test/data/ by paths relative to it (psql \i, \copy), the same on every PostgreSQL version.
set +e
as_pg sh -c 'cd "$0" && exec "$@"' "$WORK/src" "$pg_regress" \
	--temp-instance="$WORK/out/tmp_check" \
	--temp-config="$WORK/src/test/regress.conf" \
	--bindir="$STAGE_BIN" \
	--inputdir="$WORK/src/test" --outputdir="$WORK/out" \
	--dbname=contrib_regression --no-locale --encoding=UTF8 \
	"${schedule[@]}" "${tests[@]}" 2>&1 | tee "$WORK/out/summary.log"
regress_status=${PIPESTATUS[0]}
set -e

# Shell tests need more than one session or client programs (pg_dump, concurrent readers).
# Each runs against one shared throw-away server with the regression settings, gets
# STAGE_BIN, PGHOST, PGPORT, PGUSER, SRC (the copied checkout) and RESULTS (where to write
# actual outputs; copied to results/ on failure) and passes by exiting 0; exit status 77
# means it cannot run on this machine (e.g. citus.sh without Citus).
if [ ${#shell_tests[@]} -gt 0 ]; then
	SERVER_CONF=$WORK/src/test/regress.conf start_server
	for t in "${shell_tests[@]}"; do
		status=0
		as_pg env STAGE_BIN="$STAGE_BIN" PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
			SRC="$WORK/src" RESULTS="$WORK/out/results" PATH="$STAGE_BIN:$PATH" \
			bash "$WORK/src/test/shell/$t.sh" \
			>"$WORK/out/$t.log" 2>&1 || status=$?
		case $status in
		0) printf 'shell test %-24s ... ok\n' "$t" | tee -a "$WORK/out/summary.log" ;;
		# 77: the test cannot run here (its last line says why); neither passed nor failed
		77) printf 'shell test %-24s ... skipped: %s\n' "$t" "$(tail -n 1 "$WORK/out/$t.log")" | tee -a "$WORK/out/summary.log" ;;
		*)
			printf 'shell test %-24s ... FAILED\n' "$t" | tee -a "$WORK/out/summary.log"
			{ echo "=== $t.log"; cat "$WORK/out/$t.log"; } >> "$WORK/out/regression.diffs"
			;;
		esac
	done
fi

kill "$HEARTBEAT_PID" 2>/dev/null || true
HEARTBEAT_PID=

# pg_regress 15 prints "test name ... ok"; 16 and later print TAP ("ok 1 - name").
passed=$(grep -cE '(\.\.\. +ok)|^ok [0-9]+ ' "$WORK/out/summary.log" || true)
failed=$(grep -cE '(\.\.\. +FAILED)|(\.\.\. +failed)|^not ok [0-9]+ ' "$WORK/out/summary.log" || true)
for t in "${unscheduled[@]}"; do
	say "FAILED: suite $t is not in test/schedule (it ran after the schedule; add it to a group)"
	failed=$((failed + 1))
done
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
