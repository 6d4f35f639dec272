#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Golden tests of cboxc. For every case directory tests/golden/<case>/:
#   spec.json | spec.yaml | spec.tosca.yaml   the input (the first found is
#                                            the primary; the others are
#                                            twins that must give the very
#                                            same bundle, byte for byte)
#   expected/<host>/...   manifest.json (object hashes masked), rules.txt,
#                         seeds; expected/graph.dot
#   expected/stderr       instead: compile must fail with exit 1 and print
#                         exactly this
#   thesis-table.txt      optional: rows "box (SPI,SI) next flags" written
#                         by hand from the thesis; rules.txt must match them
# Each spec is compiled twice; the two trees must be identical (objects
# included), and every sha256 in every manifest must match its file.
# usage: run.sh [--update] CBOXC TEMPLATES_DIR
set -u
update=0
if [ "${1:-}" = "--update" ]; then
	update=1
	shift
fi
cboxc=$(readlink -f "$1")
templates=$(readlink -f "$2")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/cbox-golden.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

failed=0
passed=0
fail() {
	echo "FAIL $case: $*"
	failed=$((failed + 1))
	ok=0
}

# Masks the sha256 of BPF objects so that a template change does not churn
# every golden file; seeds and rules.txt keep theirs.
mask() {
	sed -E '/\.bpf\.o":/s/"[0-9a-f]{64}"/"<sha256 of object>"/' "$1"
}

# The comparable text of a bundle tree: what expected/ holds.
textify() { # SRC DST
	(cd "$1" && find . -type f ! -name '*.bpf.o' ! -name .cboxc-output | sort) |
	while read -r f; do
		mkdir -p "$2/$(dirname "$f")"
		case "$f" in
		*/manifest.json) mask "$1/$f" >"$2/$f" ;;
		*) cp "$1/$f" "$2/$f" ;;
		esac
	done
	# object files are listed (names only) so a missing or extra one shows
	(cd "$1" && find . -name '*.bpf.o' | sort) >"$2/objects.txt"
}

# Checks every "path": "sha" of each manifest with sha256sum.
check_hashes() { # TREE
	for m in "$1"/*/manifest.json; do
		[ -f "$m" ] || continue
		d=$(dirname "$m")
		/usr/bin/python3 - "$m" <<'EOF' >"$work/sums" || return 1
import json, sys
for path, sha in sorted(json.load(open(sys.argv[1]))["files"].items()):
    print(f"{sha}  {path}")
EOF
		(cd "$d" && sha256sum -c --quiet "$work/sums") || return 1
		# and nothing but the manifest is unlisted
		n_listed=$(wc -l <"$work/sums")
		n_files=$(cd "$d" && find . -type f ! -name manifest.json | wc -l)
		[ "$n_listed" -eq "$n_files" ] || return 1
	done
}

# rules.txt rows in the thesis table's form: box (SPI,SI) next flags
thesis_rows() { # TREE
	cat "$1"/*/rules.txt | awk '
		/^[^ #].* \(box [0-9]+, type / { box = $1; next }
		/^  \([0-9]+,[0-9]+\)/ {
			if ($2 == "ZERO") print box, $1, "ZERO", $3
			else print box, $1, $2, "MAC", $NF
		}' | sort
}

for dir in "$here"/*/; do
	case=$(basename "$dir")
	specs=""
	for s in spec.json spec.yaml spec.tosca.yaml; do
		[ -f "$dir/$s" ] && specs="$specs $s"
	done
	[ -n "$specs" ] || continue
	ok=1
	primary=""
	for s in $specs; do
		out1="$work/$case/$s/1"
		out2="$work/$case/$s/2"
		mkdir -p "$work/$case/$s"
		# the spec path is relative so that messages are stable
		(cd "$dir" && "$cboxc" compile "$s" -o "$out1" --templates "$templates") \
			>"$work/$case/$s/stdout" 2>"$work/$case/$s/stderr"
		rc=$?
		if [ -f "$dir/expected/stderr" ] || { [ $update = 1 ] && [ $rc = 1 ]; }; then
			if [ $update = 1 ] && [ -z "$primary" ]; then
				rm -rf "$dir/expected"
				mkdir -p "$dir/expected"
				cp "$work/$case/$s/stderr" "$dir/expected/stderr"
			fi
			primary=$s
			[ $rc = 1 ] || fail "$s: exit $rc, expected 1"
			[ -e "$out1" ] && fail "$s: a failed compile created OUTDIR"
			diff -u "$dir/expected/stderr" "$work/$case/$s/stderr" ||
				fail "$s: stderr differs"
			continue
		fi
		if [ $rc != 0 ]; then
			fail "$s: exit $rc"
			cat "$work/$case/$s/stderr"
			continue
		fi
		(cd "$dir" && "$cboxc" compile "$s" -o "$out2" --templates "$templates") ||
			{ fail "$s: second compile failed"; continue; }
		diff -r "$out1" "$out2" >/dev/null ||
			fail "$s: two compiles differ: $(diff -rq "$out1" "$out2" | head -3)"
		check_hashes "$out1" || fail "$s: a manifest sha256 does not match its file"
		(cd "$dir" && "$cboxc" graph "$s" -o "$work/$case/$s/graph.dot") ||
			fail "$s: graph failed"
		if command -v dot >/dev/null 2>&1; then
			dot -Tsvg "$work/$case/$s/graph.dot" >/dev/null ||
				fail "$s: graphviz rejects graph.dot"
		fi
		if [ -z "$primary" ]; then
			primary=$s
			textify "$out1" "$work/$case/text"
			cp "$work/$case/$s/graph.dot" "$work/$case/text/graph.dot"
			if [ $update = 1 ]; then
				rm -rf "$dir/expected"
				cp -r "$work/$case/text" "$dir/expected"
			fi
			diff -ru "$dir/expected" "$work/$case/text" ||
				fail "$s: output differs from expected/"
		else
			# a twin: the very same bundle as the primary input
			diff -r "$work/$case/$primary/1" "$out1" >/dev/null ||
				fail "$s: bundle differs from $primary's: $(diff -rq "$work/$case/$primary/1" "$out1" | head -3)"
			cmp -s "$work/$case/$primary/graph.dot" "$work/$case/$s/graph.dot" ||
				fail "$s: graph differs from $primary's"
		fi
		if [ -f "$dir/thesis-table.txt" ]; then
			thesis_rows "$out1" >"$work/$case/$s/rows"
			grep -v '^#' "$dir/thesis-table.txt" | sort |
				diff -u - "$work/$case/$s/rows" ||
				fail "$s: rules.txt differs from the thesis table"
		fi
	done
	[ $ok = 1 ] && { passed=$((passed + 1)); echo "ok   $case ($specs )"; }
done
echo "golden: $passed passed, $failed failed"
[ $failed = 0 ] && [ $passed -gt 0 ]
