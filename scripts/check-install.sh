#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install` the way a packager runs it: from a fresh clone with an
# empty build folder, into a staging DESTDIR with PREFIX=/usr. Then prove
# what it did: it built the product and nothing of the test lane, never
# ran apt-get or scripts/setup.sh, put the module where kbuild's
# modules_install puts it and had depmod index it, installed the library
# with its soname and nothing but the kheap_* API exported, and the
# preload library; the library's file name, pkg-config's Version and the
# module's version all say KHEAP_VERSION; and a program built only from
# pkg-config's answer links and runs; every man page renders cleanly.
#
# The clone holds the working tree's tracked files as they are, committed
# or not (git stash create), so the check covers what make check tests.
#
# Usage: scripts/check-install.sh BUILD   (prints TAP; work and logs are
#   kept in BUILD/install-check)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mkdir -p "$1" && cd "$1" && pwd)/install-check
clone=$work/clone stage=$work/stage log=$work/install.log
trip=$work/tripwire
prefix=/usr
rm -rf "$work"
mkdir -p "$work" "$trip/bin"

n=0 failed=0
result() {
	n=$((n + 1))
	if [ "$1" = 1 ]; then
		echo "ok $n - install: $2"
	else
		echo "not ok $n - install: $2${3:+ # $3}"
		failed=1
	fi
}
# passes COMMAND...: 1 when it succeeds, its output in the log
passes() { "$@" >>"$log" 2>&1 && echo 1 || echo 0; }

echo "TAP version 13"
commit=$(git -C "$top" stash create 2>>"$log")
commit=${commit:-$(git -C "$top" rev-parse HEAD)}
echo "# from a clone of $commit (the working tree's tracked files)"
result "$(passes git clone -q --no-checkout "$top" "$clone")" "a fresh clone of the working tree"
result "$(passes git -C "$clone" checkout -q --detach "$commit")" "checks out $commit"

# Tripwires: apt-get anywhere on PATH, and the clone's own setup script.
# Either running during make install fails the check.
for tool in apt-get apt; do
	printf '#!/bin/sh\necho "%s $*" >>%s\nexit 1\n' "$tool" "$trip/ran" >"$trip/bin/$tool"
	chmod +x "$trip/bin/$tool"
done
printf '#!/bin/sh\necho "scripts/setup.sh $*" >>%s\nexit 1\n' "$trip/ran" >"$clone/scripts/setup.sh"

result "$(PATH=$trip/bin:$PATH passes make -s --no-print-directory -C "$clone" install \
	DESTDIR="$stage" PREFIX=$prefix)" "make install DESTDIR=... PREFIX=$prefix"
result "$([ ! -e "$trip/ran" ] && echo 1 || echo 0)" "make install ran neither apt-get nor scripts/setup.sh" \
	"$([ -e "$trip/ran" ] && tr '\n' ';' <"$trip/ran")"

# The product's build folders, and nothing else: no selftests, no static
# builds for the guest (vm/), no library tests, no kselftest extraction.
extra=$(cd "$clone/build" 2>/dev/null &&
	find . -mindepth 1 -maxdepth 2 \
		! -path ./kheap.ko ! -path ./kmod ! -path './kmod/*' \
		! -path ./lib ! -path './lib/*' ! -path ./tools-bin ! -path './tools-bin/*' \
		! -path ./libclient ! -path ./libclient/obj | sort | tr '\n' ' ')
result "$([ -d "$clone/build" ] && [ -z "$extra" ] && echo 1 || echo 0)" \
	"make install built the product and nothing else" "${extra:+also built: $extra}"

for file in $prefix/include/linux/kheap.h $prefix/include/linux/kheap_netlink.h \
	    $prefix/include/kheapclient.h $prefix/include/kheap.h $prefix/include/kheap_compat.h \
	    $prefix/include/kheapclient_new.hpp \
	    $prefix/lib/libkheapclient.so $prefix/lib/libkheapclient.a \
	    $prefix/lib/libkheapmalloc.so $prefix/lib/pkgconfig/kheapclient.pc \
	    $prefix/bin/kheapstat $prefix/share/man/man1/kheapstat.1 \
	    $prefix/bin/kheap-plot $prefix/share/man/man1/kheap-plot.1 \
	    $prefix/share/man/man3/kheap.3 $prefix/share/man/man4/kheap.4 \
	    /lib/udev/rules.d/60-kheap.rules; do
	result "$([ -e "$stage$file" ] && echo 1 || echo 0)" "installs $file"
done

# The module: where modules_install put it (extra/, compressed if the
# kernel says so), found by name through depmod's index.
release=$(ls "$stage/lib/modules" 2>/dev/null)
module=$(modinfo -b "$stage" -k "$release" -F filename kheap 2>>"$log")
case $module in
"$stage/lib/modules/$release/extra/kheap.ko"*) where=1 ;;
*) where=0 ;;
esac
result $where "modules_install put kheap.ko in lib/modules/${release:-?}/extra" "${module:-not found}"
result "$(passes grep -q "^extra/kheap\.ko[^:]*:" "$stage/lib/modules/$release/modules.dep")" \
	"depmod lists it in modules.dep"

# One release number everywhere.
# shellcheck disable=SC2016 # $(KHEAP_VERSION) is make's to expand
version=$(make -s --no-print-directory -C "$clone" \
	--eval 'kheap-version: ; @echo $(KHEAP_VERSION)' kheap-version 2>>"$log")
major=${version%%.*}
echo "# KHEAP_VERSION: ${version:-unknown}"
so=$stage$prefix/lib/libkheapclient.so.$version
result "$([ -n "$version" ] && [ -f "$so" ] && [ ! -L "$so" ] && echo 1 || echo 0)" \
	"installs $prefix/lib/libkheapclient.so.$version"
soname=$(readelf -d "$so" 2>>"$log" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
result "$([ "$soname" = "libkheapclient.so.$major" ] && echo 1 || echo 0)" \
	"its soname is libkheapclient.so.$major" "soname ${soname:-none}"
result "$([ "$(readlink -f "$stage$prefix/lib/$soname" 2>/dev/null)" = "$so" ] && echo 1 || echo 0)" \
	"$prefix/lib/libkheapclient.so.$major leads to it"
symbols=$(nm -D --defined-only "$so" 2>>"$log" | awk '{ print $NF }')
others=$(grep -v -e '^kheap_' -e '^$' <<<"$symbols" | tr '\n' ' ')
result "$([ -n "$symbols" ] && [ -z "$others" ] && echo 1 || echo 0)" \
	"it exports kheap_* only ($(grep -c . <<<"$symbols") symbols)" "${others:+also: $others}"
preload=$(nm -D --defined-only "$stage$prefix/lib/libkheapmalloc.so" 2>>"$log" | awk '{ print $NF }')
result "$(grep -qx malloc <<<"$preload" && grep -qx free <<<"$preload" && echo 1 || echo 0)" \
	"libkheapmalloc.so exports malloc and free"

pcdir=$stage$prefix/lib/pkgconfig
# pkg-config hides -I/usr/include and -L/usr/lib unless told: the stage
# needs them, prefixed with its root.
pkgconfig() {
	PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_LIBDIR='' \
		PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 \
		pkg-config "$@"
}
modversion=$(pkgconfig --modversion kheapclient 2>>"$log")
result "$([ -n "$version" ] && [ "$modversion" = "$version" ] && echo 1 || echo 0)" \
	"pkg-config --modversion kheapclient says $version" "it says ${modversion:-nothing}"
modver=$(modinfo -F version "$module" 2>>"$log")
result "$([ -n "$version" ] && [ "$modver" = "$version" ] && echo 1 || echo 0)" \
	"modinfo -F version of the installed kheap.ko says $version" "it says ${modver:-nothing}"

flags=$(pkgconfig --cflags --libs kheapclient 2>>"$log")
cat >"$work/uses_kheap.c" <<'PROGRAM'
#include <kheap.h>
#include <linux/kheap.h>

int main(void)
{
	char *p = kheap_malloc(KHEAP_ABI_VERSION * 100);

	kheap_free(p);
	return p == NULL;
}
PROGRAM
# shellcheck disable=SC2317 # called through passes
build_and_run() {
	# shellcheck disable=SC2086 # pkg-config answers with several words
	cc "$work/uses_kheap.c" $flags -o "$work/uses_kheap" &&
		LD_LIBRARY_PATH=$stage$prefix/lib KHEAP_BACKEND=anon "$work/uses_kheap"
}
result "$(passes build_and_run)" "a program built with pkg-config --cflags --libs kheapclient runs"

# Every installed page renders without a warning.
for page in "$stage$prefix"/share/man/man*/*; do
	result "$([ -z "$(groff -man -ww -z "$page" 2>&1)" ] && echo 1 || echo 0)" \
		"${page#"$stage"} renders without warnings (groff -ww)" \
		"$(groff -man -ww -z "$page" 2>&1 | head -n 1)"
done

[ $failed = 0 ] || tail -n 60 "$log" | sed 's/^/#   /'
echo "1..$n"
exit $failed
