#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Real programs on kheap through the LD_PRELOAD malloc: every C allocation
# function (preload_api.c), a Python script, sort of a large file, a C
# compile, and unmodified C++ programs: one using new and delete of every
# form, one releasing new[] memory with delete, which must be reported.
# TAP on stdout.
# Usage: preload.sh LIBKHEAPMALLOC CC [CXX]
set -u
preload=$(realpath "$1") cc=$2 cxx=${3:-g++}
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

# Every form of new and delete, std::bad_alloc thrown through the
# preloaded operator new and caught, and a C++ compile on kheap.
cxx_new_delete() {
	cat >"$work/forms.cc" <<'CXX'
#include <cstdio>
#include <map>
#include <new>
#include <string>
#include <vector>

struct alignas(256) Wide { char c[256]; };
char *volatile keep;

int main(int argc, char **)
{
	std::map<std::string, std::vector<int>> m;
	long sum = 0;

	for (int i = 0; i < 20000; i++)
		m[std::to_string(i % 997)].push_back(i);
	for (auto &kv : m)
		for (int v : kv.second)
			sum += v;
	Wide *w = new Wide;
	Wide *ws = new Wide[3];
	if ((reinterpret_cast<unsigned long>(w) | reinterpret_cast<unsigned long>(ws)) % 256)
		return 1;
	delete w;
	delete[] ws;
	delete new (std::nothrow) int;
	try {
		keep = new char[(static_cast<size_t>(1) << 60) * argc];
		return 2;
	} catch (std::bad_alloc &) {
	}
	if (new (std::nothrow) char[(static_cast<size_t>(1) << 60) * argc] != nullptr)
		return 3;
	std::printf("%ld\n", sum);
	return 0;
}
CXX
	on_kheap "$cxx" -O2 -std=gnu++17 -o "$work/forms" "$work/forms.cc" &&
		[ "$(on_kheap "$work/forms")" = 199990000 ]
}

# new[] released by delete, in a program that knows nothing of kheap.
cxx_mismatch() {
	cat >"$work/mismatch.cc" <<'CXX'
#include <cstdio>

int *volatile keep;

int main()
{
	keep = new int[10];
	std::printf("kheap: mismatched free of %p (size 40, allocated by new[], released by delete)\n",
		    static_cast<void *>(keep));
	std::fflush(stdout);
	delete keep;
	return 0;
}
CXX
	local status
	"$cxx" -O2 -Wno-mismatched-new-delete -o "$work/mismatch" "$work/mismatch.cc" || return 1
	# The shell's own "Aborted" goes to the substitution's stderr.
	status=$({ on_kheap "$work/mismatch" >"$work/expected" 2>"$work/got"
		   echo $?; } 2>/dev/null)
	echo "exit status $status; expected: $(cat "$work/expected"); got: $(cat "$work/got")"
	[ "$status" = 134 ] && diff "$work/expected" "$work/got"
}

echo "TAP version 13"
echo "1..7"
check "malloc is kheap's" uses_kheap
check "every C allocation function" c_api
check "python script" python_script
check "sort of a large file" sort_large_file
check "C compile with $cc" c_compile
check "C++: every form of new and delete, bad_alloc, compiled by $cxx on kheap" cxx_new_delete
check "C++: new[] released by delete is reported" cxx_mismatch
[ $failures = 0 ]
