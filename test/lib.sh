# test/lib.sh — shared by run-tests.sh, demo.sh and bench.sh (sourced, not run).
#
# Everything runs on a throw-away PostgreSQL: the extension is built, then installed into a
# private copy of the server's installation under a temporary directory (PostgreSQL finds
# its share and lib directories relative to its binaries, so a copied tree is a complete
# installation). Nothing is written to the system's PostgreSQL, and several checkouts can
# test side by side. Servers run as an unprivileged user: PostgreSQL refuses root.
#
# Which PostgreSQL:
#   PG_CONFIG=/path/to/pg_config   any installation (a source build, say); nothing is installed
#   PG_MAJOR=NN                    Debian's postgresql-NN, installed when missing (as root)
#   neither                        the newest major installed here, else the one this Debian
#                                  release ships (the major of its "postgresql" package)

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf 'csmetrics: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# Debian majors whose server is installed, oldest first.
installed_majors() {
	local p
	for p in /usr/lib/postgresql/*/bin/postgres; do
		if [ -x "$p" ]; then basename "$(dirname "$(dirname "$p")")"; fi
	done | sort -n
}

# The major of this Debian release's "postgresql" package, from apt's package lists.
distro_major() {
	{ apt-cache show --no-all-versions postgresql 2>/dev/null || true; } |
		sed -n 's/^Depends:.*postgresql-\([0-9][0-9]*\).*/\1/p' | head -n 1
}

# Without package lists (a non-root user on a machine that never ran apt-get update):
# the major each Debian release ships.
release_major() {
	local codename
	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	case $codename in
		bullseye) echo 13 ;; bookworm) echo 15 ;; trixie) echo 17 ;; forky) echo 18 ;;
	esac
}

# Whether apt knows package $1 (from the package lists).
apt_knows() {
	apt-cache show --no-all-versions "$1" >/dev/null 2>&1
}

APT_UPDATED=
apt_update() {
	[ -n "$APT_UPDATED" ] && return 0
	say "reading Debian's package lists (apt-get update)"
	apt_run apt-get update
	APT_UPDATED=1
}

# Sets PG_CONFIG, PG_MAJOR and DEBIAN_PG (1 when the PostgreSQL comes from Debian's packages).
choose_postgres() {
	if [ -n "${PG_CONFIG:-}" ]; then
		PG_CONFIG=$(command -v "$PG_CONFIG") || die "PG_CONFIG=$PG_CONFIG: no such program"
		PG_MAJOR=$("$PG_CONFIG" --version | sed -n 's/^PostgreSQL \([0-9][0-9]*\).*/\1/p')
		[ -n "$PG_MAJOR" ] || die "$PG_CONFIG --version does not name a PostgreSQL version"
		DEBIAN_PG=
		# Debian's /usr/bin/pg_config leads to a packaged major: install its packages too.
		case $("$PG_CONFIG" --bindir) in /usr/lib/postgresql/*) DEBIAN_PG=1 ;; esac
		return
	fi
	DEBIAN_PG=1
	if [ -z "${PG_MAJOR:-}" ]; then
		local installed
		installed=$(installed_majors | tr '\n' ' ')
		PG_MAJOR=${installed% }
		PG_MAJOR=${PG_MAJOR##* }
		if [ "$(echo "$installed" | wc -w)" -gt 1 ]; then
			say "PostgreSQL ${installed% } installed: using $PG_MAJOR (choose another with PG_MAJOR=NN)"
		fi
	fi
	if [ -z "$PG_MAJOR" ]; then
		PG_MAJOR=$(distro_major)
		if [ -z "$PG_MAJOR" ] && [ "$(id -u)" -eq 0 ]; then apt_update; PG_MAJOR=$(distro_major); fi
		[ -n "$PG_MAJOR" ] || PG_MAJOR=$(release_major)
		[ -n "$PG_MAJOR" ] || die "no PostgreSQL installed, and this system's release is unknown to me: set PG_MAJOR=NN (13 to 18) or PG_CONFIG=/path/to/pg_config"
		say "no PostgreSQL installed: using $PG_MAJOR, the major this Debian release ships"
	fi
	case $PG_MAJOR in 1[3-8]) ;; *) say "PostgreSQL $PG_MAJOR: csmetrics supports 13 to 18; trying anyway" ;; esac
	PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
}

# Run an apt-get command in the background and print a progress line every 15 seconds:
# the first installation downloads a few hundred MB (the server, its headers, a C compiler,
# clang), which can take minutes. apt-get's own output is shown only if it fails.
apt_run() {
	local log pid t=0 total got unpacked setup
	log=$(mktemp /tmp/csmetrics-apt.XXXXXX)
	DEBIAN_FRONTEND=noninteractive "$@" -o Dpkg::Use-Pty=0 >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		t=$((t + 1))
		[ $((t % 15)) -eq 0 ] || continue
		# "N upgraded, M newly installed": both are fetched and unpacked
		total=$(sed -n 's/^\([0-9][0-9]*\) upgraded, \([0-9][0-9]*\) newly installed.*/\1 \2/p' "$log" | head -n 1 | awk '{print $1 + $2}')
		got=$(grep -c '^Get:' "$log" || true)
		unpacked=$(grep -c '^Unpacking ' "$log" || true)
		setup=$(grep -c '^Setting up ' "$log" || true)
		if [ -z "$total" ]; then
			say "  ... $((t / 60))m$((t % 60))s: $got files fetched"
		else
			say "  ... $((t / 60))m$((t % 60))s: $total packages: $got downloaded, $unpacked unpacked, $setup set up"
		fi
	done
	if ! wait "$pid"; then
		tail -n 40 "$log" >&2
		rm -f "$log"
		die "$* failed (its last lines above)"
	fi
	rm -f "$log"
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Install the Debian packages this needs, or print the one command (for root) that does.
ensure_packages() {
	local pkgs=(make gcc libc6-dev "$@") missing=() p cron=
	if [ -n "$DEBIAN_PG" ]; then
		pkgs+=("postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR")
		cron=postgresql-$PG_MAJOR-cron
	fi
	for p in "${pkgs[@]}"; do installed "$p" || missing+=("$p"); done
	# pg_cron is packaged for most, not all, majors and releases.
	if [ -n "$cron" ] && ! installed "$cron"; then
		[ "$(id -u)" -ne 0 ] || apt_knows "postgresql-$PG_MAJOR" || apt_update
		if apt_knows "postgresql-$PG_MAJOR" && ! apt_knows "$cron"; then
			say "pg_cron: this Debian release has no $cron; the tests of scheduled refreshes will fail"
		else
			missing+=("$cron")
		fi
	fi
	[ ${#missing[@]} -eq 0 ] && return 0
	local cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		say "missing Debian packages: ${missing[*]}"
		say "install them as root with this one command (su asks for root's password; where sudo is set up, sudo sh -c '...' does the same), then run this again:"
		echo >&2
		echo "    su -c '$cmd'" >&2
		echo >&2
		exit 1
	fi
	apt_update
	for p in "${missing[@]}"; do
		apt_knows "$p" || die "Debian has no package $p here: is PostgreSQL $PG_MAJOR packaged for this release? Choose another with PG_MAJOR=NN, or PG_CONFIG=/path/to/pg_config"
	done
	say "installing missing Debian packages (a few minutes the first time): ${missing[*]}"
	apt_run apt-get install -y --no-install-recommends "${missing[@]}"
	say "installed: ${missing[*]}"
}

# The unprivileged account that runs servers and clients.
PG_USER=$(id -un)
[ "$(id -u)" -eq 0 ] && PG_USER=postgres
# As root, commands run as $PG_USER from the work directory, which it can read (the checkout
# may sit in /root, where it cannot).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "${WORK:-/}" && runuser -u "$PG_USER" -- "$@")
	else
		"$@"
	fi
}

# Build, then install into a private copy of the installation under $WORK. Sets WORK,
# STAGE_BIN, PG_REGRESS, PG_VERSION, and copies test/ and the documentation (whose examples
# a test runs) to $WORK/src for the server user.
build_and_stage() {
	choose_postgres
	ensure_packages "$@"
	[ -x "$PG_CONFIG" ] || die "no $PG_CONFIG: install postgresql-server-dev-$PG_MAJOR"
	if [ "$(id -u)" -eq 0 ] && ! id -u "$PG_USER" >/dev/null 2>&1; then
		die "as root, servers run as user $PG_USER, which does not exist: create it (useradd -r $PG_USER) or run as a normal user"
	fi
	local bindir sharedir pkglibdir d
	bindir=$("$PG_CONFIG" --bindir)
	sharedir=$("$PG_CONFIG" --sharedir)
	pkglibdir=$("$PG_CONFIG" --pkglibdir)
	PG_VERSION=$("$bindir/postgres" --version | awk '{ print $3 }')
	say "using PostgreSQL $PG_VERSION ($PG_CONFIG)"
	make -s -C "$TOP" PG_CONFIG="$PG_CONFIG" >&2
	WORK=$(mktemp -d /tmp/csmetrics.XXXXXX)
	chmod 755 "$WORK"
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	local stage=$WORK/stage
	for d in "$bindir" "$sharedir" "$pkglibdir"; do
		[ -e "$stage$d" ] && continue
		mkdir -p "$stage$(dirname "$d")"
		cp -a "$d" "$stage$(dirname "$d")/"
	done
	make -s -C "$TOP" PG_CONFIG="$PG_CONFIG" install DESTDIR="$stage" >/dev/null
	STAGE_BIN=$stage$bindir
	PG_REGRESS=$(dirname "$("$PG_CONFIG" --pgxs)")/../test/regress/pg_regress
	mkdir -p "$WORK/src"
	cp -a "$TOP/test" "$TOP/README.md" "$TOP/DEVELOPING.md" "$TOP/docs" "$WORK/src/"
	if [ ! -f "$pkglibdir/pg_cron.so" ]; then
		say "pg_cron is not installed for PostgreSQL $PG_MAJOR: servers start without it, and the tests of scheduled refreshes will fail"
		sed -i '/pg_cron/d; /^cron\./d' "$WORK/src/test/regress.conf"
	fi
	[ "$PG_USER" = "$(id -un)" ] || chown -R "$PG_USER" "$WORK/src"
}

# The port a server listens on (and names its socket after). Demo servers kept with KEEP=1
# listen on localhost:$PORT; choose another port with PORT=NNNN.
PORT=${PORT:-54329}

# Fail with a clear message when localhost:$1 is taken.
check_port_free() {
	if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
		die "port $1 on localhost is taken (by another server, perhaps a demo kept with KEEP=1); choose another port with PORT=NNNN, e.g. make demo KEEP=1 PORT=$(($1 + 1))"
	fi
}

# Start a server on a Unix socket in $WORK (and on localhost too when LISTEN is set).
# Extra "-c name=value" settings may be passed. Sets PGHOST, PGPORT, PGDATA.
start_server() {
	export PGDATA=$WORK/data PGHOST=$WORK PGPORT=$PORT PGUSER=$PG_USER
	mkdir -p "$PGDATA"
	[ "$PG_USER" = "$(id -un)" ] || chown "$PG_USER" "$WORK" "$PGDATA"
	as_pg "$STAGE_BIN/initdb" -D "$PGDATA" -A trust -E UTF8 --no-locale >/dev/null
	[ -z "${SERVER_CONF:-}" ] || echo "include '$SERVER_CONF'" >> "$PGDATA/postgresql.conf"
	[ -z "${LISTEN:-}" ] || check_port_free "$PGPORT"
	if ! as_pg "$STAGE_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/server.log" -w -o \
		"-k $WORK -p $PGPORT -c listen_addresses='${LISTEN:-}' $*" start >"$WORK/pg_ctl.out" 2>&1; then
		if grep -qiE 'could not (bind|create listen)|address already in use' "$WORK/server.log"; then
			die "port $PGPORT is taken; choose another port with PORT=NNNN, e.g. make demo KEEP=1 PORT=$((PGPORT + 1))"
		fi
		cat "$WORK/pg_ctl.out" >&2
		tail -n 20 "$WORK/server.log" >&2
		die "the server did not start (its log's last lines above)"
	fi
	SERVER_STARTED=1
}

# psql as the server user, quiet, stopping at the first error.
run_psql() {
	as_pg env PGHOST="$PGHOST" PGPORT="$PGPORT" "$STAGE_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# Stop the server and remove $WORK: always on failure; on success unless KEEP is set.
cleanup() {
	local rc=$?
	[ -z "${HEARTBEAT_PID:-}" ] || kill "$HEARTBEAT_PID" 2>/dev/null || true
	if [ "$rc" -ne 0 ] || [ -z "${KEEP:-}" ]; then
		if [ -n "${SERVER_STARTED:-}" ]; then
			as_pg "$STAGE_BIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
		fi
		[ -z "${WORK:-}" ] || rm -rf "$WORK"
	fi
	exit "$rc"
}
