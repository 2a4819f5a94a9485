#!/usr/bin/env bash
# make bench: the workloads of docs/performance.md on a throw-away server. Each
# test/bench/bN_*.sql generates its data with a fixed seed and calls bench.compare(); the
# report prints medians and ratios (reference time / csmetrics time: above 1 means
# csmetrics is faster).
# Pass workload names to run some only: make bench BENCH="b1 b5".
source "$(dirname "$0")/lib.sh"

build_and_stage
start_server -c shared_buffers=2GB -c work_mem=256MB -c max_parallel_workers_per_gather=0 \
	-c max_worker_processes=8 -c max_parallel_workers=8 -c jit=off
run_psql -d postgres -c 'CREATE DATABASE bench'
run_psql -d bench -c 'CREATE EXTENSION csmetrics' -f "$WORK/src/test/bench/harness.sql"

files=()
if [ $# -gt 0 ]; then
	for b in "$@"; do files+=("$WORK"/src/test/bench/"$b"_*.sql); done
else
	files=("$WORK"/src/test/bench/b[0-9]*_*.sql)
fi
# B9 (the KPI views) runs once per number of customers: B9_SIZES="10000 100000" for a quick
# run; B9_REPS=1 times each query once, without warm-up.
B9_SIZES=${B9_SIZES:-10000 100000 1000000}
B9_REPS=${B9_REPS:-3}
# query results go nowhere; the harness's NOTICE per workload shows progress
run_bench_file() {
	run_psql -d bench -o /dev/null "$@" 2>&1 | sed -u 's/^psql:[^ ]*: NOTICE:  /  /'
}
for f in "${files[@]}"; do
	case $(basename "$f") in
	b9_*)
		for size in $B9_SIZES; do
			say "running $(basename "$f") at $size customers"
			run_bench_file -v b9_size="$size" -v b9_reps="$B9_REPS" -f "$f"
		done ;;
	*)
		say "running $(basename "$f")"
		run_bench_file -f "$f" ;;
	esac
done
echo
echo "csmetrics $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$TOP/csmetrics.control"), PostgreSQL $("$STAGE_BIN/postgres" --version | awk '{print $3}'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "load average at the end (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
run_psql -d bench -f "$WORK/src/test/bench/report.sql"
