#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# valgrind-golden.sh CBOXC TEMPLATES_DIR
# Runs cboxc check, compile and graph on every golden case's spec(s) under
# valgrind (memcheck, full leak check). Exit codes must be what the golden
# case expects (0, or 1 for a case with expected/stderr), and valgrind must
# report nothing: any error or definite/indirect leak fails the case.
set -u
cboxc=$(readlink -f "$1")
templates=$(readlink -f "$2")
work=$(mktemp -d /tmp/cbh-vg.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
command -v valgrind >/dev/null || { echo "valgrind-golden: valgrind is not installed" >&2; exit 1; }
VG="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"
n=0
failed=0
for dir in tests/golden/*/; do
	case=$(basename "$dir")
	want=0
	[ -f "$dir/expected/stderr" ] && want=1
	for spec in "$dir"spec.json "$dir"spec.yaml "$dir"spec.tosca.yaml; do
		[ -f "$spec" ] || continue
		s=$(basename "$spec")
		for cmd in check compile graph; do
			n=$((n + 1))
			case $cmd in
			check) set -- check "$s" ;;
			compile) set -- compile "$s" -o "$work/$case-$s" --templates "$templates" ;;
			graph) set -- graph "$s" -o "$work/$case-$s.dot" ;;
			esac
			(cd "$dir" && $VG "$cboxc" "$@") >"$work/out" 2>&1
			rc=$?
			# check does not plan: a planner-level error still passes it
			w=$want
			[ "$cmd" = check ] && [ "$rc" = 0 ] && w=0
			if [ "$rc" != "$w" ]; then
				echo "FAIL $case/$s: cboxc $cmd exited $rc (want $w)"
				sed 's/^/    /' "$work/out" | head -40
				failed=$((failed + 1))
			fi
		done
	done
done
echo "valgrind-golden: $n runs, $((n - failed)) clean, $failed failed"
[ "$failed" -eq 0 ]
