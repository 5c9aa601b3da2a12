"""libddbstreams (streams/dds.h) end to end: real worker processes (tests/clients/dds_probe.c,
which prints every record it is handed and checkpoints each batch) reading a table's stream
from a real ddbd, coordinating through KCL-shaped leases in an ordinary table.

Run against DynamoDB Local too (DDB_ENDPOINT=http://127.0.0.1:8199): its Streams API is a second
implementation the library must work against; the tests that need ddbd's own flags (shard
rollover, parallel shards, retention, iterator lifetime, signature checking) are ddbd_only.
"""
import json
import os
import signal
import subprocess
import threading
import time

import pytest

from conftest import DDBD, Ddbd, make_client

PROBE = os.path.join(os.path.dirname(DDBD), "dds_probe")
LEASE_MS = 2000


class Probe:
    """One worker process; its output lines parsed as they come."""

    def __init__(self, endpoint, table, *args, worker=None, app=None, env=None):
        cmd = [PROBE, "--endpoint", endpoint, "--region", "us-east-1", "--lease-ms", str(LEASE_MS)]
        if app:
            cmd += ["--app", app]
        if worker:
            cmd += ["--worker", worker]
        cmd += [*args, table]
        e = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDLOCAL", AWS_SECRET_ACCESS_KEY="secret",
                 AWS_EC2_METADATA_DISABLED="true")
        e.update(env or {})
        self.worker = worker
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=e)
        self.lines, self.lock = [], threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = json.loads(raw)
            with self.lock:
                self.lines.append(line)

    def records(self):
        with self.lock:
            return [line for line in self.lines if "seq" in line and "error" not in line]

    def errors(self):
        with self.lock:
            return [line for line in self.lines if "error" in line]

    def opened(self):
        with self.lock:
            return any("open" in line for line in self.lines)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=20)
        self.reader.join(timeout=5)
        return rc


def wait_until(pred, timeout=20.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def probes():
    started = []
    yield started
    for p in started:
        if p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait()


def stream_table(ddb, make_table, view="NEW_AND_OLD_IMAGES"):
    return make_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": view})


def put_versions(ddb, table, keys, versions, start=1):
    """Writes versions start..start+versions-1 of every key, key by key interleaved."""
    for v in range(start, start + versions):
        for k in keys:
            ddb.put_item(TableName=table, Item={"pk": {"S": k}, "v": {"N": str(v)}})


def versions_of(records):
    """{key: [v, ...]} in delivery order, from records carrying a NewImage."""
    out = {}
    for r in records:
        if "new" in r:
            out.setdefault(r["keys"]["pk"]["S"], []).append(int(r["new"]["v"]["N"]))
    return out


def leases(ddb, app):
    items = ddb.scan(TableName=app, ConsistentRead=True)["Items"]
    return {i["leaseKey"]["S"]: i for i in items}


@pytest.fixture
def lease_app(ddb, probes):
    """Names a lease table for a table; after the test, once every worker has stopped, the
    lease tables are deleted."""
    made = []

    def make(table):
        made.append(f"{table}_leases")
        return made[-1]
    yield make
    for p in probes:
        p.stop()
    for app in made:
        try:
            ddb.delete_table(TableName=app)
        except ddb.exceptions.ResourceNotFoundException:
            pass


# ---- reading without leases ----------------------------------------------------------------


def test_tail_delivers_every_change_with_its_images_in_order(endpoint, ddb, make_table, probes):
    table = stream_table(ddb, make_table)
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}, "b": {"B": b"\x00\xff"}})
    ddb.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"N": "2"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    p = Probe(endpoint, table)
    probes.append(p)
    wait_until(lambda: len(p.records()) >= 3, what="3 records")
    r = p.records()
    assert [x["event"] for x in r] == ["INSERT", "MODIFY", "REMOVE"]
    assert r[0]["keys"] == {"pk": {"S": "a"}}
    assert r[0]["new"] == {"pk": {"S": "a"}, "v": {"N": "1"}, "b": {"B": "AP8="}}
    assert "old" not in r[0]
    assert r[1]["old"]["v"] == {"N": "1"} and r[1]["new"]["v"] == {"N": "2"}
    assert r[2]["old"]["v"] == {"N": "2"} and "new" not in r[2]
    seqs = [int(x["seq"]) for x in r]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert all(x["ttl"] is False and x["size"] > 0 for x in r)
    # the records' creation times are about now
    assert all(abs(x["time"] - time.time() * 1000) < 120000 for x in r)
    assert p.stop() == 0
    assert p.errors() == []


def test_latest_skips_what_was_written_before(endpoint, ddb, make_table, probes):
    table = stream_table(ddb, make_table)
    put_versions(ddb, table, ["old1", "old2"], 1)
    p = Probe(endpoint, table, "--latest")
    probes.append(p)
    wait_until(p.opened, what="open")
    time.sleep(1.0)  # the background thread takes its LATEST iterators
    put_versions(ddb, table, ["new1", "new2"], 1)
    wait_until(lambda: len(p.records()) >= 2, what="the two new records")
    time.sleep(0.3)
    assert sorted(r["keys"]["pk"]["S"] for r in p.records()) == ["new1", "new2"]


def test_a_table_without_a_stream_is_refused(endpoint, make_table):
    table = make_table()
    p = Probe(endpoint, table)
    assert p.proc.wait(timeout=20) == 2  # dds_open failed
    p.reader.join(timeout=5)
    (err,) = p.errors()
    assert err["error"] == "DDS_ENOSTREAM"
    assert table in err["message"]


def test_a_missing_table_is_refused(endpoint):
    p = Probe(endpoint, "no_such_table_dds")
    assert p.proc.wait(timeout=20) == 2
    p.reader.join(timeout=5)
    (err,) = p.errors()
    assert err["error"] == "DDS_ENOSTREAM"


def test_dds_tail_prints_changes_as_json_lines_and_stops_cleanly(endpoint, ddb, make_table, lease_app):
    """The example program (streams/examples/tail.c), with a lease table."""
    table = stream_table(ddb, make_table)
    app = lease_app(table)
    ddb.put_item(TableName=table, Item={"pk": {"S": "x"}, "n": {"N": "12345678901234567890123456789012345678"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "x"}})
    tail = os.path.join(os.path.dirname(DDBD), "dds_tail")
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDLOCAL", AWS_SECRET_ACCESS_KEY="secret",
               AWS_EC2_METADATA_DISABLED="true")
    proc = subprocess.Popen([tail, "--endpoint", endpoint, "--region", "us-east-1", "--app", app, table],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        lines = [json.loads(proc.stdout.readline()) for _ in range(2)]
        assert [x["event"] for x in lines] == ["INSERT", "REMOVE"]
        assert lines[0]["new"]["n"] == {"N": "12345678901234567890123456789012345678"}
        assert lines[1]["keys"] == {"pk": {"S": "x"}} and lines[1]["ttl"] is False
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        # it checkpointed what it printed and released its lease
        (lease,) = leases(ddb, app).values()
        assert lease["checkpoint"]["S"] == lines[1]["seq"] and "leaseOwner" not in lease
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


# ---- leases and checkpoints ------------------------------------------------------------------


def test_checkpoints_live_in_an_ordinary_kcl_shaped_table(endpoint, ddb, make_table, probes, lease_app):
    table = stream_table(ddb, make_table)
    app = lease_app(table)
    put_versions(ddb, table, ["a", "b", "c"], 5)
    p = Probe(endpoint, table, app=app, worker="w1")
    probes.append(p)
    wait_until(lambda: len(p.records()) >= 15, what="15 records")
    last = p.records()[-1]["seq"]
    wait_until(lambda: any(l["checkpoint"]["S"] == last for l in leases(ddb, app).values()),
               what="the checkpoint of the last record")
    (lease,) = [l for l in leases(ddb, app).values() if l["checkpoint"]["S"] == last]
    assert lease["leaseKey"]["S"] == p.records()[-1]["shard"]
    assert lease["leaseOwner"] == {"S": "w1"}
    assert int(lease["leaseCounter"]["N"]) >= 2  # taken, then checkpointed
    assert lease["checkpointSubSequenceNumber"] == {"N": "0"}
    assert lease["ownerSwitchesSinceCheckpoint"] == {"N": "0"}
    assert p.stop() == 0
    # released on close: no owner, the checkpoint kept
    lease = leases(ddb, app)[lease["leaseKey"]["S"]]
    assert "leaseOwner" not in lease and lease["checkpoint"]["S"] == last

    # a restarted worker goes on from the checkpoint: no record twice
    put_versions(ddb, table, ["a", "b", "c"], 2, start=6)
    q = Probe(endpoint, table, app=app, worker="w2")
    probes.append(q)
    wait_until(lambda: len(q.records()) >= 6, what="the 6 new records")
    time.sleep(0.5)
    assert versions_of(q.records()) == {"a": [6, 7], "b": [6, 7], "c": [6, 7]}


def test_a_clean_close_hands_shards_over_without_duplicates(endpoint, ddb, make_table, probes, lease_app):
    table = stream_table(ddb, make_table)
    app = lease_app(table)
    keys = [f"k{i}" for i in range(8)]
    a = Probe(endpoint, table, app=app, worker="A")
    b = Probe(endpoint, table, app=app, worker="B")
    probes += [a, b]
    put_versions(ddb, table, keys, 5)
    wait_until(lambda: len(a.records()) + len(b.records()) >= 40, what="40 records")
    # one shard: one of the two holds it; it closes, the other takes over at once
    holder, other = (a, b) if a.records() else (b, a)
    assert other.records() == []
    assert holder.stop() == 0
    put_versions(ddb, table, keys, 5, start=6)
    wait_until(lambda: len(a.records()) + len(b.records()) >= 80, timeout=30,
               what="80 records in all")
    time.sleep(1.0)
    every = a.records() + b.records()
    assert len(every) == 80, "a record was delivered twice or not at all"
    got = versions_of(every)
    assert all(sorted(got[k]) == list(range(1, 11)) for k in keys)
    for w in (a, b):
        assert all(v == sorted(v) for v in versions_of(w.records()).values())


def test_a_killed_worker_s_shards_are_taken_over(endpoint, ddb, make_table, probes, lease_app):
    """Three workers; the one holding shards is killed with kill -9: within lease_ms plus a
    poll another worker goes on from its checkpoint; every record is delivered at least once,
    in order per key within each worker, none skipped."""
    table = stream_table(ddb, make_table)
    app = lease_app(table)
    keys = [f"k{i}" for i in range(10)]
    ws = [Probe(endpoint, table, app=app, worker=f"W{i}") for i in range(3)]
    probes += ws
    put_versions(ddb, table, keys, 5)
    wait_until(lambda: sum(len(w.records()) for w in ws) >= 50, what="50 records")
    victim = max(ws, key=lambda w: len(w.records()))
    victim_shards = {r["shard"] for r in victim.records()}
    victim.stop(signal.SIGKILL)
    killed = time.time()
    put_versions(ddb, table, keys, 5, start=6)
    others = [w for w in ws if w is not victim]

    def taken_over():
        return any(r["shard"] in victim_shards and int(r["new"]["v"]["N"]) > 5
                   for w in others for r in w.records())
    wait_until(taken_over, timeout=30, what="another worker reading the victim's shards")
    took = time.time() - killed
    # lease_ms, then one lease scan (lease_ms / 10) and a read, with slack for a busy host
    assert took < LEASE_MS / 1000 * 2 + 3, f"takeover took {took:.1f} s"
    wait_until(lambda: all(set(versions_of([r for w in ws for r in w.records()]).get(k, []))
                           == set(range(1, 11)) for k in keys), timeout=30,
               what="every version of every key")
    for w in ws:
        for k, v in versions_of(w.records()).items():
            assert v == sorted(v), f"{w.proc.args} delivered {k} out of order: {v}"
    # the lease changed hands: the table says so
    moved = [l for l in leases(ddb, app).values() if l["leaseKey"]["S"] in victim_shards]
    assert moved and all(l.get("leaseOwner", {}).get("S") != victim.worker for l in moved)


def test_a_recreated_stream_does_not_inherit_checkpoints(endpoint, ddb, make_table, probes, lease_app):
    table = stream_table(ddb, make_table)
    app = lease_app(table)
    put_versions(ddb, table, ["a"], 3)
    p = Probe(endpoint, table, app=app, worker="w1")
    probes.append(p)
    wait_until(lambda: len(p.records()) >= 3, what="3 records")
    time.sleep(0.5)
    assert p.stop() == 0
    old = {l["leaseKey"]["S"] for l in leases(ddb, app).values()}
    old_arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True,
                                                           "StreamViewType": "NEW_AND_OLD_IMAGES"})
    new_arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    assert new_arn != old_arn
    put_versions(ddb, table, ["b"], 2)
    q = Probe(endpoint, table, app=app, worker="w2")
    probes.append(q)
    wait_until(lambda: len(q.records()) >= 2, what="the new stream's records")
    time.sleep(0.5)
    assert versions_of(q.records()) == {"b": [1, 2]}
    # the old stream's leases are gone from the table
    wait_until(lambda: not (old & set(leases(ddb, app))), what="the old leases deleted")
    assert all(l["streamArn"]["S"] == new_arn for l in leases(ddb, app).values())


# ---- ddbd's own flags ------------------------------------------------------------------------


@pytest.fixture
def server(request):
    """A ddbd of the test's own with extra flags (request.param)."""
    s = Ddbd(extra=request.param).start()
    yield s
    s.stop()
    s.cleanup()


def client_of(server):
    return make_client(server.endpoint)


def make_stream_table(ddb, name):
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    return name


@pytest.mark.ddbd_only
@pytest.mark.parametrize("server", [["--shard-rollover", "1"]], indirect=True)
def test_rollover_reads_parents_before_children(server, probes):
    ddb = client_of(server)
    table = make_stream_table(ddb, "roll")
    keys = [f"k{i}" for i in range(4)]
    a = Probe(server.endpoint, table, app="roll_leases", worker="A")
    b = Probe(server.endpoint, table, app="roll_leases", worker="B")
    probes += [a, b]
    for round_ in range(4):  # four rollover periods: a chain of shards
        put_versions(ddb, table, keys, 3, start=round_ * 3 + 1)
        time.sleep(1.2)
    total = 4 * 3 * len(keys)
    wait_until(lambda: len(a.records()) + len(b.records()) >= total, timeout=40, what="every record")
    time.sleep(1.0)
    every = a.records() + b.records()
    assert len(every) == total, "a record was delivered twice or not at all"
    streams = make_client(server.endpoint, "dynamodbstreams")
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    parent_of = {s["ShardId"]: s.get("ParentShardId") for s in desc}
    assert len(parent_of) >= 3
    # a child's first record was handed over after its parent's last
    first_rx, last_rx = {}, {}
    for r in every:
        first_rx[r["shard"]] = min(first_rx.get(r["shard"], r["rx"]), r["rx"])
        last_rx[r["shard"]] = max(last_rx.get(r["shard"], r["rx"]), r["rx"])
    for child, parent in parent_of.items():
        if parent in last_rx and child in first_rx:
            assert first_rx[child] >= last_rx[parent], f"{child} read before its parent {parent}"
    # per key, the versions arrive in order across the whole chain
    by_rx = sorted(every, key=lambda r: (r["rx"], int(r["seq"])))
    for k, v in versions_of(by_rx).items():
        assert v == list(range(1, 13)), f"{k}: {v}"
    # finished shards say SHARD_END in the lease table, with their parents named
    ls = leases(ddb, "roll_leases")
    ended = [l for l in ls.values() if l["checkpoint"]["S"] == "SHARD_END"]
    assert len(ended) >= 2
    assert any("parentShardIds" in l for l in ls.values())


@pytest.mark.ddbd_only
@pytest.mark.parametrize("server", [["--stream-retention", "1", "--ttl-interval", "0.2"]],
                         indirect=True)
def test_a_trimmed_checkpoint_gives_egap_once(server, probes):
    ddb = client_of(server)
    streams = make_client(server.endpoint, "dynamodbstreams")
    table = make_stream_table(ddb, "trim")
    put_versions(ddb, table, ["a"], 3)
    p = Probe(server.endpoint, table, app="trim_leases", worker="w1")
    probes.append(p)
    wait_until(lambda: len(p.records()) >= 3, what="3 records")
    time.sleep(0.5)
    assert p.stop() == 0
    checkpoint = p.records()[-1]["seq"]
    shard = p.records()[-1]["shard"]
    put_versions(ddb, table, ["b"], 3)  # never read, and trimmed
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]

    def trimmed():
        """the checkpoint and every record after it (the b's) are gone"""
        try:
            streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                       SequenceNumber=checkpoint)
            return False
        except streams.exceptions.TrimmedDataAccessException:
            pass
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        return streams.get_records(ShardIterator=it)["Records"] == []
    wait_until(trimmed, timeout=30, what="the checkpoint to be trimmed")
    put_versions(ddb, table, ["c"], 2)
    q = Probe(server.endpoint, table, app="trim_leases", worker="w2")
    probes.append(q)
    wait_until(lambda: len(q.records()) >= 2 and q.errors(), what="the gap and the new records")
    time.sleep(1.0)
    (gap,) = q.errors()
    assert gap["error"] == "DDS_EGAP" and gap["shard"] == shard
    assert gap["seq"] == q.records()[0]["seq"]
    assert versions_of(q.records()) == {"c": [1, 2]}


@pytest.mark.ddbd_only
@pytest.mark.parametrize("server", [["--iterator-lifetime", "1"]], indirect=True)
def test_expired_iterators_are_renewed_inside_the_library(server, probes):
    ddb = client_of(server)
    table = make_stream_table(ddb, "expiry")
    put_versions(ddb, table, ["a"], 12)
    # five records a batch, 1.5 s after each: every iterator the library holds has expired
    p = Probe(server.endpoint, table, "--max-records", "5", "--pause-ms", "1500")
    probes.append(p)
    wait_until(lambda: len(p.records()) >= 12, timeout=30, what="12 records")
    time.sleep(0.5)
    assert versions_of(p.records()) == {"a": list(range(1, 13))}
    assert p.errors() == []


@pytest.mark.ddbd_only
@pytest.mark.parametrize("server", [["--stream-shards", "4"]], indirect=True)
def test_leases_balance_four_shards_over_two_workers(server, probes):
    ddb = client_of(server)
    table = make_stream_table(ddb, "bal")
    keys = [f"k{i}" for i in range(40)]
    put_versions(ddb, table, keys, 1)
    a = Probe(server.endpoint, table, app="bal_leases", worker="A")
    probes.append(a)
    wait_until(lambda: len(a.records()) >= 40, what="A reading everything")
    owners = lambda: sorted(l.get("leaseOwner", {}).get("S", "") for l in leases(ddb, "bal_leases").values())
    assert owners() == ["A"] * 4
    b = Probe(server.endpoint, table, app="bal_leases", worker="B")
    probes.append(b)
    wait_until(lambda: owners() == ["A", "A", "B", "B"], timeout=30, what="two leases each")
    # A learned it lost the two B stole
    wait_until(lambda: len([e for e in a.errors() if e["error"] == "DDS_ELEASE_LOST"]) >= 2,
               what="A's DDS_ELEASE_LOST reports")
    put_versions(ddb, table, keys, 1, start=2)
    wait_until(lambda: len(a.records()) + len(b.records()) >= 80, what="the second round")
    got = versions_of(a.records() + b.records())
    assert all(set(got[k]) == {1, 2} for k in keys)
    assert {r["w"] for r in b.records()} == {"B"} and len({r["shard"] for r in b.records()}) == 2


@pytest.mark.ddbd_only
def test_bad_credentials_give_eauth(tmp_path, probes):
    creds = tmp_path / "keys"
    creds.write_text("[default]\naws_access_key_id = AKIDGOOD\naws_secret_access_key = right\n")
    s = Ddbd(extra=["--auth", str(creds)]).start()
    try:
        import boto3
        ddb = boto3.client("dynamodb", endpoint_url=s.endpoint, region_name="us-east-1",
                           aws_access_key_id="AKIDGOOD", aws_secret_access_key="right")
        table = make_stream_table(ddb, "auth")
        bad = Probe(s.endpoint, table, env={"AWS_ACCESS_KEY_ID": "AKIDGOOD", "AWS_SECRET_ACCESS_KEY": "wrong"})
        assert bad.proc.wait(timeout=30) == 2
        bad.reader.join(timeout=5)
        (err,) = bad.errors()
        assert err["error"] == "DDS_EAUTH" and err["type"] == "InvalidSignatureException"
        unknown = Probe(s.endpoint, table, env={"AWS_ACCESS_KEY_ID": "AKIDNOPE"})
        assert unknown.proc.wait(timeout=30) == 2
        unknown.reader.join(timeout=5)
        assert unknown.errors()[0]["type"] == "UnrecognizedClientException"
        put_versions(ddb, table, ["a"], 2)
        ok = Probe(s.endpoint, table, env={"AWS_ACCESS_KEY_ID": "AKIDGOOD", "AWS_SECRET_ACCESS_KEY": "right"})
        probes.append(ok)
        wait_until(lambda: len(ok.records()) >= 2, what="records through a verifying ddbd")
    finally:
        s.stop()
        s.cleanup()
