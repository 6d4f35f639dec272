#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test-examples: every example must pass `cboxc check`, and every YAML or
# TOSCA twin must normalize to exactly the model of its JSON original.
set -u
CBOXC=$(realpath "${1:-build/cboxc}")
cd "$(dirname "$0")"
TMP=$(mktemp -d /tmp/cbox-examples.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM
fail=0
n=0
for f in *.json *.yaml; do
	n=$((n + 1))
	if "$CBOXC" check "$f" >"$TMP/out" 2>&1; then
		echo "ok   $(cat "$TMP/out")"
	else
		echo "FAIL $f:"; sed 's/^/    | /' "$TMP/out"; fail=$((fail + 1))
	fi
done
for twin in thesis-a1.yaml fig5-10.yaml fig5-10-tosca.yaml rich.yaml rich-tosca.yaml; do
	orig=$(echo "$twin" | sed 's/-tosca//; s/\.yaml$/.json/')
	"$CBOXC" dump "$orig" -j >"$TMP/a.json" 2>&1
	"$CBOXC" dump "$twin" -j >"$TMP/b.json" 2>&1
	if cmp -s "$TMP/a.json" "$TMP/b.json" && [ -s "$TMP/a.json" ]; then
		echo "ok   $twin normalizes to the same model as $orig"
	else
		echo "FAIL $twin differs from $orig:"
		diff -u "$TMP/a.json" "$TMP/b.json" | head -20; fail=$((fail + 1))
	fi
done
echo "examples: $n checked, $fail failures"
[ $fail -eq 0 ]
