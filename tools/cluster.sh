#!/usr/bin/env bash
# cluster.sh: a local Redis Cluster for developing and testing ddbd's
# cluster backend (issue #22): MASTERS masters, each with REPLICAS replicas,
# on consecutive ports from BASE, every node with its AOF on.
#
#   tools/cluster.sh up   [--masters N] [--replicas R] [--port BASE] [--dir DIR]
#                         (N >= 1: below 3, the cluster is assembled by hand)
#   tools/cluster.sh down [--port BASE] [--dir DIR]
#   tools/cluster.sh status [--port BASE]
#
# Defaults: 3 masters x 2 replicas from port 7000, nodes' files in
# /tmp/ddb-cluster-BASE. `up` waits until every node reports cluster_state:ok
# with every replica in sync, and prints, as its last line, the URL to give `ddbd --store`:
#   redis-cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002
# `down` shuts every node down and removes DIR. Both are idempotent: `up` on
# a running cluster only prints its URL, `down` on none does nothing.
#
# Durability (the trade-off ddbd's WAIT setting builds on): appendfsync
# everysec, so a write is in the master's AOF (the OS's page cache) before
# its reply and fsynced within a second; a write acknowledged only after WAIT
# saw a replica take it survives the loss of its master. Set
# DDB_CLUSTER_FSYNC=always to fsync every write (slower, survives power loss
# of the master alone).
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=${1:-}
shift || true
masters=3 replicas=2 base=7000 dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --masters) masters=$2; shift 2 ;;
    --replicas) replicas=$2; shift 2 ;;
    --port) base=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
dir=${dir:-/tmp/ddb-cluster-$base}
fsync=${DDB_CLUSTER_FSYNC:-everysec}

url() {
  local s="" i
  for ((i = 0; i < masters; i++)); do s+="${s:+,}127.0.0.1:$((base + i))"; done
  echo "redis-cluster://$s"
}

# the ports of the nodes recorded in DIR (the count `up` was given)
ports() {
  [[ -f $dir/nodes ]] && cat "$dir/nodes"
}

alive() { redis-cli -p "$1" ping 2>/dev/null | grep -q PONG; }

wait_ok() {
  local p deadline=$((SECONDS + 60))
  for p in $(ports); do
    until [[ $(redis-cli -p "$p" cluster info 2>/dev/null | tr -d '\r' | grep cluster_state) == cluster_state:ok ]]; do
      if ((SECONDS > deadline)); then
        echo "cluster.sh: node $p did not reach cluster_state:ok" >&2
        return 1
      fi
      sleep 0.2
    done
  done
  # and every master's replicas in sync (a WAIT right after `up` must see them)
  for p in $(ports); do
    local info
    info=$(redis-cli -p "$p" info replication | tr -d '\r')
    grep -q '^role:master' <<<"$info" || continue
    until [[ $(grep -c 'state=online' <<<"$info") -ge $replicas ]]; do
      if ((SECONDS > deadline)); then
        echo "cluster.sh: master $p has not got its $replicas replicas in sync" >&2
        return 1
      fi
      sleep 0.2
      info=$(redis-cli -p "$p" info replication | tr -d '\r')
    done
  done
}

up() {
  command -v redis-server >/dev/null || tools/deps.sh cluster
  local n=$((masters * (1 + replicas))) p i all=() running=0
  if [[ -f $dir/nodes ]]; then
    for p in $(ports); do alive "$p" && running=$((running + 1)); done
    if ((running == $(ports | wc -l))); then
      wait_ok
      url
      return
    fi
    down >/dev/null
  fi
  mkdir -p "$dir"
  : >"$dir/nodes"
  for ((i = 0; i < n; i++)); do
    p=$((base + i))
    mkdir -p "$dir/$p"
    redis-server --port "$p" --bind 127.0.0.1 --dir "$dir/$p" --daemonize yes \
      --pidfile "$dir/$p/redis.pid" --logfile "$dir/$p/redis.log" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
      --appendonly yes --appendfsync "$fsync" --save "" >/dev/null
    echo "$p" >>"$dir/nodes"
    all+=("127.0.0.1:$p")
  done
  for p in $(ports); do
    local deadline=$((SECONDS + 10))
    until alive "$p"; do
      if ((SECONDS > deadline)); then
        echo "cluster.sh: node $p did not start (see $dir/$p/redis.log)" >&2
        return 1
      fi
      sleep 0.1
    done
  done
  if ((masters >= 3)); then
    # the first MASTERS nodes become masters (redis-cli assigns in order)
    redis-cli --cluster create "${all[@]}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log" 2>&1 || {
      cat "$dir/create.log" >&2
      return 1
    }
  else
    small_cluster # redis-cli refuses fewer than three masters; a benchmark wants them
  fi
  wait_ok
  url
}

# One or two masters, made by hand: every node meets the first, the masters
# take equal slot ranges, the replicas follow theirs.
small_cluster() {
  local p i j n=$((masters * (1 + replicas)))
  for ((i = 1; i < n; i++)); do
    redis-cli -p "$base" cluster meet 127.0.0.1 $((base + i)) >/dev/null
  done
  for ((j = 0; j < masters; j++)); do
    redis-cli -p $((base + j)) cluster addslotsrange $((j * 16384 / masters)) $(((j + 1) * 16384 / masters - 1)) >/dev/null
  done
  local deadline=$((SECONDS + 30))
  for ((i = 0; i < n; i++)); do
    until [[ $(redis-cli -p $((base + i)) cluster nodes | wc -l) -ge $n ]]; do
      ((SECONDS > deadline)) && { echo "cluster.sh: the nodes did not meet" >&2; return 1; }
      sleep 0.1
    done
  done
  for ((j = 0; j < masters; j++)); do
    local id
    id=$(redis-cli -p $((base + j)) cluster myid | tr -d '\r')
    for ((i = 0; i < replicas; i++)); do
      p=$((base + masters + j * replicas + i))
      until redis-cli -p "$p" cluster replicate "$id" 2>/dev/null | grep -q OK; do
        ((SECONDS > deadline)) && { echo "cluster.sh: $p did not follow its master" >&2; return 1; }
        sleep 0.1
      done
    done
  done
}

down() {
  local p pids=()
  for p in $(ports); do
    [[ -f $dir/$p/redis.pid ]] && pids+=("$(cat "$dir/$p/redis.pid")")
    redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true
  done
  # a node is gone when its process is, not when it stops answering
  local pid deadline=$((SECONDS + 10))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
}

status() {
  local p
  for p in $(ports); do
    if alive "$p"; then
      echo "$p $(redis-cli -p "$p" role | head -1) $(redis-cli -p "$p" cluster info | tr -d '\r' | grep cluster_state)"
    else
      echo "$p down"
    fi
  done
}

case "$cmd" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: tools/cluster.sh up|down|status [--masters N] [--replicas R] [--port BASE] [--dir DIR]" >&2; exit 2 ;;
esac
