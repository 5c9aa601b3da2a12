#!/usr/bin/env bash
# cluster_suite.sh: the whole boto3 protocol suite on the Redis Cluster
# backend (issue #22), on a local cluster (tools/cluster.sh, port 7700):
# with DDB_TEST_CLUSTER set, every ddbd the tests start (the session's and
# those of ddbd_only tests) runs `--store redis-cluster://...` on it, the
# cluster emptied for each new "data directory" (tests/protocol/conftest.py).
# Tests that need the RocksDB store itself (data directories, --in-memory,
# point-in-time recovery, RocksDB's gauges, slowed backfills) are marked
# rocksdb(why) and skip printing why (-rs). DDB_STREAM_SETTLE: a stream's
# records show once every bucket's clock has passed them, tens of ms after
# their writes (as DynamoDB's appear a moment after theirs); GSI reads of
# another front end's writes wait for the index the same way (conftest's
# eventually). The cluster's own tests (test_cluster*.py, their own
# clusters) run in the main suite. Serial: ddbd_only tests empty the cluster.
# Usage: tools/cluster_suite.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh test
tools/build.sh build
port=${DDB_CLUSTER_SUITE_PORT:-7700}
dir=$(mktemp -d /tmp/ddb-cluster-suite.XXXXXX)
trap 'tools/cluster.sh down --port "$port" --dir "$dir"' EXIT
url=$(tools/cluster.sh up --port "$port" --dir "$dir" | tail -1)
echo "== the protocol suite on the cluster backend ($url)"
DDB_TEST_CLUSTER=$url DDB_STREAM_SETTLE=0.2 DDBD="$PWD/build/ddbd" \
  /usr/bin/python3 -m pytest -q -rs -p no:cacheprovider tests/protocol \
  --ignore=tests/protocol/test_cluster.py --ignore=tests/protocol/test_cluster_faults.py
