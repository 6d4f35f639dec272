#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# replay.sh regressions|known-bugs TARGET...
# Replays the seed corpus and tests/fuzz/<set>/<target>/ through each
# target's ASan+UBSan build (no libFuzzer). Any sanitizer finding, abort,
# or an input running over 10 s fails the suite.
set -u
set_name=$1
shift
: "${FUZZ_DIR:=build/fuzz}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
tests/fuzz/seeds.sh "$seeds"
rc=0
for t in "$@"; do
	dirs="tests/fuzz/$set_name/$t"
	[ "$set_name" = regressions ] && dirs="$seeds $dirs"
	n=0
	fail=0
	for d in $dirs; do
		[ -d "$d" ] || continue
		for f in "$d"/*; do
			[ -f "$f" ] || continue
			n=$((n + 1))
			if ! timeout 10 "$FUZZ_DIR/replay_$t" "$f" >/dev/null 2>"$seeds.err"; then
				echo "FAIL $t: $f" >&2
				tail -30 "$seeds.err" >&2
				fail=$((fail + 1))
			fi
		done
	done
	rm -f "$seeds.err"
	echo "fuzz-$set_name $t: $n inputs, $fail failed"
	[ "$fail" -eq 0 ] || rc=1
done
exit $rc
