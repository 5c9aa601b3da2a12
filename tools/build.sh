#!/usr/bin/env bash
# build.sh: configures and builds ddb into a build directory; fails when the
# build fails (warnings are errors).
# Usage: tools/build.sh [BUILD_DIR [extra cmake args...]]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
if [[ ! -f $dir/CMakeCache.txt ]]; then
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
fi
log=$(mktemp)
if ! cmake --build "$dir" -j"$(nproc)" >"$log" 2>&1; then
  grep -vE '^\[ *[0-9]+%\]' "$log" >&2 || true
  rm -f "$log"
  echo "build.sh: the build in $dir failed" >&2
  exit 1
fi
rm -f "$log"
test -x "$dir/ddbd"
