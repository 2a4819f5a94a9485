#!/usr/bin/env bash
# test/matrix.sh — the test command on every PostgreSQL major that a Debian release ships, each
# in a throw-away Debian chroot built with debootstrap, plus the bare-machine check of the
# README's two commands. Run as root (debootstrap, chroot, mounts in a private namespace).
#
#   bash test/matrix.sh              13 (bullseye), 15 (bookworm), 17 (trixie), 18 (forky), bare
#   bash test/matrix.sh 18 13        some entries only: a major, a suite name, or "bare"
#   bash test/matrix.sh base:trixie  only build (or find) the cached minbase tarball of a suite
#   make test-matrix MATRIX="18"     the same through make
#
# One line per entry: PostgreSQL version, suite, passed/failed counts, time. Full logs and the
# regression.diffs of failures go to matrix-logs/ in the checkout under test.
#
# Environment:
#   MATRIX_DIR  where base tarballs are cached between runs (default /var/cache/csmetrics-matrix)
#   MIRROR      Debian archive URL (default: the one in this machine's apt sources)
#   SRC         the checkout to test (default: the one this script is in)
#   TESTS       suites to run (default: all)
#   FRESH=1     rebuild the cached tarballs first
#   COPT        extra compiler flags for the builds in the chroots (CI gives -Werror)
#
# Per suite, two tarballs are cached: <suite>-minbase.tar (debootstrap --variant=minbase) and
# <suite>-ready.tar (the same after the test command installed its Debian packages there, so a
# rerun skips the installation). The bare check caches bookworm-git.tar (minbase + git).
set -euo pipefail

SRC=$(cd "${SRC:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)
MATRIX_DIR=${MATRIX_DIR:-/var/cache/csmetrics-matrix}
LOGS=${MATRIX_LOGS:-$SRC/matrix-logs}
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The Debian release that ships each major, and the one new users start from.
declare -A SUITE_OF=([13]=bullseye [15]=bookworm [17]=trixie [18]=forky)
BARE_SUITE=bookworm

say() { printf 'matrix: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: debootstrap and chroot need it"

# The Debian archive this machine's apt already uses.
apt_uris() {
	{
		sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n'
		sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' \
			/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
	} | sed 's|/*$||' | awk 'NF && !seen[$0]++'
}
MIRROR=${MIRROR:-$(apt_uris | grep -m1 -E '/debian$' || true)}
[ -n "$MIRROR" ] || die "no Debian archive in this machine's apt sources: set MIRROR=<archive URL>"

# Packages the host needs for this script.
need_host_tools() {
	local missing=() t
	for t in debootstrap; do command -v "$t" >/dev/null || missing+=("$t"); done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Run a command as root inside chroot $1, with /dev, /dev/shm and /proc mounted in a private
# mount namespace: the mounts vanish with the command, also when it fails.
in_chroot() {
	local root=$1; shift
	unshare --mount --propagation private -- /bin/sh -c '
		r=$1; shift
		mount --bind /dev "$r/dev" && mkdir -p "$r/dev/shm" &&
		mount -t tmpfs -o mode=1777 shm "$r/dev/shm" && mount -t proc proc "$r/proc" &&
		exec chroot "$r" /usr/bin/env -i PATH='"$CHROOT_PATH"' HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
	' sh "$root" "$@"
}

# End every process still running inside chroot $1 (a server a failed test left behind).
stop_chroot_processes() {
	local root p
	root=$(readlink -f "$1")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null || true
	done
}

# Throw-away chroots live in $MATRIX_DIR/run.*; every one is removed when the script ends.
# (Functions return values in globals, not through $(...): a subshell's list would be lost.)
RUN_DIRS=()
declare -A REBUILT=()
remove_chroot() {
	stop_chroot_processes "$1"
	rm -rf --one-file-system "$1"
}
cleanup() {
	local d
	for d in "${RUN_DIRS[@]}"; do [ -d "$d" ] && remove_chroot "$d"; done
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Extract tarball $1 into a new throw-away chroot: sets CHROOT.
unpack() {
	CHROOT=$(mktemp -d "$MATRIX_DIR/run.XXXXXX")
	RUN_DIRS+=("$CHROOT")
	[ -z "${1:-}" ] || tar -C "$CHROOT" -xf "$1"
	chmod 755 "$CHROOT"   # it is / inside: every user must reach its files
}

# Save chroot $1 as tarball $2 (without the checkout, temp files and downloaded .debs).
pack() {
	stop_chroot_processes "$1"
	in_chroot "$1" apt-get clean
	tar -C "$1" --exclude=./root/csmetrics --exclude=./home/newcomer/csmetrics \
		--exclude='./tmp/*' -cf "$2.part.$$" .
	mv "$2.part.$$" "$2"
}

# Sets BASE_TAR to <suite>-minbase.tar, debootstrap's minimal system with apt pointed at the
# archive, building it when it is not cached (under a lock: other checkouts share the cache).
base_tarball() {
	local suite=$1 script=()
	BASE_TAR=$MATRIX_DIR/$suite-minbase.tar
	exec 8>"$BASE_TAR.lock"
	flock 8
	if [ -f "$BASE_TAR" ] && { [ -z "${FRESH:-}" ] || [ -n "${REBUILT[$suite]:-}" ]; }; then
		exec 8>&-
		return
	fi
	REBUILT[$suite]=1
	unpack
	# debootstrap knows the released suites by name; newer ones are built like sid.
	[ -e "/usr/share/debootstrap/scripts/$suite" ] || script=(/usr/share/debootstrap/scripts/sid)
	say "debootstrap $suite (minbase) from $MIRROR"
	if ! debootstrap --variant=minbase "$suite" "$CHROOT" "$MIRROR" "${script[@]}" \
		>"$LOGS/debootstrap-$suite.log" 2>&1; then
		tail -n 20 "$LOGS/debootstrap-$suite.log" >&2
		die "debootstrap $suite failed (log: $LOGS/debootstrap-$suite.log)"
	fi
	# The release itself, without its -updates and -security suites: what it ships is what we
	# test, and a partial mirror of the archive need not carry every later update.
	echo "deb $MIRROR $suite main" > "$CHROOT/etc/apt/sources.list"
	# The Release files of testing are valid for a week only; an archive snapshot is older.
	echo 'Acquire::Check-Valid-Until "false";' > "$CHROOT/etc/apt/apt.conf.d/99check-valid-until"
	# No service starts inside a chroot (the packaged "main" cluster stays down).
	printf '#!/bin/sh\nexit 101\n' > "$CHROOT/usr/sbin/policy-rc.d"
	chmod 755 "$CHROOT/usr/sbin/policy-rc.d"
	tar -C "$CHROOT" -cf "$BASE_TAR.part.$$" . && mv "$BASE_TAR.part.$$" "$BASE_TAR"
	remove_chroot "$CHROOT"
	exec 8>&-
}

# Copy the checkout under test (tracked and untracked files, not ignored ones) to $1.
copy_checkout() {
	mkdir -p "$1"
	(cd "$SRC" && git ls-files -co --exclude-standard -z | xargs -0 -r ls -d 2>/dev/null | tar -cf - -T -) |
		tar -C "$1" -xf -
}

fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# Counts and version from a test run's output: "<passed> <failed> <version>" ("-" if missing).
parse_counts() {
	local counts version
	counts=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' "$1" | tail -n 1)
	version=$(sed -n 's/^csmetrics: using PostgreSQL \([^ ]*\) .*/\1/p' "$1" | tail -n 1)
	echo "${counts:-- -} ${version:--}"
}

# One entry of the matrix: the test command in a chroot of $suite.
run_suite() {
	local suite=$1 log=$LOGS/$1.log ready=$MATRIX_DIR/$1-ready.tar tar d start rc passed failed version note=
	start=$SECONDS
	if [ -f "$ready" ] && [ -z "${FRESH:-}" ]; then
		tar=$ready
	else
		base_tarball "$suite"
		tar=$BASE_TAR
		note=" (first run: installed the packages)"
	fi
	unpack "$tar"
	d=$CHROOT
	copy_checkout "$d/root/csmetrics"
	say "$suite: bash test/run-tests.sh ${TESTS:-} (log: $log)"
	set +e
	# COPT (extra compiler flags, e.g. -Werror) reaches the build inside.
	in_chroot "$d" /usr/bin/env COPT="${COPT:-}" /bin/bash -c 'cd /root/csmetrics && bash test/run-tests.sh $1' \
		sh "${TESTS:-}" >"$log" 2>&1
	rc=$?
	set -e
	read -r passed failed version < <(parse_counts "$log")
	rm -f "$LOGS/$suite.regression.diffs"
	[ -f "$d/root/csmetrics/regression.diffs" ] && cp "$d/root/csmetrics/regression.diffs" "$LOGS/$suite.regression.diffs"
	# Cache the system with its packages once the test command got as far as running tests.
	if [ "$tar" != "$ready" ] && grep -q 'csmetrics: using PostgreSQL' "$log"; then
		pack "$d" "$ready"
	fi
	remove_chroot "$d"
	if [ "$passed" = - ]; then
		result="did not finish (exit $rc): $( (grep 'csmetrics: ' "$log" || tail -n 1 "$log") | tail -n 1)"
	else
		result="$passed passed, $failed failed"
	fi
	printf 'PostgreSQL %-6s Debian %-9s %-36s %s%s\n' "$version" "$suite" "$result" \
		"$(fmt_time $((SECONDS - start)))" "$note" | tee -a "$LOGS/summary"
	[ "$rc" -eq 0 ]
}

# The README's first two commands (its first sh block), without their comments.
readme_commands() {
	awk '/^```sh/ { inblock = 1; next } inblock && /^```/ { exit } inblock' "$SRC/README.md" |
		sed 's/[[:space:]]*#.*//' | awk 'NF'
}

# The bare-machine check: Debian 12 minbase with git only, the README's two commands as
# written, as root, and as a normal user after the one command they print for root.
run_bare() {
	local gittar=$MATRIX_DIR/$BARE_SUITE-git.tar d start cmds rc ok=1 who passed failed version
	mapfile -t cmds < <(readme_commands)
	[ ${#cmds[@]} -eq 2 ] || die "the README's first sh block should hold two commands, found: ${cmds[*]}"
	if [ ! -f "$gittar" ] || [ -n "${FRESH:-}" ]; then
		base_tarball "$BARE_SUITE"
		unpack "$BASE_TAR"
		d=$CHROOT
		say "bare: adding git to $BARE_SUITE minbase"
		in_chroot "$d" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git' \
			>"$LOGS/bare-git.log" 2>&1 || die "installing git failed (log: $LOGS/bare-git.log)"
		pack "$d" "$gittar"
		remove_chroot "$d"
	fi
	for who in root newcomer; do
		local log=$LOGS/bare-$who.log home=/root result
		start=$SECONDS
		unpack "$gittar"
		d=$CHROOT
		: >"$log"
		if [ "$who" = newcomer ]; then
			home=/home/newcomer
			in_chroot "$d" useradd -m -s /bin/bash newcomer
		fi
		copy_checkout "$d$home/csmetrics"
		in_chroot "$d" chown -R "$who:" "$home/csmetrics"
		result=
		if [ "$who" = newcomer ]; then
			# As a normal user: the first command stops and prints the one command for root.
			local printed
			as_user "$d" "${cmds[0]}" >>"$log" 2>&1 && { result="the first command did not ask for packages"; ok=; }
			printed=$(sed -n 's/^    \(su -c .*\)$/\1/p' "$log" | head -n 1)
			if [ -z "$result" ] && [ -z "$printed" ]; then result="no install command printed"; ok=; fi
			if [ -z "$result" ]; then
				echo "### as root: $printed" >>"$log"
				in_chroot "$d" /bin/bash -c "$printed" >>"$log" 2>&1 || { result="the printed command failed: $printed"; ok=; }
			fi
		fi
		if [ -z "$result" ]; then
			local c
			# The first command is the demo, the second the tests (with their counts).
			local outcome=()
			for c in "${cmds[@]}"; do
				echo "### $who: $c" >>"$log"
				if [ "$who" = root ]; then
					in_chroot "$d" /bin/bash -c "cd /root/csmetrics && $c" >>"$log" 2>&1 && rc=0 || rc=$?
				else
					as_user "$d" "$c" >>"$log" 2>&1 && rc=0 || rc=$?
				fi
				if [ "$rc" -eq 0 ]; then outcome+=(ok); else outcome+=("exit $rc"); ok=; fi
			done
			read -r passed failed version < <(parse_counts "$log")
			result="demo ${outcome[0]}, tests $passed passed, $failed failed"
			if grep -q 'Permission denied' "$log"; then result="$result; prints \"Permission denied\""; ok=; fi
			# The root run installs the packages itself: it must show progress meanwhile.
			if [ "$who" = root ]; then
				result="$result; $(grep -c '^csmetrics:   \.\.\. ' "$log" || true) progress lines while installing"
			fi
		fi
		remove_chroot "$d"
		printf 'bare   %-9s Debian %-9s %-36s %s\n' "$who" "$BARE_SUITE" "$result" \
			"$(fmt_time $((SECONDS - start)))" | tee -a "$LOGS/summary"
	done
	[ -n "$ok" ]
}

# Run README command $2 as the normal user in chroot $1, from the checkout in their home.
as_user() {
	in_chroot "$1" runuser -u newcomer -- /usr/bin/env -i PATH="$CHROOT_PATH" HOME=/home/newcomer \
		LANG=C.UTF-8 TERM=dumb /bin/bash -c "cd ~/csmetrics && $2"
}

# The entries to run: majors, suite names, "bare", or "base:<suite>".
main() {
	local entries=("$@") e status=0
	[ ${#entries[@]} -gt 0 ] || entries=(13 15 17 18 bare)
	mkdir -p "$MATRIX_DIR" "$LOGS"
	: >"$LOGS/summary"
	need_host_tools

	say "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, checkout $SRC ($(git -C "$SRC" describe --always --dirty 2>/dev/null || echo '?'))"
	for e in "${entries[@]}"; do
		case $e in
			bare) run_bare || status=1 ;;
			base:*) base_tarball "${e#base:}" ;;
			[0-9]*) [ -n "${SUITE_OF[$e]:-}" ] || die "no Debian suite known for PostgreSQL $e (known: ${!SUITE_OF[*]})"
				run_suite "${SUITE_OF[$e]}" || status=1 ;;
			*) run_suite "$e" || status=1 ;;
		esac
	done
	return $status
}

# Everything above is read before anything runs: editing this file during a run is safe.
main "$@"; exit $?
