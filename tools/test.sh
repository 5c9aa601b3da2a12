#!/usr/bin/env bash
# test.sh: installs what is missing, builds, and runs every test: the C unit
# tests (ctest), the boto3 protocol tests (pytest) and the AWS SDK for
# JavaScript v3 tests (node --test), all against a real ddbd.
# DDB_SANITIZE=1 builds with AddressSanitizer + UBSan into build-asan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh test

dir=build
cmake_args=()
if [[ ${DDB_SANITIZE:-0} == 1 ]]; then
  dir=build-asan
  cmake_args=(-DDDB_SANITIZE=ON -DDDB_BENCH=OFF)
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
tools/build.sh "$dir" "${cmake_args[@]}"
export DDBD="$PWD/$dir/ddbd"

echo "== unit tests (ctest, $dir)"
ctest --test-dir "$dir" --output-on-failure -j2

echo "== protocol tests (pytest + boto3)"
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/protocol

echo "== protocol tests (node --test + AWS SDK for JavaScript v3)"
(cd tests/js && { [[ -d node_modules ]] && npm ls >/dev/null 2>&1 || npm ci --no-audit --no-fund --loglevel=error; } && node --test)
