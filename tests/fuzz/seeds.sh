#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Fills DIR with the seed corpus: every spec in examples/, tests/bad-specs/
# and tests/golden/*/ (not the expected-output files), flattened to unique
# names. Files over 1 MB are left out (libFuzzer's -max_len would cut them).
set -e
dir=$1
[ -n "$dir" ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$dir"
for f in examples/* tests/bad-specs/* tests/golden/*/spec.* tests/e2e/specs/*; do
	[ -f "$f" ] || continue
	case "$f" in
	*.expect|*.md|*.sh|*.txt|*.dot) continue ;;
	esac
	[ "$(wc -c < "$f")" -le 1048576 ] || continue
	cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
done
