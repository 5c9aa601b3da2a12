#!/usr/bin/env bash
# run.sh: the benchmark, one command. Installs what is missing (wrk, the
# peers from bench/peers: AWS DynamoDB Local and dynalite; moto when Python
# has it), builds ddbd, the limit server and the microbenchmarks in Release,
# and prints the result tables (see bench/run.py; about 12 minutes).
# Usage: bench/run.sh [all|http|micro|scale|triggers|partiql|dds|cluster]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh bench
[[ ${1:-} == cluster ]] && tools/deps.sh cluster
tools/build.sh build-release -DCMAKE_BUILD_TYPE=Release -DDDB_BENCH=ON
(cd bench/peers && npm ci --no-audit --no-fund --silent)
exec python3 bench/run.py "$@"
