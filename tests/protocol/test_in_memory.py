"""ddbd --in-memory serves everything a data directory does, streams included.

Signing shard iterators needs the engine's secret, which was synced to the WAL with a call an
in-memory WAL does not implement ("SyncWAL() is not supported"): GetShardIterator answered 500.
"""
import boto3
import pytest

from conftest import Ddbd, make_client

pytestmark = [pytest.mark.ddbd_only, pytest.mark.rocksdb("--in-memory is the RocksDB store's")]


def test_streams_work_in_memory():
    d = Ddbd(extra=["--in-memory"]).start()
    try:
        c = make_client(d.endpoint)
        s = make_client(d.endpoint, "dynamodbstreams")
        c.create_table(TableName="memstream", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST",
                       StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        c.put_item(TableName="memstream", Item={"pk": {"S": "a"}})
        arn = s.list_streams(TableName="memstream")["Streams"][0]["StreamArn"]
        shard = s.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = s.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        recs = s.get_records(ShardIterator=it)["Records"]
        assert [r["dynamodb"]["NewImage"] for r in recs] == [{"pk": {"S": "a"}}]
    finally:
        assert d.stop() == 0
        d.cleanup()
