#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# usage: run.sh CBOXC TEMPLATES PLAN_BENCH WORKDIR CSV SIZE...
# Per size (chains): generates the spec (8 SFs a chain from 10k functions
# over 1k hosts), times the planner alone (in-memory spec), then a full
# compile (parse, plan, emit; peak RSS after each) and measures the bundle on
# disk. Prints a table and the growth factors between consecutive sizes, and
# writes every number to CSV. The bundles are deleted at the end, not between
# sizes: ext4 without a journal (as here) scans past recently deleted inodes
# when it allocates new ones, so deleting 35k files right before a compile
# would make the next emit pay for the previous one.
# BENCH_COMPILE_STRIP=1 compiles against copies of the templates stripped of
# DWARF (llvm-strip -g keeps BTF), to see what the emitter costs without it.
set -u
cboxc=$1 templates=$2 planb=$3 work=$4 csv=$5
shift 5
NF=${BENCH_COMPILE_FUNCTIONS:-10000}
NH=${BENCH_COMPILE_HOSTS:-1000}
mkdir -p "$work" "$(dirname "$csv")"
trap 'rm -rf "$work"/out-* "$work"/templates-stripped' EXIT INT TERM
rm -rf "$work"/out-*
if [ "${BENCH_COMPILE_STRIP:-0}" = 1 ]; then
	rm -rf "$work/templates-stripped"
	mkdir -p "$work/templates-stripped"
	cp "$templates"/*.bpf.o "$work/templates-stripped/"
	llvm-strip -g "$work"/templates-stripped/*.bpf.o || exit 1
	templates="$work/templates-stripped"
	echo "templates stripped of DWARF: $(du -cb "$templates"/*.bpf.o | tail -1 | cut -f1) bytes"
fi
tmp="$csv.tmp"
echo "chains,functions,hosts,spec_bytes,parse_s,plan_s,emit_s,total_s,plan_only_s,rss_parse_kib,rss_plan_kib,rss_peak_kib,boxes,rules,dlinks,bundle_bytes,bundle_files,cpu_parse_s,cpu_plan_s,cpu_emit_s" >"$tmp"
echo "disk before the run ($work):"
df -h "$work" | sed 's/^/  /'
fail=0
for n in "$@"; do
	spec="$work/spec-$n.json"
	[ -f "$spec" ] || /usr/bin/python3 bench/compile/gen.py "$n" "$NF" "$NH" "$spec" || exit 1
	out="$work/out-$n"
	# planner only: "chains N plan S s rules R dlinks D peak_rss KB"
	po=$("$planb" "$n" "$NF" "$NH") || { echo "plan_bench $n failed"; fail=1; continue; }
	pt=$(echo "$po" | awk '{ print $4 }')
	line=$("$cboxc" compile "$spec" -o "$out" --templates "$templates" --timings 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "== $n chains: cboxc compile exited $rc:"
		echo "$line" | head -5 | sed 's/^/  /'
		fail=1
		rm -rf "$out"
		continue
	fi
	bytes=$(du -sb "$out" | cut -f1)
	files=$(find "$out" -type f | wc -l)
	echo "$line" | grep '^timings:' | tr -d ',' | awk -v n="$n" -v nf="$NF" -v nh="$NH" \
		-v sb="$(stat -c %s "$spec")" -v pt="$pt" -v bytes="$bytes" -v files="$files" '
		{ for (i = 1; i <= NF; i++) if (!($i in v)) v[$i] = $(i + 1)
		  for (i = 1; i <= NF; i++) if ($i == "after") a[$(i + 1)] = $(i + 2)
		  printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n",
			n, nf, nh, sb, v["parse"], v["plan"], v["emit"], v["total"], pt,
			a["parse"], a["plan"], a["emit"], v["boxes"], v["rules"], v["dlinks"],
			bytes, files, v["cpu_parse"], v["cpu_plan"], v["cpu_emit"] }' >>"$tmp"
done
mv "$tmp" "$csv"
awk -F, '
NR == 1 { next }
{ n[NR] = $1; sb[NR] = $4; p[NR] = $5; pl[NR] = $6; e[NR] = $7; t[NR] = $8; po[NR] = $9
  rp[NR] = $10; rl[NR] = $11; rm[NR] = $12; bb[NR] = $16; bf[NR] = $17
  cp[NR] = $18; cl[NR] = $19; ce[NR] = $20; last = NR }
END {
	printf "\n%8s %8s %8s %8s %8s %8s %10s %22s %10s %7s\n", "chains", "spec MB",
		"parse s", "plan s", "emit s", "total s", "plan-only", "peak MiB parse/plan/all",
		"bundle MB", "files"
	for (i = 2; i <= last; i++)
		printf "%8d %8.1f %8.3f %8.3f %8.3f %8.3f %10.3f %8d/%5d/%7d %10.0f %7d\n",
			n[i], sb[i] / 1048576, p[i], pl[i], e[i], t[i], po[i],
			rp[i] / 1024, rl[i] / 1024, rm[i] / 1024, bb[i] / 1048576, bf[i]
	if (last > 2) {
		printf "\ngrowth (time and peak memory ratios; the input grows by the chain ratio):\n"
		printf "%12s %8s %8s %8s %8s %8s %10s %8s\n", "", "chains", "parse", "plan",
			"emit", "total", "plan-only", "peak"
	}
	for (i = 3; i <= last; i++)
		printf "%5d/%-6d %8.1f %8.2f %8.2f %8.2f %8.2f %10.2f %8.2f\n", n[i], n[i - 1],
			n[i] / n[i - 1], p[i] / p[i - 1], pl[i] / pl[i - 1], e[i] / e[i - 1],
			t[i] / t[i - 1], po[i] / po[i - 1], rm[i] / rm[i - 1]
	printf "\nCPU seconds (user + system; steadier than wall time on a busy machine):\n"
	printf "%8s %8s %8s %8s\n", "chains", "parse", "plan", "emit"
	for (i = 2; i <= last; i++)
		printf "%8d %8.3f %8.3f %8.3f\n", n[i], cp[i], cl[i], ce[i]
	for (i = 3; i <= last; i++)
		printf "%5d/%-6d ratio %6.2f %8.2f %8.2f\n", n[i], n[i - 1],
			cp[i] / (cp[i - 1] > 0 ? cp[i - 1] : 0.001),
			cl[i] / (cl[i - 1] > 0 ? cl[i - 1] : 0.001),
			ce[i] / (ce[i - 1] > 0 ? ce[i - 1] : 0.001)
}' "$csv"
echo "(written to $csv)"
exit $fail
