"""dds.py: the consumer library's benchmark (bench/run.sh dds runs it).

For each server (a Release ddbd with one event-loop thread and with two; AWS DynamoDB Local
when Java is there), on a table whose stream already holds a backlog of BENCH_DDS_BACKLOG
records (default 100,000; DynamoDB Local 20,000, it writes slowly):
  - delivery: one libddbstreams worker (tests/clients/dds_probe, without leases and with a
    lease table) from TRIM_HORIZON: records/s from its first batch to the last, and its peak
    memory (VmHWM) — with a backlog five times smaller too, which must cost the same memory;
  - the peer: the loop people write by hand, in Python with boto3 (GetShardIterator
    TRIM_HORIZON, then GetRecords Limit 1000 until caught up), over the same backlog;
  - latency: from an acknowledged PutItem (one writer, one write at a time, spaced 10 ms) to
    dds_next handing its record over, with the default poll settings: p50 and p99.
Usage: dds.py   (environment: BENCH_DDS_BACKLOG, BENCH_PROBES latency samples, default 300)"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the shared driver: servers, ports)
import boto3  # noqa: E402
import botocore.config  # noqa: E402

PROBE = os.path.join(run.BUILD, "dds_probe")
BACKLOG = int(os.environ.get("BENCH_DDS_BACKLOG", "100000"))
PROBES = int(os.environ.get("BENCH_PROBES", "300"))
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDBENCH", AWS_SECRET_ACCESS_KEY="secret",
           AWS_EC2_METADATA_DISABLED="true")


def client(port, service="dynamodb"):
    return boto3.client(service, endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="AKIDBENCH", aws_secret_access_key="secret",
                        config=botocore.config.Config(retries={"max_attempts": 10}))


def stream_table(ddb, name):
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


def fill(ddb, name, n):
    body = "x" * 100
    for first in range(0, n, 25):
        reqs = [{"PutRequest": {"Item": {"pk": {"S": f"u{i:08d}"}, "body": {"S": body},
                                         "n": {"N": str(i)}}}} for i in range(first, min(n, first + 25))]
        left = {name: reqs}
        while left:
            left = ddb.batch_write_item(RequestItems=left).get("UnprocessedItems") or None


def vmhwm_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def drain_with_probe(port, table, n, app=None):
    """records/s of one worker reading n records, and its peak memory."""
    cmd = [PROBE, "--endpoint", f"http://127.0.0.1:{port}", "--region", "us-east-1", "--quiet"]
    if app:
        cmd += ["--app", app]
    proc = subprocess.Popen(cmd + [table], stdout=subprocess.PIPE, env=ENV, text=True)
    got, first, last, peak = 0, None, None, 0.0
    for line in proc.stdout:
        msg = json.loads(line)
        if "n" not in msg:
            continue
        if first is None:
            first = msg["rx"]
        got += msg["n"]
        last = msg["rx"]
        peak = max(peak, vmhwm_mb(proc.pid))
        if got >= n:
            break
    peak = max(peak, vmhwm_mb(proc.pid))
    proc.terminate()
    proc.wait(timeout=30)
    secs = max((last - first) / 1000, 1e-3) if first is not None else float("inf")
    return got / secs, peak


def drain_with_boto3(port, table, n):
    ddb, streams = client(port), client(port, "dynamodbstreams")
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got, t0 = 0, time.time()
    while got < n and it:
        r = streams.get_records(ShardIterator=it, Limit=1000)
        got += len(r["Records"])
        it = r.get("NextShardIterator")
    return got / (time.time() - t0)


def latency(port, table):
    ddb = client(port)
    proc = subprocess.Popen([PROBE, "--endpoint", f"http://127.0.0.1:{port}", "--region", "us-east-1",
                             "--latest", table], stdout=subprocess.PIPE, env=ENV, text=True)
    rx = {}

    def reader():
        for line in proc.stdout:
            msg = json.loads(line)
            if "keys" in msg:
                rx[msg["keys"]["pk"]["S"]] = msg["rx"]
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    time.sleep(1.5)  # LATEST iterators taken
    acks = {}
    for i in range(PROBES):
        key = f"lat{i}"
        ddb.put_item(TableName=table, Item={"pk": {"S": key}})
        acks[key] = time.time() * 1000
        time.sleep(0.01)
    deadline = time.time() + 10
    while len(rx) < PROBES and time.time() < deadline:
        time.sleep(0.05)
    proc.terminate()
    proc.wait(timeout=30)
    lat = sorted(max(0.0, rx[k] - acks[k]) for k in acks if k in rx)
    if not lat:
        return float("nan"), float("nan"), 0
    return statistics.median(lat), lat[min(len(lat) - 1, int(len(lat) * 0.99))], len(lat)


def main():
    ddbd = os.path.join(run.BUILD, "ddbd")
    servers = [run.Server("ddbd", [ddbd, "--port", "{port}", "--data-dir", "{dir}", "--threads", "1"]),
               run.Server("ddbd 2 threads", [ddbd, "--port", "{port}", "--data-dir", "{dir}", "--threads", "2"])]
    if os.path.isdir(run.EMULATOR):
        servers.append(run.Server("DynamoDB Local", ["java", "-Djava.library.path=./DynamoDBLocal_lib", "-jar",
                                                     "DynamoDBLocal.jar", "-inMemory", "-port", "{port}"],
                                  cwd=run.EMULATOR))
    only = os.environ.get("BENCH_SERVERS")
    if only:
        servers = [s for s in servers if s.name in only.split(",")]
    print("| server | backlog | dds records/s | dds + leases records/s | boto3 loop records/s "
          "| dds / boto3 | dds peak MB | peak MB, backlog / 5 | latency p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in servers:
        n = BACKLOG if s.name.startswith("ddbd") else min(BACKLOG, 20000)
        try:
            s.start()
            ddb = client(s.port)
            stream_table(ddb, "backlog")
            stream_table(ddb, "small")
            stream_table(ddb, "lat")
            fill(ddb, "backlog", n)
            fill(ddb, "small", n // 5)
            rate, peak = drain_with_probe(s.port, "backlog", n)
            lrate, _ = drain_with_probe(s.port, "backlog", n, app="backlog_leases")
            _, small_peak = drain_with_probe(s.port, "small", n // 5)
            brate = drain_with_boto3(s.port, "backlog", n)
            p50, p99, k = latency(s.port, "lat")
            print(f"| {s.name} | {n} | {rate:,.0f} | {lrate:,.0f} | {brate:,.0f} | {rate / brate:.1f} "
                  f"| {peak:.1f} | {small_peak:.1f} | {p50:.1f} | {p99:.1f} |", flush=True)
        finally:
            s.stop()


if __name__ == "__main__":
    main()
