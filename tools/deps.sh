#!/usr/bin/env bash
# deps.sh: installs the Debian packages ddb needs, only those missing, so it
# is cheap to run every time. Usage: tools/deps.sh [build|test|bench|cluster]...
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config clang clang-format librocksdb-dev libcjson-dev libuv1-dev
            libxxhash-dev libbenchmark-dev node-llhttp libssl-dev libcurl4-openssl-dev libedit-dev
            zlib1g-dev libhiredis-dev)
test_pkgs=(redis-server redis-tools python3 python3-boto3 python3-pytest python3-prometheus-client awscli nodejs npm tmux curl)
bench_pkgs=(wrk nodejs npm default-jre-headless)
cluster_pkgs=(redis-server redis-tools)

want=()
for group in "${@:-build}"; do
  case "$group" in
    build) want+=("${build_pkgs[@]}") ;;
    test) want+=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
    bench) want+=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
    cluster) want+=("${cluster_pkgs[@]}") ;;
    *) echo "deps.sh: unknown group $group" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  # nodejs/npm may come from elsewhere (e.g. a preinstalled Node); accept the commands
  if [[ $p == nodejs ]] && command -v node >/dev/null; then continue; fi
  if [[ $p == npm ]] && command -v npm >/dev/null; then continue; fi
  if [[ $p == default-jre-headless ]] && command -v java >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
