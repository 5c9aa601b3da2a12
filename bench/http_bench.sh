#!/usr/bin/env bash
# http_bench.sh: GetItem, PutItem and Query throughput over HTTP with wrk
# (one wrk thread, 16 and 64 connections, 10 s each) on a seeded table of
# 100,000 items (10,000 users x 10 orders of ~200 bytes; Query returns one
# user's 10 orders with begins_with),
# for ddbd and, when DDB_LOCAL_DIR points at DynamoDB Local's folder (the
# `emulator/` folder of the npm package amplify-dynamodb-simulator), for AWS
# DynamoDB Local in the same sitting. Prints one line per run.
# Usage: bench/http_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh bench
tools/build.sh build-release -DCMAKE_BUILD_TYPE=Release
port=${PORT:-8790}
data=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$data"' EXIT

wait_port() {
  for _ in $(seq 400); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
  echo "server on port $1 did not start" >&2; return 1
}

export BENCH_USERS=${BENCH_USERS:-10000}
seed() {
  /usr/bin/python3 bench/seed.py "$1" "$BENCH_USERS" 10
}

run() { # name port
  seed "$2"
  for op in getitem query putitem; do
    for conns in 16 64; do
      line=$(wrk -t1 -c"$conns" -d10s -s "bench/wrk/$op.lua" "http://127.0.0.1:$2/" | grep RESULT)
      echo "$1 $op c=$conns $line"
    done
  done
}

build-release/ddbd --port "$port" --data-dir "$data" 2>/dev/null &
pids+=($!)
wait_port "$port"
run ddbd "$port"

if [[ -n ${DDB_LOCAL_DIR:-} ]]; then
  (cd "$DDB_LOCAL_DIR" && exec java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
     -inMemory -port $((port + 1)) >/dev/null 2>&1) &
  pids+=($!)
  wait_port $((port + 1))
  run dynamodb-local $((port + 1))
fi
