#!/usr/bin/env bash
# http_bench.sh: PutItem/GetItem throughput of ddbd over HTTP with wrk (one
# wrk thread, 16 and 64 connections, 10 s each), on a seeded 10,000-item
# table. Prints one line per run. Usage: bench/http_bench.sh [--in-memory]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh bench
tools/build.sh build-release -DCMAKE_BUILD_TYPE=Release
port=${PORT:-8790}
data=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
build-release/ddbd --port "$port" --data-dir "$data" "$@" 2>/dev/null &
pid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
/usr/bin/python3 - "$port" <<'PY'
import sys, boto3
c = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                 aws_access_key_id="bench", aws_secret_access_key="bench")
c.create_table(TableName="bench", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
               AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
               BillingMode="PAY_PER_REQUEST")
for k in range(10000):
    c.put_item(TableName="bench", Item={"pk": {"S": f"user#{k}"}, "n": {"N": str(k)},
                                        "pad": {"S": "x" * 150}})
PY
for op in getitem putitem; do
  for conns in 16 64; do
    line=$(wrk -t1 -c"$conns" -d10s -s "bench/wrk/$op.lua" "http://127.0.0.1:$port/" | grep RESULT)
    echo "ddbd $op c=$conns $line"
  done
done
