#!/usr/bin/env bash
# cluster_suite.sh: the existing protocol suites against ddbd on the Redis
# Cluster backend (issue #22), on a local cluster (tools/cluster.sh, port
# 7700), in two parts:
#  1. one `ddbd --store redis-cluster://...` from build/ and the boto3 files
#     whose features that backend has, run unchanged through DDB_ENDPOINT
#     (their ddbd_only tests skip, as against any other endpoint);
#  2. the files whose tests start ddbd processes of their own (triggers, the
#     Lambda API, backups), with DDB_TEST_CLUSTER: every ddbd they start
#     stores in the cluster, emptied for each new "data directory"; tests
#     marked rocksdb(why) skip, printing why (-rs).
# Set for both: DDB_ENDPOINT_DDBD (the endpoint is a ddbd, not DynamoDB
# Local) and DDB_STREAM_SETTLE (a stream's records appear once every
# bucket's clock has passed them, tens of ms after their writes, as
# DynamoDB's appear a moment after theirs; GSI reads after writes wait for
# the index the same way, tests/protocol/conftest.py's eventually). Files
# left out need what the backend refuses for now (PITR, --backup-to) or
# RocksDB itself (data directories, crash recovery, compaction); the
# cluster's own tests (test_cluster*.py) run in the main suite.
# Usage: tools/cluster_suite.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh test
tools/build.sh build
port=${DDB_CLUSTER_SUITE_PORT:-7700}
dir=$(mktemp -d /tmp/ddb-cluster-suite.XXXXXX)
log=$(mktemp)
pid=""
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  tools/cluster.sh down --port "$port" --dir "$dir"
  rm -f "$log"
}
trap cleanup EXIT
url=$(tools/cluster.sh up --port "$port" --dir "$dir" | tail -1)
http=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
build/ddbd --port "$http" --store "$url" --ttl-interval 0.5 2>"$log" &
pid=$!
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/"$http") 2>/dev/null && break
  sleep 0.1
done
export DDB_ENDPOINT_DDBD=1 DDB_STREAM_SETTLE=0.2
files=(test_items test_query test_expressions test_batch test_tables test_indexes test_validation_more
       test_validation_limits test_capacity test_partiql test_nesting_limit test_streams
       test_stream_iterators test_stream_shards)
paths=()
for f in "${files[@]}"; do paths+=("tests/protocol/$f.py"); done
echo "== protocol tests against the cluster backend (${files[*]})"
if ! DDB_ENDPOINT=http://127.0.0.1:$http /usr/bin/python3 -m pytest -q -p no:cacheprovider "${paths[@]}"; then
  echo "cluster_suite.sh: ddbd's log ends:" >&2
  tail -20 "$log" >&2
  exit 1
fi
kill "$pid" && wait "$pid" 2>/dev/null || true
pid=""
own=(test_triggers test_lambda_api test_lambda_cli test_backups)
paths=()
for f in "${own[@]}"; do paths+=("tests/protocol/$f.py"); done
echo "== tests starting their own ddbd, each on the cluster (${own[*]})"
DDB_TEST_CLUSTER=$url /usr/bin/python3 -m pytest -q -rs -p no:cacheprovider "${paths[@]}"
