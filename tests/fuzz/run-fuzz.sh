#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# run-fuzz.sh TARGET...   (FUZZ_DIR, FUZZ_SECONDS from the environment)
# Runs each libFuzzer target, one at a time, for FUZZ_SECONDS in all, from
# its corpus ($FUZZ_DIR/corpus/<target>, kept between runs) plus the seeds.
# A crash, leak, timeout or OOM ends that target's run and is copied to
# tests/fuzz/regressions/<target>/ (move it to tests/fuzz/known-bugs/ until
# the bug is fixed). Prints executions and coverage (cov/ft) per target.
set -u
: "${FUZZ_DIR:=build/fuzz}"
: "${FUZZ_SECONDS:=60}"
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
seeds=$FUZZ_DIR/seeds
rm -rf "$seeds"
tests/fuzz/seeds.sh "$seeds"
summary=""
found=0
for t in "$@"; do
	corpus=$FUZZ_DIR/corpus/$t
	art=$FUZZ_DIR/artifacts/$t
	reg=tests/fuzz/regressions/$t
	log=$FUZZ_DIR/fuzz-$t.log
	mkdir -p "$corpus" "$art" "$reg"
	: > "$log"
	# one run: a finding stops this target (the input is kept below);
	# regressions are not fed back in, or a known crash would end every run
	"$FUZZ_DIR/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
		-rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$art/" "$corpus" "$seeds" >"$log" 2>&1
	execs=$(grep 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
	for a in "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*; do
		[ -f "$a" ] || continue
		cp "$a" "$reg/"
		echo "fuzz $t: finding $(basename "$a") -> $reg/" >&2
		found=$((found + 1))
		rm -f "$a"
	done
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(ls "$corpus" | wc -l)
	secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{print $5}')
	line=$(printf 'fuzz %-7s %6ss  execs %-10s cov %-6s ft %-6s corpus %s' \
		"$t" "${secs:-$FUZZ_SECONDS}" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corp")
	echo "$line"
	summary="$summary$line\n"
done
printf '\n%b' "$summary"
if [ "$found" -gt 0 ]; then
	echo "fuzz: $found finding(s) copied to tests/fuzz/regressions/: commit them as regression cases" >&2
	exit 1
fi
