#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Real programs on kheap through the LD_PRELOAD malloc: every C allocation
# function (preload_api.c), a Python script, sort of a large file, and a C
# compile. TAP on stdout.
# Usage: preload.sh LIBKHEAPMALLOC CC
set -u
preload=$(realpath "$1") cc=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failures=0

check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$work/log" 2>&1; then
		echo "ok $n - $name"
	else
		failures=$((failures + 1))
		echo "not ok $n - $name"
		sed 's/^/# /' "$work/log" | tail -n 20
	fi
}

on_kheap() {
	LD_PRELOAD=$preload "$@"
}

# The preloaded allocator must really be the one in use.
uses_kheap() {
	on_kheap python3 -c 'import ctypes
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
p = libc.malloc(24)
kheap = ctypes.CDLL("'"$preload"'")
kheap.kheap_usable_size.restype = ctypes.c_size_t
kheap.kheap_usable_size.argtypes = [ctypes.c_void_p]
assert kheap.kheap_usable_size(p) == 24, "malloc is not kheap"'
}

python_script() {
	on_kheap python3 - <<'PY'
import json, random
random.seed(7)
data = {str(i): [random.random() for _ in range(50)] for i in range(20000)}
text = json.dumps(data)
back = json.loads(text)
assert back == data
words = sorted(set(text.split(",")))
assert len(words) > 100000
print(len(text), len(words))
PY
}

sort_large_file() {
	python3 -c 'import random
random.seed(1)
with open("'"$work/in"'", "w") as f:
    for i in range(400000):
        f.write("%08x %s\n" % (random.getrandbits(32), "x" * random.randrange(80)))'
	on_kheap sort -S 64M "$work/in" >"$work/sorted.kheap" &&
		sort "$work/in" >"$work/sorted.glibc" &&
		cmp "$work/sorted.kheap" "$work/sorted.glibc"
}

c_compile() {
	cat >"$work/hello.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
	char *s = malloc(32);
	snprintf(s, 32, "compiled on kheap");
	puts(s);
	free(s);
	return 0;
}
C
	on_kheap "$cc" -O2 -Wall -o "$work/hello" "$work/hello.c" &&
		[ "$("$work/hello")" = "compiled on kheap" ]
}

c_api() {
	"$cc" -O2 -Wall -o "$work/preload_api" "$(dirname "$0")/preload_api.c" &&
		on_kheap "$work/preload_api"
}

echo "TAP version 13"
echo "1..5"
check "malloc is kheap's" uses_kheap
check "every C allocation function" c_api
check "python script" python_script
check "sort of a large file" sort_large_file
check "C compile with $cc" c_compile
[ $failures = 0 ]
