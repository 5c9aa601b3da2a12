#!/usr/bin/env bash
# ddbd.sh: installs what is missing, builds, and starts ddbd on the embedded
# RocksDB store in ./data (or pass flags: tools/ddbd.sh --port 8001 --in-memory).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh build
tools/build.sh build
exec build/ddbd "$@"
