"""run.py: the benchmark driver (bench/run.sh builds and installs, then runs
this). Starts each server in turn on loopback — the limit server, ddbd
(one and two event-loop threads), AWS DynamoDB Local, dynalite and moto —
seeds the same 100,000-item single-table layout, drives each operation with
wrk (one thread, 16 and 64 connections) and prints a Markdown table with
ratios to the limit server and to the best peer, cold start and RSS. Then
the engine microbenchmarks and the scale runs (ddbd on 10k vs 1M items,
and PutItem throughput while a table grows to 5M items).

Usage: run.py [all|http|micro|scale|triggers|partiql|dds|cluster]   (environment: BENCH_SECONDS per wrk run,
default 5; BENCH_USERS, default 10000; BENCH_GROW_ITEMS, default 5000000;
BENCH_SERVERS, a comma list to restrict the servers; BENCH_SETTLE, seconds the
scale runs wait after a load, default 10)"""
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build-release")
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
USERS = int(os.environ.get("BENCH_USERS", "10000"))
GROW = int(os.environ.get("BENCH_GROW_ITEMS", "5000000"))
SETTLE = float(os.environ.get("BENCH_SETTLE", "10"))
PEERS = os.path.join(ROOT, "bench", "peers", "node_modules")
EMULATOR = os.path.join(PEERS, "amplify-dynamodb-simulator", "emulator")
OPS = [("GetItem", "getitem"), ("PutItem", "putitem"), ("UpdateItem ADD", "updateitem"),
       ("PutItem, condition fails", "condput"), ("Query 10 items", "query"), ("BatchWriteItem 25", "batchwrite"),
       ("PartiQL SELECT by key", "pqget"), ("PartiQL SELECT 10 items", "pqquery")]
CONNS = [16, 64]
AUTH = ("AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=00")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    """Resident memory of a process and its children (Java forks nothing, but a wrapper might)."""
    total = 0
    pids = [pid]
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        pids += [int(p) for p in out.split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def list_tables(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        c.request("POST", "/", body="{}", headers={
            "X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0",
            "Authorization": AUTH, "X-Amz-Date": "20260101T000000Z"})
        return c.getresponse().status == 200
    finally:
        c.close()


class Server:
    def __init__(self, name, cmd, cwd=None, seed=True):
        self.name, self.cmd, self.cwd, self.seed = name, cmd, cwd, seed
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="ddb-bench-")
        self.proc = None

    def argv(self):
        return [a.format(port=self.port, dir=self.dir) for a in self.cmd]

    def start(self):
        t0 = time.time()
        self.proc = subprocess.Popen(self.argv(), cwd=self.cwd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = t0 + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            try:
                if list_tables(self.port):
                    self.cold_ms = (time.time() - t0) * 1000
                    time.sleep(0.5)
                    self.idle_rss = rss_mb(self.proc.pid)
                    return
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError(f"{self.name} did not answer ListTables")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def seed(port, users, per_user=10, first=0):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "seed.py"), str(port), str(users),
                          str(per_user), str(first)], capture_output=True, text=True, check=True).stdout
    m = re.search(r"items_s=(\d+)", out)
    return int(m.group(1)) if m else 0


def wrk(port, script, conns, users=USERS, seconds=SECONDS):
    env = dict(os.environ, BENCH_USERS=str(users))
    out = subprocess.run(["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s", "-s",
                          os.path.join("bench", "wrk", script + ".lua"), f"http://127.0.0.1:{port}/"],
                         cwd=ROOT, env=env, capture_output=True, text=True).stdout
    m = re.search(r"RESULT req_s=(\d+) p50_ms=([\d.]+) p99_ms=([\d.]+) non2xx=(\d+) errors=(\d+)", out)
    if not m:
        return {"req_s": 0, "p50": 0, "p99": 0, "bad": -1}
    r = {"req_s": int(m.group(1)), "p50": float(m.group(2)), "p99": float(m.group(3)),
         "bad": int(m.group(4)) + int(m.group(5))}
    if r["req_s"] == 0:
        r["bad"] = -1  # not one answer within the run (marked, never hidden)
    return r


def servers():
    ddbd = os.path.join(BUILD, "ddbd")
    out = [Server("limit server", [os.path.join(BUILD, "bench", "limit_server"), "{port}"], seed=False),
           Server("ddbd", [ddbd, "--port", "{port}", "--data-dir", "{dir}", "--threads", "1"]),
           Server("ddbd 2 threads", [ddbd, "--port", "{port}", "--data-dir", "{dir}", "--threads", "2"])]
    if os.path.isdir(EMULATOR) and shutil.which("java"):
        out.append(Server("DynamoDB Local", ["java", "-Djava.library.path=./DynamoDBLocal_lib", "-jar",
                                             "DynamoDBLocal.jar", "-inMemory", "-port", "{port}"], cwd=EMULATOR))
    dynalite = os.path.join(PEERS, "dynalite", "cli.js")
    if os.path.exists(dynalite):
        out.append(Server("dynalite", ["node", dynalite, "--port", "{port}"]))
    if subprocess.run([sys.executable, "-c", "import moto.server"], capture_output=True).returncode == 0:
        out.append(Server("moto", [sys.executable, "-m", "moto.server", "-p", "{port}"]))
    only = os.environ.get("BENCH_SERVERS")
    if only:
        out = [s for s in out if s.name in only.split(",")]
    return out


PEER_NAMES = ("DynamoDB Local", "dynalite", "moto")


def http_bench():
    results, meta = {}, {}
    for s in servers():
        print(f"-- {s.name}", file=sys.stderr, flush=True)
        try:
            s.start()
            seeded = seed(s.port, USERS) if s.seed else None
            for label, script in OPS:
                for c in CONNS:
                    results[(s.name, label, c)] = r = wrk(s.port, script, c)
                    print(f"   {label} c={c}: {r}", file=sys.stderr, flush=True)
            meta[s.name] = {"cold_ms": s.cold_ms, "idle": s.idle_rss, "after": rss_mb(s.proc.pid),
                            "seed": seeded}
        except Exception as ex:  # a peer that fails is reported, not fatal
            print(f"   {s.name} failed: {ex}", file=sys.stderr)
            meta[s.name] = {"error": str(ex)}
        finally:
            s.stop()
    print("| server | operation | conns | req/s | p50 ms | p99 ms | non-2xx / errors |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (name, label, c), r in results.items():
        flag = "" if r["bad"] == 0 else " **no answer** ⚠" if r["bad"] < 0 else f" **{r['bad']}** ⚠"
        print(f"| {name} | {label} | {c} | {r['req_s']:,} | {r['p50']:.3f} | {r['p99']:.3f} |{flag or ' 0'} |")
    print()
    print("Ratios at 64 connections (ddbd, one thread, and with two):")
    print()
    print("| operation | ddbd / limit | 2 threads / limit | best peer | ddbd / best peer | peer p99 / ddbd p99 |")
    print("|---|---:|---:|---|---:|---:|")
    for label, _ in OPS:
        d = results.get(("ddbd", label, 64))
        d2 = results.get(("ddbd 2 threads", label, 64))
        lim = results.get(("limit server", label, 64))
        peers = [(n, results[(n, label, 64)]) for n in PEER_NAMES
                 if (n, label, 64) in results and results[(n, label, 64)]["bad"] == 0]
        best = max(peers, key=lambda p: p[1]["req_s"]) if peers else None
        if not d:
            continue
        row = [label,
               f"{d['req_s'] / lim['req_s']:.0%}" if lim and lim["req_s"] else "-",
               f"{d2['req_s'] / lim['req_s']:.0%}" if d2 and lim and lim["req_s"] else "-",
               best[0] if best else "-",
               f"{d['req_s'] / best[1]['req_s']:.1f}×" if best and best[1]["req_s"] else "-",
               f"{best[1]['p99'] / d['p99']:.1f}×" if best and d["p99"] else "-"]
        print("| " + " | ".join(row) + " |")
    print()
    print("| server | cold start ms | RSS idle MB | RSS after load MB | seed items/s |")
    print("|---|---:|---:|---:|---:|")
    for name, m in meta.items():
        if "error" in m:
            print(f"| {name} | failed: {m['error']} | | | |")
        else:
            print(f"| {name} | {m['cold_ms']:.0f} | {m['idle']:.1f} | {m['after']:.1f} | "
                  f"{m['seed'] if m['seed'] is not None else '-'} |")


def micro():
    exe = os.path.join(BUILD, "bench", "micro")
    r = subprocess.run([exe, "--benchmark_min_time=0.3"], capture_output=True, text=True)
    print("```")
    print(r.stdout.strip())
    if r.returncode != 0 or not r.stdout.strip():  # a failed run is shown, never hidden
        print(f"micro exited with {r.returncode}: {r.stderr.strip()[-2000:]}")
    print("```")


def scale():
    # one loop thread, as in the "ddbd" rows above: with two, the loops and
    # wrk oversubscribe the two cores and the tail measures the scheduler
    s = Server("ddbd", [os.path.join(BUILD, "ddbd"), "--port", "{port}", "--data-dir", "{dir}", "--threads", "1"])
    rows = []
    try:
        s.start()
        # one connection: the latency of a request on its own; sixteen: under
        # load, where latency also follows throughput
        # after each load, SETTLE seconds for the flushes and compactions it
        # started: the rows measure a table of that size, not one being loaded
        seed(s.port, 1000)
        time.sleep(SETTLE)
        for script in ("getitem", "query"):
            for c in (1, 16):
                rows.append(("10k items", script, c, wrk(s.port, script, c, 1000)))
        seed(s.port, 99000, 10, 1000)
        time.sleep(SETTLE)
        for script in ("getitem", "query"):
            for c in (1, 16):
                rows.append(("1M items", script, c, wrk(s.port, script, c, 100000)))
    finally:
        s.stop()
    print("| table | operation | conns | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, script, c, r in rows:
        print(f"| {label} | {script} | {c} | {r['req_s']:,} | {r['p50']:.3f} | {r['p99']:.3f} | {r['bad']} |")
    print()
    small = {(script, c): r for label, script, c, r in rows if label == "10k items"}
    print("| operation | conns | p50 1M / 10k | p99 1M / 10k |")
    print("|---|---:|---:|---:|")
    for label, script, c, r in rows:
        base = small[(script, c)]
        if label == "1M items" and base["p50"] and base["p99"]:
            print(f"| {script} | {c} | {r['p50'] / base['p50']:.2f}× | {r['p99'] / base['p99']:.2f}× |")
    print()
    g = Server("ddbd", [os.path.join(BUILD, "ddbd"), "--port", "{port}", "--data-dir", "{dir}"])
    print("| items so far | BatchWriteItem load rate, items/s (4 connections) |")
    print("|---:|---:|")
    try:
        g.start()
        step = GROW // 5
        for i in range(5):
            rate = seed(g.port, step // 10, 10, i * (step // 10))
            print(f"| {(i + 1) * step:,} | {rate:,} |", flush=True)
        print()
        print(f"RSS after growing to {GROW:,} items: {rss_mb(g.proc.pid):.0f} MB")
    finally:
        g.stop()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "all"
    t0 = time.time()
    if mode in ("all", "http"):
        http_bench()
    if mode in ("all", "micro"):
        print()
        micro()
    if mode in ("all", "scale"):
        print()
        scale()
    if mode in ("all", "triggers"):
        print()
        import triggers  # bench/triggers.py: stream triggers, latency and delivery rate
        triggers.main()
    if mode in ("all", "partiql"):
        print()
        import partiql  # bench/partiql.py: PartiQL SELECTs against their JSON requests
        partiql.main()
    if mode in ("all", "dds"):
        print()
        import dds  # bench/dds.py: the consumer library: delivery rate, memory, latency
        dds.main()
    if mode == "cluster":  # not in "all": it needs redis-server (tools/deps.sh cluster)
        import cluster  # bench/cluster.py: the Redis Cluster backend with 1, 2, 3 masters
        import gsi_lag  # bench/gsi_lag.py: its GSIs' lag behind the table, and their cost
        cluster.main()
        gsi_lag.main()
    print(f"\n(total {time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
