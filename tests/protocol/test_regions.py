"""Tables are per region, as in AWS: a client signing for us-west-2 does not
see us-east-1's tables, and the same name in two regions is two tables (own
items, key schema, stream, tags, backups, mappings). --shared-regions keeps
the one namespace of old for tools that mix credentials.

DynamoDB Local keeps a database per access key *and* region (without
-sharedDb); AWS keeps tables per account and region, and ddbd has one account:
two access keys see the same tables in ddbd (test_access_keys_share_a_region,
ddbd_only for that reason). Local writes "ddblocal" as every ARN's region, so
ARN checks are ddbd_only; Local has no tagging, backups or Lambda API.
"""
import os
import time

import botocore.config
import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import Ddbd, error_of

EAST, WEST = "us-east-1", "us-west-2"
LOCAL = bool(os.environ.get("DDB_ENDPOINT"))
_n = iter(range(10**6))


def client(endpoint, region, service="dynamodb", key="AKIDLOCAL"):
    return boto3.client(service, endpoint_url=endpoint, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key="secret",
                        config=botocore.config.Config(retries={"max_attempts": 0}))


def unique(base):
    return f"{base}_{os.getpid()}_{next(_n)}"


def create(c, name, range_key=False, stream=False, **kw):
    ks = [{"AttributeName": "pk", "KeyType": "HASH"}]
    ad = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        ks.append({"AttributeName": "sk", "KeyType": "RANGE"})
        ad.append({"AttributeName": "sk", "AttributeType": "S"})
    if stream:
        kw["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    return c.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad,
                          BillingMode="PAY_PER_REQUEST", **kw)["TableDescription"]


def all_tables(c):
    names, kw = [], {}
    while True:
        page = c.list_tables(**kw)
        names += page["TableNames"]
        if "LastEvaluatedTableName" not in page:
            return names
        kw = {"ExclusiveStartTableName": page["LastEvaluatedTableName"]}


@pytest.fixture
def east(endpoint):
    return client(endpoint, EAST)


@pytest.fixture
def west(endpoint):
    return client(endpoint, WEST)


@pytest.fixture
def pair(east, west):
    """One name, a table in each region (west's with a sort key); dropped after."""
    name = unique("twin")
    create(east, name, stream=True)
    create(west, name, range_key=True, stream=True)
    yield name
    for c in (east, west):
        try:
            c.delete_table(TableName=name)
        except ClientError:
            pass


@pytest.fixture
def west_only(west):
    name = unique("westonly")
    create(west, name)
    yield name
    west.delete_table(TableName=name)


def test_list_tables_is_per_region(east, west, endpoint, west_only):
    assert west_only in all_tables(west)
    assert west_only not in all_tables(east)
    assert west_only not in all_tables(client(endpoint, "eu-west-1"))


def test_same_name_in_two_regions_is_two_tables(east, west, pair):
    e = east.describe_table(TableName=pair)["Table"]
    w = west.describe_table(TableName=pair)["Table"]
    assert e["TableName"] == w["TableName"] == pair
    assert [k["AttributeName"] for k in e["KeySchema"]] == ["pk"]
    assert [k["AttributeName"] for k in w["KeySchema"]] == ["pk", "sk"]
    east.put_item(TableName=pair, Item={"pk": {"S": "a"}, "r": {"S": "east"}})
    west.put_item(TableName=pair, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "r": {"S": "west"}})
    west.put_item(TableName=pair, Item={"pk": {"S": "a"}, "sk": {"S": "2"}, "r": {"S": "west"}})
    assert east.get_item(TableName=pair, Key={"pk": {"S": "a"}})["Item"]["r"] == {"S": "east"}
    assert [i["r"]["S"] for i in west.scan(TableName=pair)["Items"]] == ["west", "west"]
    assert east.scan(TableName=pair, Select="COUNT")["Count"] == 1
    # dropping one leaves the other whole
    east.delete_table(TableName=pair)
    with pytest.raises(ClientError) as e:
        east.describe_table(TableName=pair)
    assert error_of(e)[0] == "ResourceNotFoundException"
    assert west.scan(TableName=pair, Select="COUNT")["Count"] == 2


def test_another_regions_table_does_not_exist_here(east, west_only):
    for call in (lambda: east.describe_table(TableName=west_only),
                 lambda: east.get_item(TableName=west_only, Key={"pk": {"S": "a"}}),
                 lambda: east.put_item(TableName=west_only, Item={"pk": {"S": "a"}}),
                 lambda: east.query(TableName=west_only, KeyConditionExpression="pk = :p",
                                    ExpressionAttributeValues={":p": {"S": "a"}}),
                 lambda: east.update_time_to_live(TableName=west_only, TimeToLiveSpecification={
                     "Enabled": True, "AttributeName": "exp"}),
                 lambda: east.delete_table(TableName=west_only)):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e)[0] == "ResourceNotFoundException"


def test_batches_and_transactions_do_not_cross_regions(east, west, west_only, pair):
    """A batch or transaction naming a table of another region fails whole:
    the table does not exist in the request's region, and nothing is written."""
    with pytest.raises(ClientError) as e:
        east.transact_write_items(TransactItems=[
            {"Put": {"TableName": pair, "Item": {"pk": {"S": "tx"}}}},
            {"Put": {"TableName": west_only, "Item": {"pk": {"S": "tx"}}}}])
    assert error_of(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        east.batch_write_item(RequestItems={
            pair: [{"PutRequest": {"Item": {"pk": {"S": "bw"}}}}],
            west_only: [{"PutRequest": {"Item": {"pk": {"S": "bw"}}}}]})
    assert error_of(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        east.batch_get_item(RequestItems={west_only: {"Keys": [{"pk": {"S": "a"}}]}})
    assert error_of(e)[0] == "ResourceNotFoundException"
    assert east.scan(TableName=pair, Select="COUNT")["Count"] == 0
    assert west.scan(TableName=west_only, Select="COUNT")["Count"] == 0
    # within one region a transaction works
    west.transact_write_items(TransactItems=[
        {"Put": {"TableName": pair, "Item": {"pk": {"S": "tx"}, "sk": {"S": "1"}}}},
        {"Put": {"TableName": west_only, "Item": {"pk": {"S": "tx"}}}}])
    assert west.scan(TableName=west_only, Select="COUNT")["Count"] == 1


def test_partiql_reads_its_regions_table(east, west, pair, west_only):
    east.execute_statement(Statement=f"INSERT INTO \"{pair}\" VALUE {{'pk': 'p', 'r': 'east'}}")
    west.execute_statement(Statement=f"INSERT INTO \"{pair}\" VALUE {{'pk': 'p', 'sk': 's', 'r': 'west'}}")
    got = west.execute_statement(Statement=f"SELECT r FROM \"{pair}\" WHERE pk = 'p'")["Items"]
    assert got == [{"r": {"S": "west"}}]
    got = east.execute_statement(Statement=f"SELECT r FROM \"{pair}\" WHERE pk = 'p'")["Items"]
    assert got == [{"r": {"S": "east"}}]
    with pytest.raises(ClientError) as e:
        east.execute_statement(Statement=f"SELECT * FROM \"{west_only}\"")
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_streams_are_per_region(endpoint, east, west, pair):
    es, ws = client(endpoint, EAST, "dynamodbstreams"), client(endpoint, WEST, "dynamodbstreams")
    e_arn = east.describe_table(TableName=pair)["Table"]["LatestStreamArn"]
    w_arn = west.describe_table(TableName=pair)["Table"]["LatestStreamArn"]
    assert e_arn != w_arn
    assert [s["StreamArn"] for s in ws.list_streams(TableName=pair)["Streams"]] == [w_arn]
    assert [s["StreamArn"] for s in es.list_streams(TableName=pair)["Streams"]] == [e_arn]
    assert w_arn not in [s["StreamArn"] for s in es.list_streams()["Streams"]]
    d = ws.describe_stream(StreamArn=w_arn)["StreamDescription"]
    assert d["TableName"] == pair and [k["AttributeName"] for k in d["KeySchema"]] == ["pk", "sk"]
    with pytest.raises(ClientError) as e:
        es.describe_stream(StreamArn=w_arn)
    assert error_of(e) == ("ResourceNotFoundException",
                           f"Requested resource not found: Stream: {w_arn} not found")
    # each stream carries its own region's writes
    west.put_item(TableName=pair, Item={"pk": {"S": "w"}, "sk": {"S": "1"}})
    shard = ws.describe_stream(StreamArn=w_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = ws.get_shard_iterator(StreamArn=w_arn, ShardId=shard,
                               ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    recs = ws.get_records(ShardIterator=it)["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in recs] == ["w"]
    # an iterator names its stream, which is not east's to read
    with pytest.raises(ClientError) as e:
        es.get_records(ShardIterator=it)
    assert error_of(e)[0] == "ResourceNotFoundException"
    shard = es.describe_stream(StreamArn=e_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = es.get_shard_iterator(StreamArn=e_arn, ShardId=shard,
                               ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert es.get_records(ShardIterator=it)["Records"] == []


# ---- ARNs name their region (ddbd_only: Local writes "ddblocal" in every ARN) ----


@pytest.mark.ddbd_only
def test_arns_name_the_tables_region(east, west, pair):
    e = east.describe_table(TableName=pair)["Table"]
    w = west.describe_table(TableName=pair)["Table"]
    assert e["TableArn"] == f"arn:aws:dynamodb:us-east-1:000000000000:table/{pair}"
    assert w["TableArn"] == f"arn:aws:dynamodb:us-west-2:000000000000:table/{pair}"
    assert w["LatestStreamArn"].startswith(f"arn:aws:dynamodb:us-west-2:000000000000:table/{pair}/stream/")


@pytest.mark.ddbd_only
def test_tags_by_arn_stay_in_their_region(east, west, pair):
    """A table ARN of another region is refused as DynamoDB refuses an ARN
    naming no table (Local has no tagging)."""
    w_arn = west.describe_table(TableName=pair)["Table"]["TableArn"]
    e_arn = east.describe_table(TableName=pair)["Table"]["TableArn"]
    west.tag_resource(ResourceArn=w_arn, Tags=[{"Key": "side", "Value": "west"}])
    assert west.list_tags_of_resource(ResourceArn=w_arn)["Tags"] == [{"Key": "side", "Value": "west"}]
    assert east.list_tags_of_resource(ResourceArn=e_arn)["Tags"] == []
    for call in (lambda: east.list_tags_of_resource(ResourceArn=w_arn),
                 lambda: east.tag_resource(ResourceArn=w_arn, Tags=[{"Key": "k", "Value": "v"}]),
                 lambda: east.untag_resource(ResourceArn=w_arn, TagKeys=["side"]),
                 lambda: west.list_tags_of_resource(ResourceArn=e_arn)):
        with pytest.raises(ClientError) as e:
            call()
        arn = w_arn if "us-west-2" in str(e.value) else e_arn
        assert error_of(e) == ("ResourceNotFoundException",
                               f"Requested resource not found: ResourcArn: {arn} not found")
    assert west.list_tags_of_resource(ResourceArn=w_arn)["Tags"] == [{"Key": "side", "Value": "west"}]
    assert east.list_tags_of_resource(ResourceArn=e_arn)["Tags"] == []


@pytest.mark.ddbd_only
def test_backups_are_per_region(east, west, pair):
    """Local has no backups."""
    b = west.create_backup(TableName=pair, BackupName="regional")["BackupDetails"]
    assert b["BackupArn"].startswith(f"arn:aws:dynamodb:us-west-2:000000000000:table/{pair}/backup/")
    arns = lambda c: [s["BackupArn"] for s in c.list_backups()["BackupSummaries"]]
    assert b["BackupArn"] in arns(west)
    assert b["BackupArn"] not in arns(east)
    assert east.list_backups(TableName=pair)["BackupSummaries"] == []
    s = west.list_backups(TableName=pair)["BackupSummaries"]
    assert [(x["TableName"], x["TableArn"]) for x in s] == [
        (pair, f"arn:aws:dynamodb:us-west-2:000000000000:table/{pair}")]
    with pytest.raises(ClientError) as e:
        east.describe_backup(BackupArn=b["BackupArn"])
    assert error_of(e) == ("BackupNotFoundException", f"Backup not found: {b['BackupArn']}")
    # a restore from west lands in west
    for _ in range(200):
        d = west.describe_backup(BackupArn=b["BackupArn"])["BackupDescription"]["BackupDetails"]
        if d["BackupStatus"] == "AVAILABLE":
            break
        time.sleep(0.05)
    target = unique("restored")
    west.restore_table_from_backup(TargetTableName=target, BackupArn=b["BackupArn"])
    try:
        assert target in all_tables(west) and target not in all_tables(east)
    finally:
        for _ in range(100):
            try:
                west.delete_table(TableName=target)
                break
            except ClientError:
                time.sleep(0.05)
    for _ in range(100):
        try:
            west.delete_backup(BackupArn=b["BackupArn"])
            break
        except ClientError:
            time.sleep(0.05)


@pytest.mark.ddbd_only
def test_pitr_restore_stays_in_region(east, west, pair):
    west.update_continuous_backups(TableName=pair, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    d = east.describe_continuous_backups(TableName=pair)["ContinuousBackupsDescription"]
    assert d["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    target = unique("pitr")
    w_arn = west.describe_table(TableName=pair)["Table"]["TableArn"]
    with pytest.raises(ClientError) as e:
        east.restore_table_to_point_in_time(SourceTableArn=w_arn, TargetTableName=target,
                                            UseLatestRestorableTime=True)
    assert error_of(e)[0] == "TableNotFoundException"
    west.restore_table_to_point_in_time(SourceTableName=pair, TargetTableName=target,
                                        UseLatestRestorableTime=True)
    assert target in all_tables(west) and target not in all_tables(east)
    for _ in range(100):
        try:
            west.delete_table(TableName=target)
            break
        except ClientError:
            time.sleep(0.05)


@pytest.mark.ddbd_only
def test_access_keys_share_a_region(endpoint, west, west_only):
    """One account: another access key sees the same tables (DynamoDB Local
    keeps a database per access key, which AWS does not)."""
    assert west_only in all_tables(client(endpoint, WEST, key="ANOTHERKEY"))


# ---- servers of their own ----------------------------------------------------


@pytest.fixture
def own():
    started = []

    def start(*extra):
        s = Ddbd(extra=list(extra)).start()
        started.append(s)
        return s

    yield start
    for s in started:
        if s.proc.poll() is None:
            s.stop()
        s.cleanup()


@pytest.mark.ddbd_only
def test_list_tables_pages_within_a_region(own):
    s = own()
    e, w = client(s.endpoint, EAST), client(s.endpoint, WEST)
    for n in ("aaa", "mmm", "zzz"):
        create(e, n)
    for n in ("bbb", "ccc", "ddd"):
        create(w, n)
    create(client(s.endpoint, "us-west-1"), "bbc")
    create(client(s.endpoint, "us-west-20"), "bbd")
    p = w.list_tables(Limit=2)
    assert (p["TableNames"], p["LastEvaluatedTableName"]) == (["bbb", "ccc"], "ccc")
    p = w.list_tables(Limit=2, ExclusiveStartTableName="ccc")
    assert p["TableNames"] == ["ddd"] and "LastEvaluatedTableName" not in p
    p = w.list_tables(Limit=3)
    assert p["TableNames"] == ["bbb", "ccc", "ddd"] and "LastEvaluatedTableName" not in p
    assert w.list_tables(ExclusiveStartTableName="aaa")["TableNames"] == ["bbb", "ccc", "ddd"]
    assert e.list_tables()["TableNames"] == ["aaa", "mmm", "zzz"]
    p = e.list_tables(Limit=3)
    assert p["TableNames"] == ["aaa", "mmm", "zzz"] and "LastEvaluatedTableName" not in p
    assert e.list_tables(ExclusiveStartTableName="mmm")["TableNames"] == ["zzz"]
    assert client(s.endpoint, "us-west-1").list_tables()["TableNames"] == ["bbc"]
    assert client(s.endpoint, "eu-central-1").list_tables()["TableNames"] == []


@pytest.mark.ddbd_only
def test_table_quota_is_per_region(own):
    s = own("--max-tables", "1")
    e, w = client(s.endpoint, EAST), client(s.endpoint, WEST)
    create(e, "one")
    create(w, "one")
    create(client(s.endpoint, "eu-west-1"), "two")
    for c in (e, w):
        with pytest.raises(ClientError) as x:
            create(c, "three")
        assert error_of(x)[0] == "LimitExceededException"


@pytest.mark.ddbd_only
def test_mappings_are_per_region(own):
    """Lambda's mappings live in a region, the one of their stream."""
    s = own("--function", "proc=cmd:cat")
    w, e = client(s.endpoint, WEST), client(s.endpoint, EAST)
    wl, el = client(s.endpoint, WEST, "lambda"), client(s.endpoint, EAST, "lambda")
    arn = create(w, "src", stream=True)["LatestStreamArn"]
    with pytest.raises(ClientError) as x:
        el.create_event_source_mapping(FunctionName="proc", EventSourceArn=arn,
                                       StartingPosition="LATEST")
    assert error_of(x) == ("InvalidParameterValueException", f"Stream not found: {arn}")
    m = wl.create_event_source_mapping(FunctionName="proc", EventSourceArn=arn,
                                       StartingPosition="LATEST")
    assert [x["UUID"] for x in wl.list_event_source_mappings()["EventSourceMappings"]] == [m["UUID"]]
    assert el.list_event_source_mappings()["EventSourceMappings"] == []
    assert el.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []
    for call in (lambda: el.get_event_source_mapping(UUID=m["UUID"]),
                 lambda: el.delete_event_source_mapping(UUID=m["UUID"])):
        with pytest.raises(ClientError) as x:
            call()
        assert error_of(x)[0] == "ResourceNotFoundException"
    assert wl.get_event_source_mapping(UUID=m["UUID"])["EventSourceArn"] == arn
    # the same table name in east is another table with another stream
    e_arn = create(e, "src", stream=True)["LatestStreamArn"]
    assert e_arn.startswith("arn:aws:dynamodb:us-east-1:") and e_arn != arn
    assert el.create_event_source_mapping(FunctionName="proc", EventSourceArn=e_arn,
                                          StartingPosition="LATEST")["EventSourceArn"] == e_arn
    assert len(wl.list_event_source_mappings()["EventSourceMappings"]) == 1


@pytest.mark.ddbd_only
def test_trigger_records_name_the_tables_region(own):
    from test_triggers import HttpFunction, wait_for
    fn = HttpFunction()
    try:
        s = own("--function", f"proc={fn.url}/invoke")
        w, e = client(s.endpoint, WEST), client(s.endpoint, EAST)
        arn = create(w, "orders", stream=True)["LatestStreamArn"]
        create(e, "orders", stream=True)
        wl = client(s.endpoint, WEST, "lambda")
        m = wl.create_event_source_mapping(FunctionName="proc", EventSourceArn=arn,
                                           StartingPosition="LATEST", BatchSize=10)
        wait_for(lambda: wl.get_event_source_mapping(UUID=m["UUID"])["State"] == "Enabled", 5)
        e.put_item(TableName="orders", Item={"pk": {"S": "east"}})
        w.put_item(TableName="orders", Item={"pk": {"S": "west"}})
        got = wait_for(lambda: fn.records())
        time.sleep(0.3)
        got = fn.records()
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in got] == ["west"]
        assert got[0]["awsRegion"] == "us-west-2" and got[0]["eventSourceARN"] == arn
    finally:
        fn.stop()


@pytest.mark.ddbd_only
def test_shared_regions_keeps_one_namespace(own):
    s = own("--shared-regions")
    e, w = client(s.endpoint, EAST), client(s.endpoint, WEST)
    create(w, "shared_t", stream=True)
    assert e.list_tables()["TableNames"] == w.list_tables()["TableNames"] == ["shared_t"]
    w.put_item(TableName="shared_t", Item={"pk": {"S": "a"}})
    assert e.get_item(TableName="shared_t", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
    with pytest.raises(ClientError) as x:
        create(e, "shared_t")
    assert error_of(x)[0] == "ResourceInUseException"
    # ARNs take the request's region, and any region's ARN names the table
    e_arn = e.describe_table(TableName="shared_t")["Table"]["TableArn"]
    assert e_arn == "arn:aws:dynamodb:us-east-1:000000000000:table/shared_t"
    assert w.describe_table(TableName="shared_t")["Table"]["TableArn"].startswith("arn:aws:dynamodb:us-west-2:")
    w.tag_resource(ResourceArn=e_arn, Tags=[{"Key": "k", "Value": "v"}])
    assert e.list_tags_of_resource(ResourceArn=e_arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    w_stream = w.describe_table(TableName="shared_t")["Table"]["LatestStreamArn"]
    es = client(s.endpoint, EAST, "dynamodbstreams")
    assert es.describe_stream(StreamArn=w_stream)["StreamDescription"]["TableName"] == "shared_t"


@pytest.mark.ddbd_only
def test_tables_of_one_namespace_belong_to_the_default_region(own):
    """A data directory of one namespace (written by a ddbd before regions,
    or with --shared-regions: the same layout) keeps working without the
    flag: its tables are the default region's (us-east-1, unsigned requests'
    region), whichever region their creator signed for."""
    s = own("--shared-regions")
    create(client(s.endpoint, WEST), "old_t")
    client(s.endpoint, WEST).put_item(TableName="old_t", Item={"pk": {"S": "kept"}})
    s.stop()
    again = Ddbd(data_dir=s.data_dir).start()
    try:
        e, w = client(again.endpoint, EAST), client(again.endpoint, WEST)
        assert e.list_tables()["TableNames"] == ["old_t"]
        assert w.list_tables()["TableNames"] == []
        assert e.get_item(TableName="old_t", Key={"pk": {"S": "kept"}})["Item"] == {"pk": {"S": "kept"}}
        # west may now have its own old_t
        create(w, "old_t")
        assert w.scan(TableName="old_t")["Items"] == []
    finally:
        again.stop()
