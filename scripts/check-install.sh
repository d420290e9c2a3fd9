#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install` into a staging folder, then prove the staged copy is
# usable the way a packager and a programmer use it: every file where it
# belongs, and a program built only from pkg-config's answer links and runs.
#
# Usage: scripts/check-install.sh BUILD   (prints TAP)
set -uo pipefail

build=$1
stage=$(cd "$build" && pwd)/install-check
prefix=/usr
rm -rf "$stage"

n=0 failed=0
result() {
	n=$((n + 1))
	if [ "$1" = 1 ]; then
		echo "ok $n - install: $2"
	else
		echo "not ok $n - install: $2"
		failed=1
	fi
}

echo "TAP version 13"
make -s --no-print-directory install DESTDIR="$stage" PREFIX=$prefix >"$stage.log" 2>&1
result "$([ $? = 0 ] && echo 1 || echo 0)" "make install DESTDIR=... PREFIX=$prefix"

for file in 'lib/modules/*/extra/kheap.ko*' \
	    $prefix/include/linux/kheap.h $prefix/include/kheap.h \
	    $prefix/lib/libkheapclient.so.1 $prefix/lib/libkheapclient.a \
	    $prefix/lib/libkheapmalloc.so \
	    $prefix/lib/pkgconfig/kheapclient.pc $prefix/bin/kheapstat \
	    $prefix/share/man/man1/kheapstat.1 lib/udev/rules.d/60-kheap.rules; do
	# shellcheck disable=SC2086 # the glob stands for the kernel release
	result "$(ls $stage/$file >/dev/null 2>&1 && echo 1 || echo 0)" "installs $file"
done

pcdir=$stage$prefix/lib/pkgconfig
# pkg-config hides -I/usr/include and -L/usr/lib unless told: the stage
# needs them, prefixed with its root.
flags=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$stage \
	PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 pkg-config --cflags --libs kheapclient)
cat >"$stage/uses_kheap.c" <<'PROGRAM'
#include <kheap.h>
#include <linux/kheap.h>

int main(void)
{
	char *p = kheap_malloc(KHEAP_ABI_VERSION * 100);

	kheap_free(p);
	return p == NULL;
}
PROGRAM
# shellcheck disable=SC2086 # pkg-config answers with several words
cc "$stage/uses_kheap.c" $flags -o "$stage/uses_kheap" >>"$stage.log" 2>&1 &&
	LD_LIBRARY_PATH=$stage$prefix/lib KHEAP_BACKEND=anon "$stage/uses_kheap"
result "$([ $? = 0 ] && echo 1 || echo 0)" "a program built with pkg-config --cflags --libs kheapclient runs"

[ $failed = 0 ] || sed 's/^/#   /' "$stage.log"
echo "1..$n"
exit $failed
