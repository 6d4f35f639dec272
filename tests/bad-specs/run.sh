#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Runs `cboxc check` on every broken spec here: each must exit 1 (never crash,
# hang or leak) and print every line of NAME.expect (an ERE, matched against
# stderr). Specs too big or too deep to commit are made here. Give it an
# ASan/UBSan build (make test-bad-specs does), or set CBOX_VALGRIND=1 to run
# a plain build under valgrind; sanitizer and valgrind reports exit 97-99.
set -u
CBOXC=$(realpath "${1:-build/cboxc}")
cd "$(dirname "$0")"
TMP=$(mktemp -d /tmp/cbox-bad-specs.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM

VG=""
if [ "${CBOX_VALGRIND:-0}" = 1 ]; then
	VG="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"
fi
export ASAN_OPTIONS=detect_leaks=1:exitcode=99:abort_on_error=0
export UBSAN_OPTIONS=exitcode=98:print_stacktrace=1

# generated cases: name, content maker, expected ERE
python3 - "$TMP" <<'PY'
import sys, os
d = sys.argv[1]
def w(name, data, expect):
    open(os.path.join(d, name), 'wb').write(data)
    open(os.path.join(d, name + '.expect'), 'w').write(expect + '\n')
# 10000 levels; the 65th opening bracket is one level too deep
w('deep-10000.json', b'[' * 10000 + b']' * 10000,
  '^deep-10000.json:1:65: error: /: nesting deeper than 64 levels')
w('deep-10000-objects.json', b'{"a":' * 10000 + b'1' + b'}' * 10000,
  '^deep-10000-objects.json:1:321: error: /: nesting deeper than 64 levels')
w('deep-10000.yaml', b'[' * 10000 + b']' * 10000 + b'\n',
  '^deep-10000.yaml:1:65: error: /: nesting deeper than 64 levels')
# 50 MB: refused by size before it is read
with open(os.path.join(d, 'huge-50mb.json'), 'wb') as f:
    f.write(b'{"chains": [], "functions": [')
    item = b'{"tag": "sf", "type": "t", "host": "h"},\n'
    f.write(item * (50 * 1024 * 1024 // len(item)))
    f.write(b'{"tag": "sf", "type": "t", "host": "h"}]}\n')
size = os.path.getsize(os.path.join(d, 'huge-50mb.json'))
open(os.path.join(d, 'huge-50mb.json.expect'), 'w').write(
    '^huge-50mb.json:1:1: error: /: file is %d bytes, over the 32 MiB limit\n' % size)
# 8 MB of tiny values: under the byte limit, over the 4000000-value limit,
# which bounds the tree's memory; the 4000001st value (the array is the
# first) is the zero at column 2 * 4000000
w('too-many-values.json', b'[' + b'0,' * 4000000 + b'0]',
  '^too-many-values.json:1:8000000: error: /: document has more than 4000000 values')
PY
cp ./*.expect "$TMP"/
for f in *; do
	case "$f" in *.expect|run.sh|README.md) ;; *) cp "$f" "$TMP/" ;; esac
done

check_one() {
	name=$1
	out="$TMP/$name.out"
	# the file name alone appears in messages: run from the corpus dir
	(cd "$TMP" && timeout 60 $VG "$CBOXC" check "$name") >"$out.stdout" 2>"$out"
	rc=$?
	fail=""
	[ $rc -eq 1 ] || fail="exit $rc (want 1)"
	while IFS= read -r re; do
		[ -z "$re" ] && continue
		grep -Eq -- "$re" "$out" || fail="$fail; no line matches: $re"
	done <"$TMP/$name.expect"
	if [ -n "$fail" ]; then
		echo "FAIL $name: $fail"
		sed 's/^/    | /' "$out" | head -5
		return 1
	fi
	echo "ok   $name: $(head -1 "$out" | cut -c1-110)"
}

n=0
failed=0
for e in "$TMP"/*.expect; do
	name=$(basename "$e" .expect)
	[ -e "$TMP/$name" ] || { echo "FAIL $name: expect without spec"; failed=$((failed+1)); continue; }
	n=$((n + 1))
	check_one "$name" || failed=$((failed + 1))
done
echo "bad specs: $n checked, $((n - failed)) passed, $failed failed${VG:+ (under valgrind)}"
nm "$CBOXC" 2>/dev/null | grep -q __asan_init && echo "(cboxc built with ASan+UBSan, leak detection on)"
[ $failed -eq 0 ] && [ $n -ge 40 ]
