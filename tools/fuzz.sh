#!/usr/bin/env bash
# fuzz.sh: builds the libFuzzer targets of tests/fuzz/ with clang (ASan +
# UBSan + libFuzzer, in build-fuzz/) and runs each for SECONDS (default 25)
# over its committed seed corpus and dictionary. A crash, sanitizer report,
# leak, timeout or out-of-memory fails the run: the reproducer is printed
# (text and base64) with the command that replays it, and kept in
# build-fuzz/artifacts/. New inputs the fuzzers find go to build-fuzz/corpus/
# (never into the committed seeds).
# Usage: tools/fuzz.sh [SECONDS [TARGET...]]    e.g. tools/fuzz.sh 600 fuzz_request
# Replay: build-fuzz/tests/fuzz/TARGET FILE    (fuzz_request: FUZZ_VERBOSE=1 prints
# each request and response)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-25}
shift || true
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(fuzz_number fuzz_codec fuzz_expr fuzz_request fuzz_filter fuzz_auth fuzz_partiql
  fuzz_dds_records fuzz_http_body)
dir=build-fuzz

if [[ ! -f $dir/CMakeCache.txt ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDDB_FUZZ=ON \
    -DDDB_BENCH=OFF >/dev/null
fi
log=$(mktemp)
if ! cmake --build "$dir" -j2 --target "${targets[@]}" >"$log" 2>&1; then
  grep -vE '^\[ *[0-9]+%\]' "$log" >&2 || true
  rm -f "$log"
  echo "fuzz.sh: the fuzz build failed" >&2
  exit 1
fi
rm -f "$log"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp}
failed=()
for t in "${targets[@]}"; do
  work=$dir/corpus/$t
  art=$dir/artifacts/$t
  mkdir -p "$work" "$art"
  dict=()
  case $t in
    fuzz_request) dict=(-dict=tests/fuzz/request.dict -max_len=16384) ;;
    fuzz_expr) dict=(-dict=tests/fuzz/expr.dict) ;;
    fuzz_filter) dict=(-dict=tests/fuzz/filter.dict -max_len=8192) ;;
    fuzz_partiql) dict=(-dict=tests/fuzz/partiql.dict -max_len=8192) ;;
    fuzz_dds_records) dict=(-dict=tests/fuzz/dds_records.dict -max_len=16384) ;;
  esac
  echo "== $t (${secs}s)"
  out=$dir/artifacts/$t.log
  if "$dir/tests/fuzz/$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$art/" "${dict[@]}" \
      "$work" "tests/fuzz/corpus/$t" >"$out" 2>&1; then
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$out" | tail -2 || true
    continue
  fi
  failed+=("$t")
  echo "fuzz.sh: $t FAILED; its report:" >&2
  # from the first report line on (sanitizer, libFuzzer or the target's own)
  awk '/ERROR|runtime error|^fuzz_[a-z]+: /{on=1} on' "$out" | grep -vE '^#[0-9]+\s' | head -80 >&2
  for f in $(ls -t "$art"/ 2>/dev/null | head -1); do
    echo "fuzz.sh: reproducer $art/$f ($(stat -c %s "$art/$f") bytes), replay with:" >&2
    echo "  $dir/tests/fuzz/$t $art/$f" >&2
    echo "--- text:" >&2
    head -c 4000 "$art/$f" | cat -v >&2
    echo >&2
    echo "--- base64:" >&2
    head -c 4000 "$art/$f" | base64 -w0 >&2
    echo >&2
  done
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: no crash in ${targets[*]}"
