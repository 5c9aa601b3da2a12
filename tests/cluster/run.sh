#!/usr/bin/env bash
# run.sh: runs a cluster test program against its own local Redis Cluster
# (3 masters x 2 replicas from port ${DDB_TEST_CLUSTER_PORT:-7100}), brought
# up for it and taken down after it whatever its outcome.
# Usage: tests/cluster/run.sh PROGRAM [ARGS...]  (the URL is appended)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
port=${DDB_TEST_CLUSTER_PORT:-7100}
dir=$(mktemp -d /tmp/ddb-test-cluster.XXXXXX)
trap '"$root/tools/cluster.sh" down --port "$port" --dir "$dir"' EXIT
"$root/tools/cluster.sh" down --port "$port" --dir "$dir" >/dev/null
url=$("$root/tools/cluster.sh" up --port "$port" --dir "$dir" | tail -1)
"$@" "$url"
