"""DynamoDB Streams: stream specifications, one record per real change with
the images each view type carries, the Streams API (ListStreams,
DescribeStream, GetShardIterator of every type, GetRecords paging), shard
rollover and trimming, per-item ordering under concurrent writers, and a
kill -9 after which the stream still reconstructs the table. Messages and
shapes were checked against DynamoDB Local."""
import os
import random
import signal
import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import ORACLE, STREAM_SETTLE, Ddbd, error_of, make_client


def streams_client(ddb):
    return make_client(ddb.meta.endpoint_url, "dynamodbstreams")


@pytest.fixture
def streams(ddb):
    return streams_client(ddb)


def create(ddb, make_table, view="NEW_AND_OLD_IMAGES", **kw):
    return make_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": view}, **kw)


def stream_arn(ddb, name):
    return ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


# How long an open shard must stay empty to count as caught up (seconds).
SETTLE = STREAM_SETTLE


def read_shard(streams, arn, shard_id, kind="TRIM_HORIZON", limit=None, **kw):
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType=kind, **kw)["ShardIterator"]
    records = []
    empty_since = None
    while it:
        page = streams.get_records(ShardIterator=it, **({"Limit": limit} if limit else {}))
        records += page["Records"]
        it = page.get("NextShardIterator")
        if page["Records"]:
            empty_since = None
            continue
        empty_since = empty_since or time.monotonic()
        if time.monotonic() - empty_since >= SETTLE:
            break  # an open shard: caught up
        time.sleep(0.02)
    return records


def read_all(streams, arn):
    """Every record of every shard, parents before children."""
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    out = []
    for s in shards:
        out += read_shard(streams, arn, s["ShardId"])
    return out


def test_stream_specification_in_table_descriptions(ddb, streams, make_table):
    name = create(ddb, make_table, "NEW_IMAGE")
    t = ddb.describe_table(TableName=name)["Table"]
    assert t["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert t["LatestStreamArn"] == t["TableArn"] + "/stream/" + t["LatestStreamLabel"]
    d = streams.describe_stream(StreamArn=t["LatestStreamArn"])["StreamDescription"]
    assert (d["StreamStatus"], d["StreamViewType"], d["TableName"]) == ("ENABLED", "NEW_IMAGE", name)
    assert d["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert len(d["Shards"]) == 1 and "EndingSequenceNumber" not in d["Shards"][0]["SequenceNumberRange"]
    listed = streams.list_streams(TableName=name)["Streams"]
    assert listed == [{"StreamArn": t["LatestStreamArn"], "TableName": name, "StreamLabel": t["LatestStreamLabel"]}]
    plain = make_table()
    assert "LatestStreamArn" not in ddb.describe_table(TableName=plain)["Table"]


@pytest.mark.parametrize("spec,message", [
    ({"StreamEnabled": True}, "Invalid StreamViewType: Stream ViewType must not be null or empty when enabling streams."),
    ({"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"},
     "Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present."),
    ({"StreamEnabled": True, "StreamViewType": "BAD"}, "Invalid StreamViewType: BAD"),
])
def test_stream_specification_errors(ddb, make_table, table_name, spec, message):
    with pytest.raises(ClientError) as e:
        make_table(name=table_name, StreamSpecification=spec)
    assert error_of(e) == ("ValidationException", message)


@pytest.mark.parametrize("view", ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"])
def test_one_record_per_real_change_with_the_view_images(ddb, streams, make_table, view):
    name = create(ddb, make_table, view)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "2"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "2"}})  # no change: no record
    with pytest.raises(ClientError):  # a failed condition: no record
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)")
    ddb.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"N": "2"}})  # no change either
    ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}})  # nothing to delete: no record
    recs = read_all(streams, stream_arn(ddb, name))
    assert [r["eventName"] for r in recs] == ["INSERT", "MODIFY", "REMOVE"]
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in recs]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    v1, v2 = {"pk": {"S": "a"}, "v": {"N": "1"}}, {"pk": {"S": "a"}, "v": {"N": "2"}}
    new = view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
    old = view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    want = [(v1 if new else None, None), (v2 if new else None, v1 if old else None), (None, v2 if old else None)]
    for r, (n, o) in zip(recs, want):
        d = r["dynamodb"]
        assert d["Keys"] == {"pk": {"S": "a"}}
        assert d.get("NewImage") == n and d.get("OldImage") == o
        assert d["StreamViewType"] == view
        assert (r["eventSource"], r["eventVersion"]) == ("aws:dynamodb", "1.1")
        # the region the request was signed for (DynamoDB Local always says "ddblocal")
        assert r["awsRegion"] == ("ddblocal" if ORACLE else "us-east-1")
        assert abs(d["ApproximateCreationDateTime"].timestamp() - time.time()) < 120
        assert "userIdentity" not in r
    if view == "NEW_AND_OLD_IMAGES":  # keys plus images, as DynamoDB Local measures them
        assert [r["dynamodb"]["SizeBytes"] for r in recs] == [9, 15, 9]


def test_batches_and_transactions_write_records_failures_none(ddb, streams, make_table):
    name = create(ddb, make_table, "KEYS_ONLY")
    ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}}}} for i in range(5)]})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": {"S": "t1"}}}},
        {"Delete": {"TableName": name, "Key": {"pk": {"S": "b0"}}}},
    ])
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "t2"}}}},
            {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "nope"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])
    recs = read_all(streams, stream_arn(ddb, name))
    # DynamoDB orders an item's records; different items' records (other
    # partitions: other shards, or other buckets of one shard on the
    # cluster) only by time, so each item's in order
    got = sorted(((r["dynamodb"]["Keys"]["pk"]["S"], r["eventName"]) for r in recs), key=lambda x: x[0])
    assert got == [("b0", "INSERT"), ("b0", "REMOVE")] + [(f"b{i}", "INSERT") for i in range(1, 5)] + \
        [("t1", "INSERT")]


def test_iterator_types_and_paging(ddb, streams, make_table):
    name = create(ddb, make_table, "NEW_IMAGE")
    arn = stream_arn(ddb, name)
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    for i in range(25):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i:02}"}, "n": {"N": str(i)}})
    everything = read_shard(streams, arn, shard)
    assert [r["dynamodb"]["NewImage"]["n"]["N"] for r in everything] == [str(i) for i in range(25)]
    paged = read_shard(streams, arn, shard, limit=7)
    assert paged == everything
    page = streams.get_records(ShardIterator=latest)  # LATEST taken before the writes sees them all
    assert len(page["Records"]) == 25 and page["NextShardIterator"]
    seq = [r["dynamodb"]["SequenceNumber"] for r in everything]
    at = read_shard(streams, arn, shard, "AT_SEQUENCE_NUMBER", SequenceNumber=seq[10])
    after = read_shard(streams, arn, shard, "AFTER_SEQUENCE_NUMBER", SequenceNumber=seq[10])
    assert [r["dynamodb"]["SequenceNumber"] for r in at] == seq[10:]
    assert [r["dynamodb"]["SequenceNumber"] for r in after] == seq[11:]
    now = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    assert streams.get_records(ShardIterator=now)["Records"] == []


def test_streams_api_errors(ddb, streams, make_table):
    name = create(ddb, make_table)
    arn = stream_arn(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    seq = read_shard(streams, arn, shard)[0]["dynamodb"]["SequenceNumber"]

    def err(fn, **kw):
        with pytest.raises(ClientError) as e:
            fn(**kw)
        return error_of(e)

    missing = arn[:-3] + ("000" if not arn.endswith("000") else "001")
    assert err(streams.describe_stream, StreamArn=missing) == \
        ("ResourceNotFoundException", f"Requested resource not found: Stream: {missing} not found")
    assert err(streams.describe_stream, StreamArn=arn, Limit=0) == \
        ("ValidationException", "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
                                "Member must have value greater than or equal to 1")
    gsi = streams.get_shard_iterator
    assert err(gsi, StreamArn=arn, ShardId=shard, ShardIteratorType="BOGUS") == \
        ("ValidationException", "Invalid ShardIteratorType.")
    assert err(gsi, StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER") == \
        ("ValidationException", "One or more parameter values were invalid: Invalid SequenceNumber")
    assert err(gsi, StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST", SequenceNumber=seq) == \
        ("ValidationException", "One or more parameter values were invalid: SequenceNumber should not be passed "
                                "for this iterator type")
    assert err(gsi, StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber="1" * 3) == \
        ("ValidationException", "1 validation error detected: Value '111' at 'sequenceNumber' failed to satisfy "
                                "constraint: Member must have length greater than or equal to 21")
    assert err(gsi, StreamArn=arn, ShardId=shard[:-8] + "0000beef", ShardIteratorType="TRIM_HORIZON")[0] == \
        "ResourceNotFoundException"
    it = gsi(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert err(streams.get_records, ShardIterator=it, Limit=0)[0] == "ValidationException"
    assert err(streams.get_records, ShardIterator=it, Limit=1001) == \
        ("ValidationException", "One or more parameter values were invalid: Limit should be less than or equal to 1000")
    assert err(streams.get_records, ShardIterator="garbage" * 3) == ("ValidationException", "Invalid ShardIterator")
    assert err(streams.list_streams, Limit=0)[0] == "ValidationException"


def test_disable_and_reenable_makes_a_new_stream(ddb, streams, make_table):
    name = create(ddb, make_table, "KEYS_ONLY")
    first = stream_arn(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "before"}})
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    assert error_of(e) == ("ValidationException", "Table already has an enabled stream")
    t = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})["TableDescription"]
    assert "StreamSpecification" not in t and t["LatestStreamArn"] == first
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    assert error_of(e) == ("ValidationException", "Table has no stream to disable")
    ddb.put_item(TableName=name, Item={"pk": {"S": "between"}})  # no stream: no record anywhere
    time.sleep(0.01)  # labels are milliseconds: the new stream's differs
    t = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True,
                                                               "StreamViewType": "NEW_IMAGE"})["TableDescription"]
    second = t["LatestStreamArn"]
    assert second != first
    ddb.put_item(TableName=name, Item={"pk": {"S": "after"}})
    old = streams.describe_stream(StreamArn=first)["StreamDescription"]
    assert old["StreamStatus"] == "DISABLED"
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in old["Shards"])
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, first)] == ["before"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, second)] == ["after"]
    listed = [s["StreamArn"] for s in streams.list_streams(TableName=name)["Streams"]]
    assert listed == [second, first]
    # paging: each stream exactly once (DynamoDB Local pages in another order than it lists)
    page = streams.list_streams(TableName=name, Limit=1)
    assert len(page["Streams"]) == 1
    rest = streams.list_streams(TableName=name, ExclusiveStartStreamArn=page["LastEvaluatedStreamArn"])
    assert sorted(s["StreamArn"] for s in page["Streams"] + rest["Streams"]) == sorted([first, second])


# ---- ddbd's own behaviour: rollover, trimming, ordering, crash -------------------------------

def own_server(*extra):
    server = Ddbd(extra=list(extra)).start()
    return server, make_client(server.endpoint), make_client(server.endpoint, "dynamodbstreams")


def create_on(c, name, view="NEW_AND_OLD_IMAGES"):
    c.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
                   StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
    return c.describe_table(TableName=name)["Table"]["LatestStreamArn"]


@pytest.mark.ddbd_only
def test_shards_roll_over_into_children():
    server, c, s = own_server("--shard-rollover", "1")
    try:
        arn = create_on(c, "rolling")
        for i in range(3):
            c.put_item(TableName="rolling", Item={"pk": {"S": f"k{i}"}})
            time.sleep(1.1)
        c.put_item(TableName="rolling", Item={"pk": {"S": "k3"}})
        shards = s.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        assert len(shards) >= 3
        for parent, child in zip(shards, shards[1:]):
            assert child["ParentShardId"] == parent["ShardId"]
            assert int(parent["SequenceNumberRange"]["EndingSequenceNumber"]) < \
                int(child["SequenceNumberRange"]["StartingSequenceNumber"])
        assert "ParentShardId" not in shards[0]
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(s, arn)] == ["k0", "k1", "k2", "k3"]
        # a closed shard's iterator ends: no NextShardIterator once read
        it = s.get_shard_iterator(StreamArn=arn, ShardId=shards[0]["ShardId"],
                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        page = s.get_records(ShardIterator=it)
        assert len(page["Records"]) == 1 and "NextShardIterator" not in page
        page = s.describe_stream(StreamArn=arn, Limit=1)
        assert len(page["StreamDescription"]["Shards"]) == 1
        rest = s.describe_stream(StreamArn=arn, ExclusiveStartShardId=page["StreamDescription"]["LastEvaluatedShardId"])
        assert rest["StreamDescription"]["Shards"] == shards[1:]
    finally:
        server.cleanup()


@pytest.mark.ddbd_only
def test_old_records_are_trimmed():
    server, c, s = own_server("--stream-retention", "1", "--ttl-interval", "0.2")
    try:
        arn = create_on(c, "trimmed")
        c.put_item(TableName="trimmed", Item={"pk": {"S": "old"}})
        shard = s.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        old_it = s.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        seq = s.get_records(ShardIterator=old_it)["Records"][0]["dynamodb"]["SequenceNumber"]
        time.sleep(2)
        c.put_item(TableName="trimmed", Item={"pk": {"S": "new"}})
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(s, arn)] == ["new"]
        with pytest.raises(ClientError) as e:
            s.get_records(ShardIterator=old_it)
        assert error_of(e)[0] == "TrimmedDataAccessException"
        with pytest.raises(ClientError) as e:
            s.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=seq)
        assert error_of(e)[0] == "TrimmedDataAccessException"
    finally:
        server.cleanup()


def writer_load(endpoint, name, items, rounds, acked, stop=None, log=None, dying=None):
    """Four threads, each owning some items, set their counter n to 1, 2,
    3, ... and delete one now and then; acked[item] holds the last
    acknowledged change, log[item] all of them in order."""
    def run(mine, seed):
        c = make_client(endpoint)
        rnd = random.Random(seed)
        try:
            for n in range(1, rounds + 1):
                if stop is not None and stop.is_set():
                    return
                k = rnd.choice(mine)
                if n % 17 == 0:
                    gone = c.delete_item(TableName=name, Key={"pk": {"S": k}}, ReturnValues="ALL_OLD")
                    acked[k] = ("deleted", n)
                    if log is not None and "Attributes" in gone:
                        log.setdefault(k, []).append(None)
                else:
                    c.update_item(TableName=name, Key={"pk": {"S": k}}, UpdateExpression="SET n = :n",
                                  ExpressionAttributeValues={":n": {"N": str(n)}})
                    acked[k] = ("set", n)
                    if log is not None:
                        log.setdefault(k, []).append(n)
        except Exception:
            if dying is None or not dying.is_set():  # the server was killed under it
                raise
    threads = [threading.Thread(target=run, args=(items[i::4], i)) for i in range(4)]
    for t in threads:
        t.start()
    return threads


@pytest.mark.ddbd_only
def test_per_item_order_and_no_gaps_under_concurrent_writers():
    server, c, s = own_server()
    try:
        arn = create_on(c, "ordered")
        items = [f"item{i}" for i in range(12)]
        acked, log = {}, {}
        for t in writer_load(server.endpoint, "ordered", items, 150, acked, log=log):
            t.join()
        recs = read_all(s, arn)
        seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in recs]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        per_item = {}
        for r in recs:
            k = r["dynamodb"]["Keys"]["pk"]["S"]
            n = int(r["dynamodb"]["NewImage"]["n"]["N"]) if r["eventName"] != "REMOVE" else None
            per_item.setdefault(k, []).append(n)
        # exactly each item's changes, in the order its one writer made them: no gap, no extra
        assert per_item == log
        assert reconstruct(recs) == table_state(c, "ordered")
    finally:
        server.cleanup()


def reconstruct(records):
    state = {}
    for r in records:
        k = r["dynamodb"]["Keys"]["pk"]["S"]
        if r["eventName"] == "REMOVE":
            state.pop(k, None)
        else:
            state[k] = r["dynamodb"]["NewImage"]
    return state


def table_state(c, name):
    items, start = [], None
    while True:
        page = c.scan(TableName=name, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return {it["pk"]["S"]: it for it in items}


def mixed_load(endpoint, name, stop, dying):
    """Transactions over pairs of items and items that expire at once (the
    TTL sweeper deletes them) next to the writer load."""
    def run():
        c = make_client(endpoint)
        i = 0
        try:
            while not stop.is_set():
                i += 1
                c.transact_write_items(TransactItems=[
                    {"Put": {"TableName": name, "Item": {"pk": {"S": f"tx{i % 5}a"}, "n": {"N": str(i)}}}},
                    {"Put": {"TableName": name, "Item": {"pk": {"S": f"tx{i % 5}b"}, "n": {"N": str(i)}}}},
                ])
                c.put_item(TableName=name, Item={"pk": {"S": f"ttl{i % 7}"}, "n": {"N": str(i)},
                                                 "expires": {"N": str(int(time.time()) - 1)}})
        except Exception:
            if not dying.is_set():
                raise
    t = threading.Thread(target=run)
    t.start()
    return t


@pytest.mark.ddbd_only
def test_kill_9_under_load_keeps_exactly_the_committed_changes():
    """A consumer reading every shard from TRIM_HORIZON reconstructs the
    table exactly after updates, deletes, transactions, TTL expiry and a
    kill -9 with a restart."""
    server, c, s = own_server("--ttl-interval", "0.1")
    try:
        arn = create_on(c, "crashy")
        c.update_time_to_live(TableName="crashy", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
        items = [f"item{i}" for i in range(12)]
        acked, stop, dying = {}, threading.Event(), threading.Event()
        threads = writer_load(server.endpoint, "crashy", items, 100000, acked, stop, dying=dying)
        threads.append(mixed_load(server.endpoint, "crashy", stop, dying))
        deadline = time.time() + 10
        while len(acked) < 12 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        snapshot = dict(acked)
        dying.set()
        server.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join()
        # restarted without sweeps, so the table holds still while it is compared
        again = Ddbd(data_dir=server.data_dir, extra=["--ttl-interval", "3600"]).start()
        try:
            c2 = make_client(again.endpoint)
            s2 = make_client(again.endpoint, "dynamodbstreams")
            recs = read_all(s2, arn)
            state = table_state(c2, "crashy")
            # the stream and the table agree exactly, whatever the kill interrupted
            assert reconstruct(recs) == state
            # transactions are whole in both
            for i in range(5):
                a, b = state.get(f"tx{i}a"), state.get(f"tx{i}b")
                assert (a and a["n"]) == (b and b["n"])
            swept = [r for r in recs if r.get("userIdentity", {}).get("Type") == "Service"]
            assert swept, "the sweeper deleted nothing during the load"
            assert all(r["dynamodb"]["Keys"]["pk"]["S"].startswith("ttl") for r in swept)
            # and every change acknowledged before the kill is there
            for k, (what, n) in snapshot.items():
                mine = [r for r in recs if r["dynamodb"]["Keys"]["pk"]["S"] == k]
                if what == "set":
                    assert any(r["eventName"] != "REMOVE" and r["dynamodb"]["NewImage"]["n"]["N"] == str(n)
                               for r in mine), (k, n)
                else:
                    assert any(r["eventName"] == "REMOVE" for r in mine), k
        finally:
            again.stop()
    finally:
        server.cleanup()


def test_stream_outlives_its_deleted_table(ddb, streams, make_table):
    name = create(ddb, make_table, "NEW_IMAGE")
    arn = stream_arn(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "kept"}})
    ddb.delete_table(TableName=name)
    deadline = time.time() + 30
    while True:  # DynamoDB Local deletes tables asynchronously
        try:
            ddb.describe_table(TableName=name)
        except ddb.exceptions.ResourceNotFoundException:
            break
        assert time.time() < deadline
        time.sleep(0.1)
    d = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert d["StreamStatus"] == "DISABLED"
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, arn)] == ["kept"]


@pytest.mark.ddbd_only
def test_iterators_expire():
    """DynamoDB's iterators live 15 minutes; --iterator-lifetime shortens it
    so the expiry can be tested. A NextShardIterator is a fresh one."""
    server, c, s = own_server("--iterator-lifetime", "1")
    try:
        arn = create_on(c, "expiring")
        c.put_item(TableName="expiring", Item={"pk": {"S": "a"}})
        shard = s.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = s.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        time.sleep(0.6)
        nxt = s.get_records(ShardIterator=it)["NextShardIterator"]
        time.sleep(0.6)
        with pytest.raises(ClientError) as e:
            s.get_records(ShardIterator=it)
        code, message = error_of(e)
        assert code == "ExpiredIteratorException"
        assert message.startswith("Iterator expired. The iterator was created at time ")
        assert s.get_records(ShardIterator=nxt)["Records"] == []  # still valid
    finally:
        server.cleanup()
