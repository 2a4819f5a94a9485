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
for f in "${files[@]}"; do
	say "running $(basename "$f")"
	# query results go nowhere; the harness's NOTICE per workload shows progress
	run_psql -d bench -o /dev/null -f "$f" 2>&1 | sed -u 's/^psql:[^ ]*: NOTICE:  /  /'
done
echo
echo "csmetrics $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$TOP/csmetrics.control"), PostgreSQL $("$STAGE_BIN/postgres" --version | awk '{print $3}'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
run_psql -d bench -f "$WORK/src/test/bench/report.sql"
