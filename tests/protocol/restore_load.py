"""Helpers of the backup and PITR tests: writers under load that log every
write's send and acknowledgement times, and the exact check of a restored
table against those logs (each writer's part must be the state after some
prefix of its writes, at least every write acknowledged before the instant
and at most every write sent before it), plus raw JSON calls for the
timestamps botocore would cut to whole seconds."""
import http.client
import json
import threading
import time
import urllib.parse

import pytest

from conftest import make_client

STATIC = 2000  # items every table starts with (never written again)


def fill(ddb, table, n=STATIC, extra=None):
    """Writes n static items (pk "static-i") in batches."""
    for start in range(0, n, 25):
        reqs = []
        for i in range(start, min(n, start + 25)):
            item = {"pk": {"S": f"static-{i}"}, "v": {"N": str(i)}, "pad": {"S": "x" * 40}}
            if extra:
                item.update(extra(i))
            reqs.append({"PutRequest": {"Item": item}})
        left = {table: reqs}
        while left:
            left = ddb.batch_write_item(RequestItems=left).get("UnprocessedItems")


class Writer(threading.Thread):
    """Sequential writes to its own keys w<id>-<k>: a put of seq i to key
    i % keys, every 7th write a delete instead; log[i] = (sent, acked)."""

    def __init__(self, endpoint, table, wid, keys=40):
        super().__init__(daemon=True)
        self.ddb = make_client(endpoint)
        self.table, self.wid, self.keys = table, wid, keys
        self.log = []
        self.stop = threading.Event()
        self.error = None

    def op(self, i):
        key = f"w{self.wid}-{i % self.keys}"
        if i % 7 == 6:
            return ("del", key, None)
        return ("put", key, {"pk": {"S": key}, "w": {"N": str(self.wid)}, "seq": {"N": str(i)}})

    def run(self):
        i = 0
        try:
            while not self.stop.is_set():
                kind, key, item = self.op(i)
                sent = time.time()
                if kind == "put":
                    self.ddb.put_item(TableName=self.table, Item=item)
                else:
                    self.ddb.delete_item(TableName=self.table, Key={"pk": {"S": key}})
                self.log.append((sent, time.time()))
                i += 1
        except Exception as e:  # reported by stop_all
            self.error = e


def start_writers(endpoint, table, n=4):
    ws = [Writer(endpoint, table, w) for w in range(n)]
    for w in ws:
        w.start()
    return ws


def stop_writers(ws):
    for w in ws:
        w.stop.set()
    for w in ws:
        w.join(30)
    for w in ws:
        assert w.error is None, f"writer {w.wid} failed: {w.error!r}"


def scan_all(ddb, table, **kw):
    items, start = [], None
    while True:
        args = dict(TableName=table, ConsistentRead=True, **kw)
        if start:
            args["ExclusiveStartKey"] = start
        page = ddb.scan(**args)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def check_writer(w, items, lo, hi):
    """items: the restored items of writer w (pk -> item). Passes when they
    equal the state after some prefix p of w's writes, lo <= p <= hi;
    returns p."""
    assert 0 <= lo <= hi <= len(w.log), (lo, hi, len(w.log))
    state = {}
    for i in range(lo):
        kind, key, item = w.op(i)
        state.pop(key, None) if kind == "del" else state.__setitem__(key, item)
    for p in range(lo, hi + 1):
        if state == items:
            return p
        if p < hi:
            kind, key, item = w.op(p)
            state.pop(key, None) if kind == "del" else state.__setitem__(key, item)
    seqs = sorted(int(i["seq"]["N"]) for i in items.values())
    pytest.fail(f"writer {w.wid}: restored part matches no prefix in [{lo}, {hi}] "
                f"(log {len(w.log)} writes; restored seqs {seqs[-5:]})")


def check_restored(ddb, table, writers, bounds, static=STATIC):
    """bounds(w) -> (lo, hi). Every static item and, per writer, exactly a
    prefix-consistent state; nothing else."""
    items = {i["pk"]["S"]: i for i in scan_all(ddb, table)}
    stat = [k for k in items if k.startswith("static-")]
    assert len(stat) == static
    for k in stat:
        assert items[k]["v"]["N"] == k.split("-")[1]
    prefixes = []
    for w in writers:
        mine = {k: v for k, v in items.items() if k.startswith(f"w{w.wid}-")}
        lo, hi = bounds(w)
        prefixes.append(check_writer(w, mine, lo, hi))
    others = [k for k in items if not k.startswith("static-") and not k.startswith("w")]
    assert others == []
    return prefixes


def acked_before(w, t):
    """How many of w's writes were acknowledged before t (a prefix: they are sequential)."""
    return sum(1 for s, a in w.log if a < t)


def sent_before(w, t):
    return sum(1 for s, a in w.log if s < t)


def wait_active(ddb, table, timeout=60):
    deadline = time.time() + timeout
    while True:
        t = ddb.describe_table(TableName=table)["Table"]
        if t["TableStatus"] == "ACTIVE":
            return t
        assert t["TableStatus"] == "CREATING"
        assert t["RestoreSummary"]["RestoreInProgress"] is True
        assert time.time() < deadline, "restore did not finish"
        time.sleep(0.05)


def wait_available(ddb, arn, timeout=60):
    deadline = time.time() + timeout
    while True:
        d = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
        if d["BackupDetails"]["BackupStatus"] == "AVAILABLE":
            return d
        assert d["BackupDetails"]["BackupStatus"] == "CREATING"
        assert time.time() < deadline, "backup did not finish"
        time.sleep(0.05)


def raw_call(endpoint, op, body):
    """A JSON-protocol call sent as given (timestamps keep their fractions):
    (status, parsed body)."""
    u = urllib.parse.urlparse(endpoint)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.request("POST", "/", body=json.dumps(body), headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{op}",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/dynamodb/aws4_request, "
                         "SignedHeaders=host;x-amz-date, Signature=0",
        "X-Amz-Date": "20260101T000000Z",
    })
    r = c.getresponse()
    data = json.loads(r.read() or b"{}")
    c.close()
    return r.status, data
