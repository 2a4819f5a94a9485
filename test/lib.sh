# test/lib.sh — shared by run-tests.sh, demo.sh and bench.sh (sourced, not run).
#
# Everything runs on a throw-away PostgreSQL: the extension is built, then installed into a
# private copy of the server's installation under a temporary directory (PostgreSQL finds
# its share and lib directories relative to its binaries, so a copied tree is a complete
# installation). Nothing is written to the system's PostgreSQL, and several checkouts can
# test side by side. Servers run as an unprivileged user: PostgreSQL refuses root.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
SYS_BINDIR=/usr/lib/postgresql/$PG_MAJOR/bin

say() { printf 'csmetrics: %s\n' "$*" >&2; }

# Install the Debian packages this needs, or say exactly which command would.
ensure_packages() {
	local pkgs=(make gcc postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-contrib
		postgresql-$PG_MAJOR-cron "$@")
	local missing=() p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		say "missing Debian packages: ${missing[*]}"
		say "install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
		exit 1
	fi
	say "installing missing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# apt's progress goes to a log, shown only if the installation fails.
	# (The server package may create a cluster of its own; ours never touch it.)
	local log
	log=$(mktemp /tmp/csmetrics-apt.XXXXXX)
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
		>"$log" 2>&1; then
		cat "$log" >&2
		say "package installation failed (log above)"
		exit 1
	fi
	rm -f "$log"
	say "installed: ${missing[*]}"
}

# The unprivileged account that runs servers and clients.
PG_USER=$(id -un)
[ "$(id -u)" -eq 0 ] && PG_USER=postgres
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Build, then install into a private copy of the installation under $WORK.
# Sets WORK, STAGE_BIN, and copies test/ and the documentation (whose examples a test runs)
# to $WORK/src for the server user.
build_and_stage() {
	ensure_packages "$@"
	make -s -C "$TOP" PG_CONFIG="$SYS_BINDIR/pg_config" >&2
	WORK=$(mktemp -d /tmp/csmetrics.XXXXXX)
	chmod 755 "$WORK"
	trap cleanup EXIT
	local stage=$WORK/stage
	mkdir -p "$stage/usr/lib/postgresql" "$stage/usr/share/postgresql"
	cp -a "/usr/lib/postgresql/$PG_MAJOR" "$stage/usr/lib/postgresql/"
	cp -a "/usr/share/postgresql/$PG_MAJOR" "$stage/usr/share/postgresql/"
	make -s -C "$TOP" PG_CONFIG="$SYS_BINDIR/pg_config" install DESTDIR="$stage" >/dev/null
	STAGE_BIN=$stage/usr/lib/postgresql/$PG_MAJOR/bin
	mkdir -p "$WORK/src"
	cp -a "$TOP/test" "$TOP/README.md" "$TOP/DEVELOPING.md" "$TOP/docs" "$WORK/src/"
	[ "$PG_USER" = "$(id -un)" ] || chown -R "$PG_USER" "$WORK/src"
}

# Start a server on a Unix socket in $WORK (and on localhost too when LISTEN is set).
# Extra "-c name=value" settings may be passed. Sets PGHOST, PGPORT, PGDATA.
start_server() {
	export PGDATA=$WORK/data PGHOST=$WORK PGPORT=${PGPORT:-54329} PGUSER=$PG_USER
	mkdir -p "$PGDATA"
	[ "$PG_USER" = "$(id -un)" ] || chown "$PG_USER" "$WORK" "$PGDATA"
	as_pg "$STAGE_BIN/initdb" -D "$PGDATA" -A trust -E UTF8 --no-locale >/dev/null
	[ -z "${SERVER_CONF:-}" ] || echo "include '$SERVER_CONF'" >> "$PGDATA/postgresql.conf"
	as_pg "$STAGE_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/server.log" -w -o \
		"-k $WORK -p $PGPORT -c listen_addresses='${LISTEN:-}' $*" start >/dev/null
	SERVER_STARTED=1
}

# psql as the server user, quiet, stopping at the first error.
run_psql() {
	as_pg env PGHOST="$PGHOST" PGPORT="$PGPORT" "$STAGE_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

cleanup() {
	local rc=$?
	if [ -n "${SERVER_STARTED:-}" ] && [ -z "${KEEP:-}" ]; then
		as_pg "$STAGE_BIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
	fi
	if [ -n "${WORK:-}" ] && [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; fi
	exit $rc
}
