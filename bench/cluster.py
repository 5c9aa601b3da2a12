"""cluster.py: ddbd on the Redis Cluster backend (issue #22): three front ends
(--threads 1 each) on a local cluster of 1, 2 and then 3 masters (one
replica each, writes acknowledged after WAIT saw it), the same total client
load each time (three wrk processes, one per front end, 21 connections
each); GetItem, PutItem, Query (10 items), and TransactWriteItems of two
updates in one partition (one bucket) against two partitions (two buckets:
the two-phase protocol). Beside it, one ddbd on the embedded RocksDB store
with the same load through one wrk of 63 connections.
Usage: cluster.py   (environment: BENCH_SECONDS per run, BENCH_USERS)"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build-release")
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
USERS = int(os.environ.get("BENCH_USERS", "2000"))
OPS = [("GetItem", "getitem"), ("PutItem", "putitem"), ("Query 10 items", "query"),
       ("Transaction, one bucket", "txsame"), ("Transaction, two buckets", "txcross")]
CLUSTER = os.path.join(ROOT, "tools", "cluster.sh")
PORT = "7500"
sys.path.insert(0, os.path.join(ROOT, "bench"))
from run import free_port, list_tables  # noqa: E402


def start(args):
    port = free_port()
    p = subprocess.Popen([os.path.join(BUILD, "ddbd"), "--port", str(port), "--threads", "1", *args],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            list_tables(port)
            return p, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("ddbd did not start")


def wrk_many(ports, script, conns):
    env = dict(os.environ, BENCH_USERS=str(USERS))
    procs = [subprocess.Popen(["wrk", "-t1", f"-c{conns}", f"-d{SECONDS}s", "--timeout", "10s", "-s",
                               os.path.join("bench", "wrk", script + ".lua"), f"http://127.0.0.1:{p}/"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for p in ports]
    total, p99, bad = 0, 0.0, 0
    for pr in procs:
        out = pr.communicate()[0]
        m = re.search(r"RESULT req_s=(\d+) p50_ms=([\d.]+) p99_ms=([\d.]+) non2xx=(\d+) errors=(\d+)", out)
        if not m:
            bad += 1
            continue
        total += int(m.group(1))
        p99 = max(p99, float(m.group(3)))
        bad += int(m.group(4)) + int(m.group(5))
    return total, p99, bad


def seed(port):
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "seed.py"), str(port), str(USERS), "10", "0"],
                   check=True, capture_output=True)


def main():
    rows = []
    d = tempfile.mkdtemp()
    p, port = start(["--data-dir", d])
    try:
        seed(port)
        for label, script in OPS:
            rows.append(("RocksDB, one ddbd", label) + wrk_many([port], script, 63))
            print(rows[-1], file=sys.stderr, flush=True)
    finally:
        p.terminate()
        p.wait()
        shutil.rmtree(d, ignore_errors=True)
    for masters in (1, 2, 3):
        cd = tempfile.mkdtemp(prefix="ddb-bench-cluster-")
        url = subprocess.run([CLUSTER, "up", "--masters", str(masters), "--replicas", "1", "--port", PORT,
                              "--dir", cd], check=True, capture_output=True, text=True).stdout.split()[-1]
        fronts = []
        try:
            fronts = [start(["--store", url]) for _ in range(3)]
            seed(fronts[0][1])
            for label, script in OPS:
                rows.append((f"cluster, {masters} master{'s' if masters > 1 else ''}", label) +
                            wrk_many([f[1] for f in fronts], script, 21))
                print(rows[-1], file=sys.stderr, flush=True)
        finally:
            for f, _ in fronts:
                f.terminate()
                f.wait()
            subprocess.run([CLUSTER, "down", "--port", PORT, "--dir", cd], capture_output=True)
    print("| store | operation | req/s | worst p99 ms | non-2xx / errors |")
    print("|---|---|---:|---:|---:|")
    for store, label, req, p99, bad in rows:
        print(f"| {store} | {label} | {req:,} | {p99:.2f} | {bad} |")


if __name__ == "__main__":
    main()
