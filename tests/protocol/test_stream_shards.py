"""Streams of several open shards (`ddbd --stream-shards N`), as a DynamoDB table
of several partitions has: DescribeStream lists them all, every record is in
exactly one, each item's records in one shard in order, each shard rolls over
into its own child, a restart with another --stream-shards keeps the stream's
count, --check passes, and a trigger delivers every record once, in order per
key, following each shard's lineage."""
import collections
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

from conftest import DDBD, Ddbd, check_cmd, error_of, make_client
from test_triggers import HttpFunction, seqs, start_ddbd, wait_for

pytestmark = pytest.mark.ddbd_only

KEYS = 24


def clients(server):
    return make_client(server.endpoint), make_client(server.endpoint, "dynamodbstreams")


def create(c, name):
    c.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   BillingMode="PAY_PER_REQUEST",
                   StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    return c.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def write_round(c, name, r):
    """Every key's counter n set to r (an INSERT the first time, then MODIFYs)."""
    for k in range(KEYS):
        c.put_item(TableName=name, Item={"pk": {"S": f"k{k:02d}"}, "n": {"N": str(r)}})


def shards_of(s, arn):
    out, start = [], None
    while True:  # one page at a time: ExclusiveStartShardId works over several open shards
        kw = {"ExclusiveStartShardId": start} if start else {}
        page = s.describe_stream(StreamArn=arn, Limit=1, **kw)["StreamDescription"]
        out += page["Shards"]
        start = page.get("LastEvaluatedShardId")
        if not start:
            return out


def read_shard(s, arn, shard_id):
    it = s.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    while it:
        page = s.get_records(ShardIterator=it, Limit=5)
        records += page["Records"]
        it = page.get("NextShardIterator")
        if not page["Records"]:
            break
    return records


def read_every_shard(s, arn):
    """{shard id: its records}, and the shards as DescribeStream lists them."""
    shards = shards_of(s, arn)
    return {sh["ShardId"]: read_shard(s, arn, sh["ShardId"]) for sh in shards}, shards


def lane_root(shards, shard_id):
    """The first shard of the chain shard_id belongs to."""
    parent = {sh["ShardId"]: sh.get("ParentShardId") for sh in shards}
    while parent.get(shard_id):
        shard_id = parent[shard_id]
    return shard_id


def check_records(by_shard, shards, rounds):
    """Every change once; a key's records all in one chain, in order."""
    all_records = [r for recs in by_shard.values() for r in recs]
    assert len(all_records) == KEYS * rounds
    assert len({r["dynamodb"]["SequenceNumber"] for r in all_records}) == len(all_records)
    chains = collections.defaultdict(set)
    per_key = collections.defaultdict(list)
    for sh in shards:  # parents are listed before their children
        for r in by_shard[sh["ShardId"]]:
            key = r["dynamodb"]["Keys"]["pk"]["S"]
            chains[key].add(lane_root(shards, sh["ShardId"]))
            per_key[key].append(r)
    for key, recs in per_key.items():
        assert len(chains[key]) == 1, key
        assert [int(r["dynamodb"]["NewImage"]["n"]["N"]) for r in recs] == list(range(rounds))
        assert [r["eventName"] for r in recs] == ["INSERT"] + ["MODIFY"] * (rounds - 1)
        assert seqs(recs) == sorted(seqs(recs))
    return chains


def test_four_open_shards_each_item_in_one():
    server = Ddbd(extra=["--stream-shards", "4"]).start()
    try:
        c, s = clients(server)
        arn = create(c, "lanes")
        for r in range(3):
            write_round(c, "lanes", r)
        by_shard, shards = read_every_shard(s, arn)
        assert len(shards) == 4
        for sh in shards:
            assert "ParentShardId" not in sh and "EndingSequenceNumber" not in sh["SequenceNumberRange"]
        assert all(by_shard[sh["ShardId"]] for sh in shards), "every shard gets some keys"
        check_records(by_shard, shards, 3)
        # AT/AFTER a shard's own record; LATEST reads only what comes next, in that key's shard
        sid = shards[1]["ShardId"]
        first = by_shard[sid][0]["dynamodb"]["SequenceNumber"]
        it = s.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                  SequenceNumber=first)["ShardIterator"]
        assert s.get_records(ShardIterator=it)["Records"] == by_shard[sid][1:]
        key = by_shard[sid][0]["dynamodb"]["Keys"]["pk"]["S"]
        latest = {sh["ShardId"]: s.get_shard_iterator(StreamArn=arn, ShardId=sh["ShardId"],
                                                      ShardIteratorType="LATEST")["ShardIterator"]
                  for sh in shards}
        c.put_item(TableName="lanes", Item={"pk": {"S": key}, "n": {"N": "99"}})
        got = {k: s.get_records(ShardIterator=it)["Records"] for k, it in latest.items()}
        assert [len(got[sh["ShardId"]]) for sh in shards] == [0, 1, 0, 0]
    finally:
        server.cleanup()


def test_shards_roll_over_per_lane_and_a_restart_keeps_the_lanes():
    first = server = Ddbd(extra=["--stream-shards", "4", "--shard-rollover", "1"]).start()
    data_dir = server.data_dir
    try:
        c, s = clients(server)
        arn = create(c, "rolling")
        write_round(c, "rolling", 0)
        time.sleep(1.1)
        write_round(c, "rolling", 1)  # every lane has a record: each rolls over once
        by_shard, shards = read_every_shard(s, arn)
        assert len(shards) == 8
        ids = {sh["ShardId"]: sh for sh in shards}
        roots = [sh for sh in shards if "ParentShardId" not in sh]
        children = [sh for sh in shards if "ParentShardId" in sh]
        assert len(roots) == 4 and len(children) == 4
        assert sorted(ch["ParentShardId"] for ch in children) == sorted(r["ShardId"] for r in roots)
        for ch in children:
            parent = ids[ch["ParentShardId"]]
            end = int(parent["SequenceNumberRange"]["EndingSequenceNumber"])
            assert end < int(ch["SequenceNumberRange"]["StartingSequenceNumber"])
            assert "EndingSequenceNumber" not in ch["SequenceNumberRange"]
            # a number past the closed parent's range is refused as for one shard
            with pytest.raises(ClientError) as e:
                s.get_shard_iterator(StreamArn=arn, ShardId=parent["ShardId"],
                                     ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=str(end + 1).zfill(21))
            assert error_of(e) == ("ValidationException", "Invalid SequenceNumber for the shard")
        check_records(by_shard, shards, 2)
        assert server.stop() == 0
        # another count on restart: the stream keeps its four lanes, new streams get one
        server = Ddbd(data_dir=data_dir, extra=["--stream-shards", "1", "--shard-rollover", "1"]).start()
        c, s = clients(server)
        time.sleep(1.1)
        write_round(c, "rolling", 2)
        by_shard, shards = read_every_shard(s, arn)
        assert len(shards) == 12
        assert sum("EndingSequenceNumber" not in sh["SequenceNumberRange"] for sh in shards) == 4
        chains = check_records(by_shard, shards, 3)
        assert len(set().union(*chains.values())) == 4
        one = create(c, "single")
        c.put_item(TableName="single", Item={"pk": {"S": "a"}})
        assert len(shards_of(s, one)) == 1
        assert server.stop() == 0
        r = subprocess.run(check_cmd(data_dir), capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "check passed" in r.stdout, r.stdout + r.stderr
    finally:
        server.cleanup()
        first.cleanup()  # it owns the data directory


def test_trigger_gets_every_record_once_in_order_per_key():
    fn = HttpFunction()
    d = start_ddbd({"proc": f"{fn.url}/invoke"}, extra=["--stream-shards", "4", "--shard-rollover", "1"])
    try:
        c, lam = make_client(d.endpoint), make_client(d.endpoint, "lambda")
        arn = create(c, "triggered")
        lam.create_event_source_mapping(FunctionName="proc", EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
                                        BatchSize=7)
        write_round(c, "triggered", 0)
        write_round(c, "triggered", 1)
        time.sleep(1.1)
        write_round(c, "triggered", 2)  # in the lanes' children: after their parents'
        got = wait_for(lambda: len(fn.records()) >= 3 * KEYS and fn.records(), 20)
        time.sleep(0.5)
        got = fn.records()
        assert len(got) == 3 * KEYS
        assert len(set(seqs(got))) == len(got)
        per_key = collections.defaultdict(list)
        for r in got:
            per_key[r["dynamodb"]["Keys"]["pk"]["S"]].append(int(r["dynamodb"]["NewImage"]["n"]["N"]))
        assert len(per_key) == KEYS
        assert all(v == [0, 1, 2] for v in per_key.values()), per_key
    finally:
        d.cleanup()
        fn.stop()
