"""cluster.py: ddbd on the Redis Cluster backend (issue #22): three front ends
(--threads 1 each) on a local cluster of 1, 2 and then 3 masters (one
replica each, writes acknowledged after WAIT saw it), the same total client
load each time (three wrk processes, one per front end, 21 connections
each); GetItem, PutItem, Query (10 items), and TransactWriteItems of two
updates in one partition (one bucket) against two partitions (two buckets:
the two-phase protocol). Beside it, one ddbd on the embedded RocksDB store
with the same load through one wrk of 63 connections.

BENCH_NODE_CPU=F gives every Redis node (masters and replicas) a CPU budget
of F cores (a cgroup v1 CPU quota), standing for masters that each have a
machine of their own: on a shared two-core machine the nodes otherwise
compete with the front ends and wrk for the same cores, and adding masters
cannot show what it adds (BENCH_OPS: the operations' scripts to run).
Usage: cluster.py   (environment: BENCH_SECONDS per run, BENCH_USERS,
BENCH_NODE_CPU, BENCH_OPS)"""
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


CGROUP = "/sys/fs/cgroup/cpu"


def limit_nodes(port, cpu):
    """Puts every node of the cluster at port in a CPU cgroup of its own
    with a quota of cpu cores; the cgroups made."""
    groups = []
    nodes = subprocess.run(["redis-cli", "-p", port, "cluster", "nodes"], capture_output=True, text=True,
                           check=True).stdout
    for line in nodes.splitlines():
        np = line.split()[1].split("@")[0].rsplit(":", 1)[1]
        info = subprocess.run(["redis-cli", "-p", np, "info", "server"], capture_output=True, text=True).stdout
        pid = re.search(r"process_id:(\d+)", info).group(1)
        g = os.path.join(CGROUP, f"ddb-bench-{np}")
        os.makedirs(g, exist_ok=True)
        with open(os.path.join(g, "cpu.cfs_period_us"), "w") as f:
            f.write("100000")
        with open(os.path.join(g, "cpu.cfs_quota_us"), "w") as f:
            f.write(str(int(cpu * 100000)))
        with open(os.path.join(g, "cgroup.procs"), "w") as f:
            f.write(pid)
        groups.append(g)
    return groups


def unlimit(groups):
    for g in groups:
        try:
            with open(os.path.join(g, "cgroup.procs")) as f:
                pids = f.read().split()
            for pid in pids:
                with open(os.path.join(CGROUP, "cgroup.procs"), "w") as f:
                    f.write(pid)
            os.rmdir(g)
        except OSError:
            pass


def seed(port):
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "seed.py"), str(port), str(USERS), "10", "0"],
                   check=True, capture_output=True)


def main():
    rows = []
    cpu = float(os.environ.get("BENCH_NODE_CPU", "0"))
    ops = [o for o in OPS if o[1] in os.environ.get("BENCH_OPS", " ".join(s for _, s in OPS)).split()]
    d = tempfile.mkdtemp()
    p, port = start(["--data-dir", d])
    try:
        seed(port)
        for label, script in ops:
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
        fronts, groups = [], []
        store = f"cluster, {masters} master{'s' if masters > 1 else ''}"
        if cpu:
            store += f", {cpu:g} core a node"
        try:
            fronts = [start(["--store", url]) for _ in range(3)]
            seed(fronts[0][1])
            if cpu:
                groups = limit_nodes(PORT, cpu)
            for label, script in ops:
                rows.append((store, label) + wrk_many([f[1] for f in fronts], script, 21))
                print(rows[-1], file=sys.stderr, flush=True)
        finally:
            unlimit(groups)
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
