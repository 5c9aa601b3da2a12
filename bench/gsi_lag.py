"""gsi_lag.py: GSIs on the Redis Cluster backend (issue #22), applied
asynchronously from the change feed: how long after a PutItem's answer its
entry shows in the GSI, read through another front end (the applier of the
bucket is whichever front end holds its lease; a front end reading its own
writes waits for its own applier, so the other front end's view is the
honest one), at rest and under a moderate background load of PutItems
through all three front ends; and what an index costs a PutItem, wrk
against tables with a GSI, with an LSI (written with the item in one step),
with point-in-time recovery on (each write also records the item's previous
state) and without. Three front ends (--threads 1) on 3 masters x 1 replica.
Usage: gsi_lag.py  (environment: BENCH_SECONDS, BENCH_PROBES, BENCH_RATE:
background puts/s, BENCH_TABLES: the tables wrk writes, of "nogsi withgsi
sorted withlsi withpitr")"""
import os
import subprocess
import sys
import tempfile
import threading
import time

import boto3
from botocore.config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from cluster import CLUSTER, start, wrk_many  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
PROBES = int(os.environ.get("BENCH_PROBES", "300"))
RATE = int(os.environ.get("BENCH_RATE", "600"))
PORT = "7550"


def client(port):
    return boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="k", aws_secret_access_key="s",
                        config=Config(retries={"max_attempts": 3}, max_pool_connections=16))


def make(c, name, gsi, sort=False, lsi=False):
    """A table keyed PK (and with sort, PK + n), with a GSI or an LSI on g."""
    kw = {}
    ad = [{"AttributeName": "PK", "AttributeType": "S"}]
    ks = [{"AttributeName": "PK", "KeyType": "HASH"}]
    if gsi or lsi:
        ad.append({"AttributeName": "g", "AttributeType": "S"})
    if gsi:
        kw["GlobalSecondaryIndexes"] = [{"IndexName": "g-index", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                         "Projection": {"ProjectionType": "ALL"}}]
    if sort:
        ad.append({"AttributeName": "n", "AttributeType": "N"})
        ks.append({"AttributeName": "n", "KeyType": "RANGE"})
    if lsi:
        kw["LocalSecondaryIndexes"] = [{"IndexName": "g-local", "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"},
                                                                            {"AttributeName": "g", "KeyType": "RANGE"}],
                                        "Projection": {"ProjectionType": "ALL"}}]
    c.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad, BillingMode="PAY_PER_REQUEST", **kw)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def probe(ports, background):
    cs = [client(p) for p in ports]
    stop = threading.Event()

    def load(i):
        c, n, t0 = client(ports[i % 3]), 0, time.monotonic()
        per = RATE / 3
        while not stop.is_set():
            c.put_item(TableName="lag", Item={"PK": {"S": f"bg{i}-{n % 5000}"}, "g": {"S": f"bg{n % 50}"},
                                              "n": {"N": str(n)}})
            n += 1
            ahead = n / per - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)

    threads = [threading.Thread(target=load, args=(i,)) for i in range(3 if background else 0)]
    for t in threads:
        t.start()
    lags = []
    try:
        for i in range(PROBES):
            w, r = cs[i % 3], cs[(i + 1) % 3]
            key = f"probe-{background}-{i}"
            w.put_item(TableName="lag", Item={"PK": {"S": key}, "g": {"S": key}})
            acked = time.monotonic()
            while True:
                got = r.query(TableName="lag", IndexName="g-index", KeyConditionExpression="g = :g",
                              ExpressionAttributeValues={":g": {"S": key}})
                if got["Count"]:
                    lags.append((time.monotonic() - acked) * 1000)
                    break
                if time.monotonic() - acked > 10:
                    raise SystemExit(f"probe {key} not in the GSI after 10 s")
            time.sleep(0.01)
    finally:
        stop.set()
        for t in threads:
            t.join()
    return lags


def main():
    cd = tempfile.mkdtemp(prefix="ddb-bench-gsi-")
    url = subprocess.run([CLUSTER, "up", "--masters", "3", "--replicas", "1", "--port", PORT, "--dir", cd],
                         check=True, capture_output=True, text=True).stdout.split()[-1]
    fronts = []
    try:
        fronts = [start(["--store", url]) for _ in range(3)]
        ports = [f[1] for f in fronts]
        c = client(ports[0])
        make(c, "lag", True)
        make(c, "withgsi", True)
        make(c, "nogsi", False)
        make(c, "sorted", False, sort=True)
        make(c, "withlsi", False, sort=True, lsi=True)
        make(c, "withpitr", False)
        c.update_continuous_backups(TableName="withpitr",
                                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        print("| GSI lag, PutItem answered -> entry read through another front end | p50 ms | p95 ms | p99 ms | max ms |")
        print("|---|---:|---:|---:|---:|")
        for background in (False, True):
            lags = probe(ports, background)
            label = f"under {RATE} background PutItems/s" if background else "at rest"
            print(f"| {label} ({len(lags)} probes) | {pct(lags, 50):.1f} | {pct(lags, 95):.1f} | "
                  f"{pct(lags, 99):.1f} | {max(lags):.1f} |", flush=True)
        print()
        print("| PutItem, 3 front ends x 21 connections | req/s | worst p99 ms | non-2xx / errors |")
        print("|---|---:|---:|---:|")
        labels = {"nogsi": "without indexes", "withgsi": "with a GSI",
                  "sorted": "with a sort key (n), without indexes", "withlsi": "with a sort key (n) and an LSI",
                  "withpitr": "without indexes, point-in-time recovery on"}
        for table in (os.environ.get("BENCH_TABLES") or "nogsi withgsi sorted withlsi withpitr").split():
            os.environ["BENCH_TABLE"] = table
            req, p99, bad = wrk_many(ports, "putitem_table", 21)
            print(f"| table {labels[table]} | {req:,} | {p99:.2f} | {bad} |", flush=True)
    finally:
        for f, _ in fronts:
            f.terminate()
            f.wait()
        subprocess.run([CLUSTER, "down", "--port", PORT, "--dir", cd], capture_output=True)


if __name__ == "__main__":
    main()
