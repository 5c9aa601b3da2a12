#!/usr/bin/env bash
# install_test.sh: libddbstreams installs as a consumer uses it: `cmake --install` of the
# build into a fresh prefix, then a program that includes <dds.h> is compiled and linked with
# nothing but `pkg-config --cflags --libs ddbstreams` and run against the installed shared
# library (whose SONAME carries the version and which exports dds.h's names alone).
# Usage: tests/install_test.sh BUILD_DIR CC [EXTRA_CFLAGS...]   (ctest passes them)
set -euo pipefail
build=$1
cc=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "install_test: $*" >&2
  exit 1
}

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }
pcdir=$(dirname "$(find "$tmp/prefix" -name ddbstreams.pc | head -1)")
[[ -f $pcdir/ddbstreams.pc ]] || fail "no ddbstreams.pc installed"
export PKG_CONFIG_PATH=$pcdir
[[ $(pkg-config --modversion ddbstreams) =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  fail "pkg-config does not know ddbstreams' version"
[[ -f $tmp/prefix/include/dds.h ]] || fail "dds.h not installed into include/"

cat >"$tmp/hello.c" <<'C'
#include <dds.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    printf("%s %s\n", dds_code_name(DDS_EGAP), dds_code_name(DDS_OK));
    return strcmp(dds_code_name(DDS_ELEASE_LOST), "DDS_ELEASE_LOST") != 0;
}
C
# shellcheck disable=SC2046 # pkg-config's output is words
"$cc" "$@" -o "$tmp/hello" "$tmp/hello.c" $(pkg-config --cflags --libs ddbstreams) ||
  fail "a program does not compile and link with pkg-config's flags"
lib=$(pkg-config --variable=libdir ddbstreams)
out=$(LD_LIBRARY_PATH=$lib "$tmp/hello") || fail "the program failed"
[[ $out == "DDS_EGAP DDS_OK" ]] || fail "the program printed '$out'"
ldd_out=$(LD_LIBRARY_PATH=$lib ldd "$tmp/hello")
grep -q "libddbstreams.so.[0-9]*\.[0-9]* => $lib" <<<"$ldd_out" ||
  fail "the program does not load the installed library by its SONAME: $ldd_out"
# the library's internals (dds__*) and query/'s names stay inside it
extra=$(nm -D --defined-only "$lib"/libddbstreams.so | awk '{print $3}' | grep -v '^dds_[a-z]' || true)
[[ -z $extra ]] || fail "libddbstreams.so exports more than dds.h: $extra"
echo "install_test: installed, linked with pkg-config and ran: $out"
