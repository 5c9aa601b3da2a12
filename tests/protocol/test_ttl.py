"""Time to live: UpdateTimeToLive/DescribeTimeToLive (checked against DynamoDB
Local), and ddbd's sweeper: expired items really go, with their index
entries, each leaving a REMOVE stream record marked as the service's;
what DynamoDB never expires stays; until the sweeper runs, expired items
are still returned."""
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

from conftest import DDBD, Ddbd, check_cmd, error_of, make_client


def ttl_spec(enabled, attr="expires"):
    return {"Enabled": enabled, "AttributeName": attr}


def test_ttl_lifecycle_and_errors(ddb, table):
    assert ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    out = ddb.update_time_to_live(TableName=table, TimeToLiveSpecification=ttl_spec(True))
    assert out["TimeToLiveSpecification"] == ttl_spec(True)
    d = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert d["AttributeName"] == "expires" and d["TimeToLiveStatus"] in ("ENABLING", "ENABLED")

    def err(**kw):
        with pytest.raises(ClientError) as e:
            ddb.update_time_to_live(**kw)
        return error_of(e)

    assert err(TableName=table, TimeToLiveSpecification=ttl_spec(True)) == \
        ("ValidationException", "TimeToLive is already enabled")
    assert err(TableName=table, TimeToLiveSpecification=ttl_spec(True, "other")) == \
        ("ValidationException", "TimeToLive is active on a different AttributeName")
    assert err(TableName=table, TimeToLiveSpecification=ttl_spec(False, "other")) == \
        ("ValidationException", "TimeToLive is active on a different AttributeName")
    assert ddb.update_time_to_live(TableName=table, TimeToLiveSpecification=ttl_spec(False))[
        "TimeToLiveSpecification"] == ttl_spec(False)
    assert ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    assert err(TableName=table, TimeToLiveSpecification=ttl_spec(False)) == \
        ("ValidationException", "TimeToLive is already disabled")
    assert err(TableName=table, TimeToLiveSpecification=ttl_spec(True, "")) == \
        ("ValidationException", "Names of key attributes and attributes projected into an index must be between "
                                "1 and 255 characters, inclusive")
    assert err(TableName="no_such_table", TimeToLiveSpecification=ttl_spec(True))[0] == "ResourceNotFoundException"


def make_app(c, name):
    c.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                   KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                   AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                         {"AttributeName": "SK", "AttributeType": "S"},
                                         {"AttributeName": "email", "AttributeType": "S"}],
                   GlobalSecondaryIndexes=[{"IndexName": "email-index", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                            "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}]}],
                   StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


def session(name, now):
    """Sessions whose ttl DynamoDB would expire (True) or never (False)."""
    cases = {
        "past": ({"N": str(now - 60)}, True),
        "past-decimal": ({"N": f"{now - 1}.75"}, True),
        "future": ({"N": str(now + 3600)}, False),
        "string": ({"S": str(now - 60)}, False),
        "over-5-years": ({"N": str(now - 6 * 365 * 86400)}, False),
        "missing": (None, False),
    }
    items = {}
    for case, (ttl, expires) in cases.items():
        item = {"PK": {"S": f"USER#{case}"}, "SK": {"S": "SESSION"}, "email": {"S": f"{case}@x.com"}}
        if ttl:
            item["expires"] = ttl
        items[case] = (item, expires)
    return items


def wait_until(pred, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.ddbd_only
@pytest.mark.parametrize("enable_first", [True, False], ids=["ttl-then-items", "items-then-ttl"])
def test_sweeper_deletes_expired_items_with_index_and_stream(enable_first):
    server = Ddbd(extra=["--ttl-interval", "0.2"]).start()
    try:
        c = make_client(server.endpoint)
        s = make_client(server.endpoint, "dynamodbstreams")
        make_app(c, "sessions")
        now = int(time.time())
        cases = session("sessions", now)
        if enable_first:
            c.update_time_to_live(TableName="sessions", TimeToLiveSpecification=ttl_spec(True))
        for item, _ in cases.values():
            c.put_item(TableName="sessions", Item=item)
        if not enable_first:  # existing items are found by the expiry index's backfill
            c.update_time_to_live(TableName="sessions", TimeToLiveSpecification=ttl_spec(True))
        expired = {case for case, (_, e) in cases.items() if e}

        def remaining():
            return {it["PK"]["S"][5:] for it in c.scan(TableName="sessions")["Items"]}

        assert wait_until(lambda: remaining() == set(cases) - expired), remaining()
        time.sleep(0.5)  # another sweep or two takes nothing more
        assert remaining() == set(cases) - expired
        for case in cases:
            hits = c.query(TableName="sessions", IndexName="email-index", KeyConditionExpression="email = :e",
                           ExpressionAttributeValues={":e": {"S": f"{case}@x.com"}})["Items"]
            assert len(hits) == (0 if case in expired else 1), case
        assert c.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
        arn = c.describe_table(TableName="sessions")["Table"]["LatestStreamArn"]
        shard = s.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = s.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        recs = s.get_records(ShardIterator=it)["Records"]
        removes = [r for r in recs if r["eventName"] == "REMOVE"]
        assert {r["dynamodb"]["Keys"]["PK"]["S"][5:] for r in removes} == expired
        for r in removes:
            assert r["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
            assert r["dynamodb"]["OldImage"] == cases[r["dynamodb"]["Keys"]["PK"]["S"][5:]][0]
        assert all("userIdentity" not in r for r in recs if r["eventName"] == "INSERT")
        assert server.stop() == 0
        check = subprocess.run(check_cmd(server.data_dir), capture_output=True, text=True,
                               timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        server.cleanup()


@pytest.mark.ddbd_only
def test_expired_items_are_returned_until_swept():
    server = Ddbd(extra=["--ttl-interval", "3600"]).start()
    try:
        c = make_client(server.endpoint)
        make_app(c, "sessions")
        c.update_time_to_live(TableName="sessions", TimeToLiveSpecification=ttl_spec(True))
        item = {"PK": {"S": "USER#1"}, "SK": {"S": "SESSION"}, "expires": {"N": str(int(time.time()) - 100)}}
        c.put_item(TableName="sessions", Item=item)
        assert c.get_item(TableName="sessions", Key={"PK": item["PK"], "SK": item["SK"]})["Item"] == item
        assert c.query(TableName="sessions", KeyConditionExpression="PK = :p",
                       ExpressionAttributeValues={":p": item["PK"]})["Count"] == 1
        # turning TTL off and on keeps working (the expiry index is dropped and rebuilt)
        c.update_time_to_live(TableName="sessions", TimeToLiveSpecification=ttl_spec(False))
        c.update_time_to_live(TableName="sessions", TimeToLiveSpecification=ttl_spec(True, "other"))
        assert c.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"]["AttributeName"] == "other"
    finally:
        server.cleanup()
