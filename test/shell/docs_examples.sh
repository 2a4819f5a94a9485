#!/usr/bin/env bash
# Every SQL example of the README, DEVELOPING.md and docs/*.md runs, and prints exactly the
# output the page shows under it; every relative link leads to a file and heading that exist.
# The convention is described in DEVELOPING.md ("Examples that are tested"):
#   - a ```sql block is run; the ```output block right after it (only blank lines between) is
#     what psql -X -q prints for it: results, NOTICEs, errors with DETAIL, HINT and CONTEXT;
#     a ```sql block without an output block must print nothing;
#   - each page runs in one psql session on a new, empty database, blocks in page order;
#     <!-- example: new database --> before a block starts another session on another one;
#     <!-- example: not run --> before a block leaves it out;
#   - compared ignoring trailing spaces and trailing blank lines, with durations ("12.3 ms"),
#     PostgreSQL package names ("postgresql-15-cron") and the lines of an error's CONTEXT
#     masked: they vary between machines and PostgreSQL versions.
# On a difference it prints the page's diff, and writes the page with the real outputs to
# $RESULTS (results/ of the checkout after make test) to review and copy over.
#
# Run by make test (SRC is the copied checkout); by hand against any server with csmetrics
# installed: PGHOST=... PGPORT=... bash test/shell/docs_examples.sh [page.md ...]
set -euo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
RESULTS=${RESULTS:-$SRC/results}
# The examples must not depend on the reader's time zone unless they set it themselves, and
# psql computes column widths as a UTF-8 terminal does.
export PGTZ=America/Sao_Paulo PGCLIENTENCODING=UTF8 PGOPTIONS=
tmp=$(mktemp -d /tmp/docs_examples.XXXXXX)
dbs=()
roles() { psql -X -At -d postgres -c 'SELECT rolname FROM pg_roles ORDER BY 1'; }
roles_before=$(roles)
# Drops the databases of the examples, then the roles they created.
drop_leftovers() {
	local db role
	for db in "${dbs[@]}"; do dropdb --if-exists "$db" >/dev/null 2>&1 || true; done
	dbs=()
	for role in $(comm -13 <(echo "$roles_before") <(roles)); do
		psql -X -q -d postgres -c "DROP ROLE \"$role\"" >/dev/null 2>&1 || true
	done
}
cleanup() {
	drop_leftovers
	rm -rf "$tmp"
}
trap cleanup EXIT

cd "$SRC"
if [ $# -gt 0 ]; then pages=("$@"); else pages=(README.md DEVELOPING.md docs/*.md); fi

# Splits a page into psql scripts, one per session, and the claimed outputs. Writes
# $dir/sN.sql, $dir/eK.claim, $dir/examples ("K session sql_open sql_close out_open out_close",
# line numbers in the page, 0 when there is no output block) and $dir/errors.
extract() {
	awk -v page="$1" -v dir="$2" '
	function problem(msg) { print page ":" NR ": " msg >> (dir "/errors") }
	BEGIN { session = 1; state = "text"; n = 0; after_sql = 0 }
	state == "text" && /^<!-- example: new database -->[ \t]*$/ { if (in_use) session++; in_use = 0; next }
	state == "text" && /^<!-- example: not run -->[ \t]*$/ { skip = 1; next }
	state == "text" && /^<!-- example:/ { problem("unknown directive " $0); next }
	state == "text" && /^```/ {
		info = $0; sub(/^```[ \t]*/, "", info); sub(/[ \t]+$/, "", info)
		if (info == "sql" && !skip) {
			n++; in_use = 1; state = "sql"; last = ""
			ses[n] = session; sql_open[n] = NR; out_open[n] = 0; out_close[n] = 0
			script = dir "/s" session ".sql"
			print "\\echo @@docs-example " n "@@" >> script
		} else if (info == "output") {
			if (!after_sql) problem("an output block must follow a sql block")
			state = "output"; k = after_sql; out_open[k] = NR
			claim = dir "/e" k ".claim"; printf "" > claim
		} else {
			state = "other"
		}
		skip = 0; after_sql = 0
		next
	}
	state == "text" { if ($0 !~ /^[ \t]*$/) after_sql = 0; next }
	/^```[ \t]*$/ {
		if (state == "sql") {
			sql_close[n] = NR; after_sql = n
			if (last !~ /;[ \t]*(--.*)?$/ && last !~ /^[ \t]*\\/ && last !~ /\\g[a-z]*[ \t]*$/)
				problem("the sql block of line " sql_open[n] " does not end with a semicolon")
		} else if (state == "output" && k) {
			out_close[k] = NR; close(claim)
		}
		state = "text"; next
	}
	state == "sql" { print >> script; if ($0 !~ /^[ \t]*(--.*)?$/) last = $0; next }
	state == "output" && k { print >> claim; next }
	END {
		if (state != "text") problem("a fenced block is not closed")
		for (i = 1; i <= n; i++)
			print i, ses[i], sql_open[i], sql_close[i], out_open[i], out_close[i] > (dir "/examples")
	}' "$1"
}

# Without trailing spaces and trailing blank lines.
trim() {
	sed -e 's/[[:space:]]*$//' "$1" |
		awk '{ l[NR] = $0 } END { n = NR; while (n > 0 && l[n] == "") n--; for (i = 1; i <= n; i++) print l[i] }'
}

# What is compared: no trailing spaces, no trailing blank lines; durations and versioned
# package names masked; of an error's CONTEXT only that there is one (its lines name internal
# functions and line numbers, and PostgreSQL versions word them differently).
normalize() {
	trim "$1" | sed -e 's/[0-9][0-9]*\(\.[0-9][0-9]*\)\{0,1\} ms\b/<n> ms/g' \
		-e 's/postgresql-[0-9][0-9]*-/postgresql-<n>-/g' |
		awk '/^CONTEXT:  / { print "CONTEXT:  ..."; context = 1; next }
			context && /^(PL\/pgSQL |SQL statement |SQL function )/ { next }
			{ context = 0; print }'
}

# The page with the real outputs of the examples listed in $dir/differ.
rewrite() {
	local page=$1 dir=$2
	awk -v dir="$dir" '
	function emit_actual(k,   f, line) {
		f = dir "/e" k ".actual.clean"
		while ((getline line < f) > 0) print line
		close(f)
	}
	BEGIN {
		while ((getline line < (dir "/differ")) > 0) differ[line] = 1
		while ((getline line < (dir "/examples")) > 0) {
			split(line, f, " ")
			if (!(f[1] in differ)) continue
			empty = (system("test -s " dir "/e" f[1] ".actual.clean") != 0)
			if (f[5] > 0 && empty) { for (i = f[5]; i <= f[6]; i++) drop[i] = 1; if (f[5] == f[4] + 2) drop[f[4] + 1] = 1 }
			else if (f[5] > 0) { for (i = f[5] + 1; i < f[6]; i++) drop[i] = 1; fill_after[f[5]] = f[1] }
			else if (!empty) insert_after[f[4]] = f[1]
		}
	}
	{
		if (!(NR in drop)) print
		if (NR in fill_after) emit_actual(fill_after[NR])
		if (NR in insert_after) { print ""; print "```output"; emit_actual(insert_after[NR]); print "```" }
	}' "$page"
}

failed=0
differed=0
examples=0
links=0
for page in "${pages[@]}"; do
	dir=$tmp/$(echo "$page" | tr '/.' '__')
	mkdir -p "$dir"
	: > "$dir/errors"
	extract "$page" "$dir"
	if [ -s "$dir/errors" ]; then
		cat "$dir/errors"
		failed=1
		continue
	fi
	[ -s "$dir/examples" ] || continue
	# Run each session on a database of its own, then cut its output at the markers.
	for script in "$dir"/s*.sql; do
		s=$(basename "$script" .sql)
		db=docs_examples_$$_$s
		dbs+=("$db")
		createdb "$db"
		psql -X -q -d "$db" < "$script" > "$dir/$s.out" 2>&1 || true
		awk -v dir="$dir" '
			/^@@docs-example [0-9]+@@$/ { if (out) close(out); out = dir "/e" substr($2, 1, length($2) - 2) ".actual"; printf "" > out; next }
			{ if (out) print > out; else print "output before the first example: " $0 }' "$dir/$s.out"
	done
	drop_leftovers
	: > "$dir/differ"
	while read -r k session sql_open sql_close out_open out_close; do
		examples=$((examples + 1))
		[ -f "$dir/e$k.claim" ] || : > "$dir/e$k.claim"
		[ -f "$dir/e$k.actual" ] || : > "$dir/e$k.actual"
		trim "$dir/e$k.actual" > "$dir/e$k.actual.clean"
		if ! cmp -s <(normalize "$dir/e$k.claim") <(normalize "$dir/e$k.actual"); then
			echo "$k" >> "$dir/differ"
			if [ "$out_open" -gt 0 ]; then
				echo "$page:$sql_open: example $k prints something else than the output block on line $out_open shows"
			else
				echo "$page:$sql_open: example $k prints output that the page does not show"
			fi
		fi
	done < "$dir/examples"
	if [ -s "$dir/differ" ]; then
		failed=1
		differed=1
		mkdir -p "$(dirname "$RESULTS/$page")"
		rewrite "$page" "$dir" > "$RESULTS/$page"
		echo "--- the page as written (-) and with the real outputs (+):"
		diff -u --label "a/$page" --label "b/$page" "$page" "$RESULTS/$page" || true
		echo
	fi
done

# Relative links: the file exists, and a #heading is a heading of that page. GitHub numbers
# repeated headings (#errors-1); such anchors are not accepted: link to a page or to a
# heading whose text is unique in its page.
while IFS='|' read -r page line target anchor; do
	links=$((links + 1))
	base=$(dirname "$page")
	file=$page
	[ -z "$target" ] || file=$(realpath -m --relative-to=. "$base/$target")
	if [ ! -e "$file" ]; then
		echo "$page:$line: link to $target: no such file"; failed=1; continue
	fi
	if [ -n "$anchor" ] && ! awk -v want="$anchor" '
		/^```/ { fence = !fence; next }
		!fence && /^#+[ \t]/ {
			h = tolower($0); sub(/^#+[ \t]+/, "", h); sub(/[ \t]+$/, "", h)
			gsub(/[^a-z0-9 _-]/, "", h); gsub(/ /, "-", h)
			if (h == want) found = 1
		}
		END { exit !found }' "$file"; then
		echo "$page:$line: link to ${target}#$anchor: no heading with that anchor in $file"; failed=1
	fi
done < <(awk '
	FNR == 1 { fence = 0 }
	/^```/ { fence = !fence; next }
	fence { next }
	{
		s = $0
		while (match(s, /\]\([^)]+\)/)) {
			link = substr(s, RSTART + 2, RLENGTH - 3); s = substr(s, RSTART + RLENGTH)
			if (link ~ /^[a-z]+:/) continue
			anchor = ""; i = index(link, "#")
			if (i) { anchor = substr(link, i + 1); link = substr(link, 1, i - 1) }
			print FILENAME "|" FNR "|" link "|" anchor
		}
	}' "${pages[@]}")

if [ "$differed" -ne 0 ]; then
	echo "The pages with the real outputs are written to $RESULTS (results/ of the checkout after"
	echo "make test): review them (diff -u docs/x.md results/docs/x.md) and copy them over when the"
	echo "new output is right."
fi
[ "$failed" -eq 0 ] || exit 1
echo "ok: $examples examples and $links links in ${#pages[@]} pages"
