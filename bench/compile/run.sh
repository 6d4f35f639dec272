#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# usage: run.sh CBOXC TEMPLATES PLAN_BENCH WORKDIR SIZE...
# Prints, per size, the planner alone (in-memory spec) and a full compile
# (parse, plan, emit, peak RSS), then the growth factors.
set -u
cboxc=$1 templates=$2 planb=$3 work=$4
shift 4
mkdir -p "$work"
trap 'rm -rf "$work"/out-*' EXIT INT TERM
prev=""
for n in "$@"; do
	spec="$work/spec-$n.json"
	[ -f "$spec" ] || /usr/bin/python3 bench/compile/gen.py "$n" 10000 1000 "$spec"
	echo "== $n chains"
	"$planb" "$n" 10000 1000 | sed 's/^/  planner only: /'
	rm -rf "$work/out-$n"
	"$cboxc" compile "$spec" -o "$work/out-$n" --templates "$templates" --timings 2>&1 |
		sed 's/^/  full compile: /'
	rm -rf "$work/out-$n"
done
