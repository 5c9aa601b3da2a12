#!/usr/bin/env bash
# format.sh: applies .clang-format to every C/C++ source of the tree, or with
# --check lists the files that deviate and fails (CI runs that).
set -euo pipefail
cd "$(dirname "$0")/.."
# tracked files and new ones git does not ignore
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h' '*.cc' |
  grep -v '^tests/js/node_modules/' | sort -u)
if [[ ${1:-} == --check ]]; then
  bad=0
  for f in "${files[@]}"; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
      echo "format.sh: $f is not formatted (run tools/format.sh)" >&2
      bad=1
    fi
  done
  exit $bad
fi
clang-format -i "${files[@]}"
