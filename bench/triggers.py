"""triggers.py: the trigger benchmark (bench/run.sh triggers runs it).

Starts a Release ddbd and the HTTP function bench/trigger_sink.js, creates a
table with a stream and an event-source mapping (BatchSize 100, window 0)
through the Lambda API, and measures, for --threads 1 and 2:
  - latency: from an acknowledged PutItem (one client, one write at a time,
    spaced out) to the arrival of its record at the function: p50 and p99;
  - delivery capacity: 100,000 records already in the stream (BatchWriteItem),
    then a mapping from TRIM_HORIZON: records/s until the function has them;
  - sustained delivery: records/s reaching the function while wrk writes
    PutItems as fast as it can, and the PutItem rate then, against the same
    wrk run on a table whose stream has no mapping (the write path's cost of
    triggers).
Usage: triggers.py   (environment: BENCH_SECONDS per wrk run, default 5;
BENCH_PROBES latency samples, default 400)"""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the shared driver: ports, wrk, seeding)

ROOT = run.ROOT
PROBES = int(os.environ.get("BENCH_PROBES", "400"))


def call(port, target, body, service="DynamoDB_20120810"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/", json.dumps(body), {"Content-Type": "application/x-amz-json-1.0",
                                              "X-Amz-Target": f"{service}.{target}",
                                              "Authorization": run.AUTH, "X-Amz-Date": "20260101T000000Z"})
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status != 200:
        raise RuntimeError(f"{target}: {r.status} {data[:200]}")
    return json.loads(data)


def rest(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, json.dumps(body) if body is not None else None,
              {"Content-Type": "application/json", "X-Amz-Date": "20260101T000000Z",
               "Authorization": run.AUTH.replace("/dynamodb/", "/lambda/")})
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status >= 300:
        raise RuntimeError(f"{method} {path}: {r.status} {data[:300]}")
    return json.loads(data) if data else None


def sink_get(port, method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, "/stats")
    r = c.getresponse()
    data = json.loads(r.read())
    c.close()
    return data


def create_table(port, name):
    call(port, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"},
                                 {"AttributeName": "SK", "AttributeType": "S"}],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}})
    return call(port, "DescribeTable", {"TableName": name})["Table"]["LatestStreamArn"]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))] if xs else float("nan")


def latency(port, sink_port):
    sink_get(sink_port, "DELETE")
    acks, sends = {}, {}
    for i in range(PROBES):
        pid = f"p{i}"
        sends[pid] = time.time() * 1000
        call(port, "PutItem", {"TableName": "bench", "Item": {"PK": {"S": f"LAT#{i % 50}"}, "SK": {"S": pid},
                                                              "probe": {"S": pid}}})
        acks[pid] = time.time() * 1000
        time.sleep(0.01)  # one write at a time, spaced: each is its own batch
    deadline = time.time() + 10
    while time.time() < deadline:
        got = sink_get(sink_port)["probes"]
        if len(got) >= PROBES:
            break
        time.sleep(0.1)
    # from the ack (the client has the PutItem answer) and, an upper bound,
    # from sending the PutItem (its whole round trip included)
    lat = [got[k] - acks[k] for k in acks if k in got]
    lat_send = [got[k] - sends[k] for k in sends if k in got]
    return {"p50": pct(lat, 50), "p99": pct(lat, 99), "max": max(lat) if lat else float("nan"),
            "s50": pct(lat_send, 50), "s99": pct(lat_send, 99), "n": len(lat), "missing": PROBES - len(lat)}


def throughput(port, sink_port, conns=64):
    sink_get(sink_port, "DELETE")
    t0 = time.time()
    w = run.wrk(port, "putitem", conns)
    wrote_s = time.time() - t0
    # records still arriving after wrk stops count too (delivery rate over the
    # time until the last record arrives)
    last, stable = -1, 0
    while stable < 5:
        n = sink_get(sink_port)["records"]
        stable = stable + 1 if n == last else 0
        last = n
        time.sleep(0.2)
    total_s = time.time() - t0 - 1.0  # minus the quiet second that ended the wait
    return w, last, last / max(total_s, wrote_s)


def drain(port, sink_port, arn, n=100000):
    """Delivery capacity alone: n records already in the stream, then a
    mapping from TRIM_HORIZON; records/s until the function has them all."""
    run.seed(port, n // 10, 10)  # BatchWriteItem into the stream's table, 10 items per user
    sink_get(sink_port, "DELETE")
    t0 = time.time()
    m = rest(port, "POST", "/2015-03-31/event-source-mappings/",
             {"FunctionName": "sink", "EventSourceArn": arn, "StartingPosition": "TRIM_HORIZON", "BatchSize": 100})
    deadline = t0 + 120
    got = 0
    while time.time() < deadline:
        got = sink_get(sink_port)["records"]
        if got >= n:
            break
        time.sleep(0.05)
    rate = got / (time.time() - t0)
    rest(port, "DELETE", f"/2015-03-31/event-source-mappings/{m['UUID']}")
    return rate, got


def bench(threads):
    build = os.path.join(ROOT, "build-release")
    sink = subprocess.Popen(["node", os.path.join(ROOT, "bench", "trigger_sink.js"), "0"], stdout=subprocess.PIPE,
                            text=True)
    sink_port = int(sink.stdout.readline())
    port = run.free_port()
    data = tempfile.mkdtemp(prefix="ddbd-trig-")
    ddbd = subprocess.Popen([os.path.join(build, "ddbd"), "--port", str(port), "--data-dir", data, "--threads",
                             str(threads), "--function", f"sink=http://127.0.0.1:{sink_port}/"],
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while True:
            try:
                run.list_tables(port)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.02)
        arn = create_table(port, "bench")
        # the delivery capacity first: a backlog of seeded records
        drain_rate, drained = drain(port, sink_port, arn)
        time.sleep(5)  # the seed's memtable flush and compaction, before the write-path runs
        # the write path without a mapping (the stream is on in both runs)
        base, _, _ = throughput(port, sink_port)
        m = rest(port, "POST", "/2015-03-31/event-source-mappings/",
                 {"FunctionName": "sink", "EventSourceArn": arn, "StartingPosition": "LATEST", "BatchSize": 100})
        time.sleep(1)
        lat = latency(port, sink_port)
        w, delivered, rate = throughput(port, sink_port)
        rest(port, "DELETE", f"/2015-03-31/event-source-mappings/{m['UUID']}")
        return {"threads": threads, "lat": lat, "base": base, "with": w, "delivered": delivered, "rate": rate,
                "drain": drain_rate, "drained": drained}
    finally:
        ddbd.terminate()
        ddbd.wait()
        sink.terminate()
        sink.wait()


def main():
    rows = [bench(t) for t in (1, 2)]
    print("| ddbd threads | ack→invoke p50 ms | p99 ms | max ms | send→invoke p50 ms | p99 ms | samples | "
          "PutItem/s without mapping | PutItem/s with mapping | kept | delivered/s meanwhile | "
          "backlog drained/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        lat = r["lat"]
        kept = r["with"]["req_s"] / r["base"]["req_s"] if r["base"]["req_s"] else 0
        print(f"| {r['threads']} | {lat['p50']:.1f} | {lat['p99']:.1f} | {lat['max']:.1f} | "
              f"{lat['s50']:.1f} | {lat['s99']:.1f} | "
              f"{lat['n']} ({lat['missing']} missing) | {r['base']['req_s']:,} | {r['with']['req_s']:,} | "
              f"{kept:.0%} | {r['rate']:,.0f} | {r['drain']:,.0f} ({r['drained']:,}) |")


if __name__ == "__main__":
    main()
