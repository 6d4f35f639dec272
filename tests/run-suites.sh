#!/bin/sh
# Runs each test suite (a make target) in turn, keeps going past a failure,
# and ends with one summary line that CI reads: "N passed, N failed".
passed=0
failed=0
failures=""
for suite in "$@"; do
	printf '\n=== %s ===\n' "$suite"
	if ${MAKE:-make} --no-print-directory "$suite"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $suite"
	fi
done
printf '\n'
[ -n "$failures" ] && printf 'failed suites:%s\n' "$failures"
printf 'suites: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
