"""Global secondary indexes with multi-attribute keys (DynamoDB, November
2025): a GSI KeySchema may name up to four HASH attributes followed by up to
four RANGE attributes. CreateTable/UpdateTable validation, DescribeTable,
sparse membership, Query shapes (= on every partition attribute, sort
attributes left to right), ordering, paging, filters, backfill, projections,
streams and `ddbd --check`.

DynamoDB Local does not support multi-attribute keys yet (its CreateTable
rejects a KeySchema with more than two elements), so these tests were not
checked against it; the validation messages DynamoDB does not document are
ddbd's own (see server/index_keys.c, query/expr_key_multi.c)."""
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

from conftest import DDBD, STREAM_SETTLE, Ddbd, check_cmd, error_of, make_client

MULTI = [{"AttributeName": "tenant", "KeyType": "HASH"}, {"AttributeName": "geo", "KeyType": "HASH"},
         {"AttributeName": "day", "KeyType": "RANGE"}, {"AttributeName": "seq", "KeyType": "RANGE"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "tenant", "AttributeType": "S"},
        {"AttributeName": "geo", "AttributeType": "N"}, {"AttributeName": "day", "AttributeType": "S"},
        {"AttributeName": "seq", "AttributeType": "N"}]


def gsi(keys=MULTI, name="multi", projection=None):
    return {"IndexName": name, "KeySchema": keys, "Projection": projection or {"ProjectionType": "ALL"}}


def create(ddb, name, indexes=None, defs=DEFS, **kw):
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=defs, BillingMode="PAY_PER_REQUEST",
                     GlobalSecondaryIndexes=indexes or [gsi()], **kw)
    return name


@pytest.fixture
def tab(ddb, table_name):
    yield create(ddb, table_name)
    ddb.delete_table(TableName=table_name)


def item(pk, tenant="acme", geo=1, day="2025-11-01", seq=1, **more):
    it = {"pk": {"S": pk}, "tenant": {"S": tenant}, "geo": {"N": str(geo)}, "day": {"S": day},
          "seq": {"N": str(seq)}}
    it.update(more)
    return it


def q(ddb, t, cond, values, **kw):
    return ddb.query(TableName=t, IndexName="multi", KeyConditionExpression=cond,
                     ExpressionAttributeValues=values, **kw)


PART = "tenant = :t AND geo = :r"
PV = {":t": {"S": "acme"}, ":r": {"N": "1"}}


def pks(resp):
    return [i["pk"]["S"] for i in resp["Items"]]


def test_create_and_describe(ddb, tab):
    g = ddb.describe_table(TableName=tab)["Table"]["GlobalSecondaryIndexes"][0]
    assert g["KeySchema"] == MULTI
    assert g["IndexStatus"] == "ACTIVE"
    defs = ddb.describe_table(TableName=tab)["Table"]["AttributeDefinitions"]
    assert sorted(d["AttributeName"] for d in defs) == ["day", "geo", "pk", "seq", "tenant"]


def h(n):
    return {"AttributeName": n, "KeyType": "HASH"}


def r(n):
    return {"AttributeName": n, "KeyType": "RANGE"}


def defs_for(names):
    return [{"AttributeName": "pk", "AttributeType": "S"}] + [
        {"AttributeName": n, "AttributeType": "S"} for n in names]


@pytest.mark.parametrize("keys,defined,message", [
    ([h("a"), h("b"), h("c"), h("d"), h("e")], "abcde",
     "Invalid KeySchema: A global secondary index KeySchema can have at most 4 HASH and 4 RANGE "
     "KeySchemaElements"),
    ([h("a"), r("b"), r("c"), r("d"), r("e"), r("f")], "abcdef",
     "Invalid KeySchema: A global secondary index KeySchema can have at most 4 HASH and 4 RANGE "
     "KeySchemaElements"),
    ([r("a"), h("b")], "ab", "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    ([h("a"), r("b"), h("c")], "abc",
     "Invalid KeySchema: The third KeySchemaElement is a HASH key type after a RANGE key type; all "
     "HASH KeySchemaElements must come first"),
    ([h("a"), h("b"), r("a")], "ab",
     "Invalid KeySchema: The attribute a is specified more than once in the KeySchema"),
    ([h("a"), h("b"), r("c")], "ab",
     "Global Secondary Index range key not specified in Attribute Definitions.Type unknown."),
])
def test_create_validation(ddb, table_name, keys, defined, message):
    with pytest.raises(ClientError) as e:
        create(ddb, table_name, [gsi(keys)], defs=defs_for(defined))
    assert error_of(e) == ("ValidationException", message)


def test_lsi_stays_single_attribute(ddb, table_name):
    with pytest.raises(ClientError) as e:
        ddb.create_table(TableName=table_name, KeySchema=[h("pk"), r("sk")],
                         AttributeDefinitions=defs_for("abc") + [{"AttributeName": "sk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST",
                         LocalSecondaryIndexes=[{"IndexName": "lsi", "KeySchema": [h("pk"), r("a"), r("b")],
                                                 "Projection": {"ProjectionType": "ALL"}}])
    assert error_of(e)[0] == "ValidationException"


def test_item_type_mismatch_is_refused(ddb, tab):
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=tab, Item=item("x", geo="1") | {"geo": {"S": "one"}})
    assert error_of(e) == ("ValidationException",
                           "One or more parameter values were invalid: Type mismatch for Index Key geo "
                           "Expected: N Actual: S IndexName: multi")


def test_sparse_membership(ddb, tab):
    ddb.put_item(TableName=tab, Item=item("full"))
    partial = item("partial")
    del partial["seq"]
    ddb.put_item(TableName=tab, Item=partial)
    nohash = item("nohash")
    del nohash["geo"]
    ddb.put_item(TableName=tab, Item=nohash)
    assert pks(q(ddb, tab, PART, PV)) == ["full"]
    assert pks(ddb.scan(TableName=tab, IndexName="multi")) == ["full"]
    # an update that completes the key brings the item in, one that removes a part takes it out
    ddb.update_item(TableName=tab, Key={"pk": {"S": "partial"}}, UpdateExpression="SET seq = :s",
                    ExpressionAttributeValues={":s": {"N": "0"}})
    assert pks(q(ddb, tab, PART, PV)) == ["partial", "full"]
    ddb.update_item(TableName=tab, Key={"pk": {"S": "full"}}, UpdateExpression="REMOVE tenant")
    assert pks(q(ddb, tab, PART, PV)) == ["partial"]
    assert ddb.describe_table(TableName=tab)["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"] == 1


def fill(ddb, t):
    rows = [("a", "2025-11-01", 2), ("b", "2025-11-01", 10), ("c", "2025-11-02", 1), ("d", "2025-12-01", 5),
            ("e", "2025-11-01", 1)]
    for pk, day, seq in rows:
        ddb.put_item(TableName=t, Item=item(pk, day=day, seq=seq))
    ddb.put_item(TableName=t, Item=item("other-geo", geo=2))
    ddb.put_item(TableName=t, Item=item("other-tenant", tenant="zeta"))


def test_query_shapes_and_order(ddb, tab):
    fill(ddb, tab)
    # sorted by day (S) then seq (N, numerically: 10 after 2)
    assert pks(q(ddb, tab, PART, PV)) == ["e", "a", "b", "c", "d"]
    assert pks(q(ddb, tab, PART, PV, ScanIndexForward=False)) == ["d", "c", "b", "a", "e"]
    # partition attributes in any order
    assert pks(q(ddb, tab, "geo = :r AND tenant = :t", PV)) == ["e", "a", "b", "c", "d"]
    v = dict(PV, **{":d": {"S": "2025-11-01"}})
    assert pks(q(ddb, tab, PART + " AND #d = :d", v, ExpressionAttributeNames={"#d": "day"})) == ["e", "a", "b"]
    v2 = dict(v, **{":s": {"N": "2"}})
    assert pks(q(ddb, tab, PART + " AND #d = :d AND seq >= :s", v2,
                 ExpressionAttributeNames={"#d": "day"})) == ["a", "b"]
    assert pks(q(ddb, tab, PART + " AND #d = :d AND seq = :s", v2,
                 ExpressionAttributeNames={"#d": "day"})) == ["a"]
    v3 = dict(PV, **{":p": {"S": "2025-11"}})
    assert pks(q(ddb, tab, PART + " AND begins_with(#d, :p)", v3,
                 ExpressionAttributeNames={"#d": "day"}, ScanIndexForward=False)) == ["c", "b", "a", "e"]
    v4 = dict(v, **{":lo": {"N": "2"}, ":hi": {"N": "9"}})
    assert pks(q(ddb, tab, PART + " AND #d = :d AND seq BETWEEN :lo AND :hi", v4,
                 ExpressionAttributeNames={"#d": "day"})) == ["a"]
    v5 = dict(PV, **{":lo": {"S": "2025-11-02"}, ":hi": {"S": "2025-12-31"}})
    assert pks(q(ddb, tab, PART + " AND #d BETWEEN :lo AND :hi", v5,
                 ExpressionAttributeNames={"#d": "day"})) == ["c", "d"]
    assert pks(q(ddb, tab, "tenant = :t AND geo = :r", {":t": {"S": "acme"}, ":r": {"N": "2"}})) == [
        "other-geo"]


@pytest.mark.parametrize("cond,message", [
    ("tenant = :t", "Query condition missed key schema element: geo"),
    (PART + " AND seq = :n", "Query condition missed key schema element: day"),
    (PART + " AND #d > :d AND seq = :n",
     "Query key condition not supported: only the last sort key attribute in a condition may use an "
     "operator other than =; day is followed by seq"),
    ("tenant = :t AND geo > :r", "Query key condition not supported"),
    (PART + " AND #d = :n", "One or more parameter values were invalid: Condition parameter type does "
                            "not match schema type"),
])
def test_query_refused_shapes(ddb, tab, cond, message):
    values = dict(PV, **{":d": {"S": "2025"}, ":n": {"N": "1"}})
    names = {"#d": "day"} if "#d" in cond else {}
    used = {k: v for k, v in values.items() if k in cond}
    with pytest.raises(ClientError) as e:
        q(ddb, tab, cond, used, **({"ExpressionAttributeNames": names} if names else {}))
    assert error_of(e) == ("ValidationException", message)


def test_filter_on_key_attribute_refused(ddb, tab):
    fill(ddb, tab)
    with pytest.raises(ClientError) as e:
        q(ddb, tab, PART, dict(PV, **{":s": {"N": "3"}}), FilterExpression="seq > :s")
    assert error_of(e) == ("ValidationException", "Filter Expression can only contain non-primary key "
                                                  "attributes: Primary key attribute: seq")
    # a non-key attribute filters as usual
    ddb.update_item(TableName=tab, Key={"pk": {"S": "a"}}, UpdateExpression="SET colour = :c",
                    ExpressionAttributeValues={":c": {"S": "red"}})
    assert pks(q(ddb, tab, PART, dict(PV, **{":c": {"S": "red"}}), FilterExpression="colour = :c")) == ["a"]


@pytest.mark.parametrize("forward", [True, False])
def test_paging(ddb, tab, forward):
    fill(ddb, tab)
    seen, start = [], None
    while True:
        kw = {"ExclusiveStartKey": start} if start else {}
        resp = q(ddb, tab, PART, PV, Limit=2, ScanIndexForward=forward, **kw)
        seen += pks(resp)
        start = resp.get("LastEvaluatedKey")
        if not start:
            break
        assert set(start) == {"pk", "tenant", "geo", "day", "seq"}
    want = ["e", "a", "b", "c", "d"]
    assert seen == (want if forward else want[::-1])
    # a start key of another partition is refused
    bad = {"pk": {"S": "a"}, "tenant": {"S": "zeta"}, "geo": {"N": "1"}, "day": {"S": "x"}, "seq": {"N": "1"}}
    with pytest.raises(ClientError) as e:
        q(ddb, tab, PART, PV, ExclusiveStartKey=bad)
    assert error_of(e)[0] == "ValidationException"
    # scan pages the index too
    seen, start = [], None
    while True:
        resp = ddb.scan(TableName=tab, IndexName="multi", Limit=3, **({"ExclusiveStartKey": start} if start else {}))
        seen += pks(resp)
        start = resp.get("LastEvaluatedKey")
        if not start:
            break
    assert sorted(seen) == sorted(want + ["other-geo", "other-tenant"])


def test_projections(ddb, table_name):
    create(ddb, table_name, [gsi(name="multi", projection={"ProjectionType": "KEYS_ONLY"}),
                             gsi(name="inc", projection={"ProjectionType": "INCLUDE", "NonKeyAttributes": ["colour"]})])
    try:
        ddb.put_item(TableName=table_name, Item=item("a", colour={"S": "red"}, heft={"N": "3"}))
        got = q(ddb, table_name, PART, PV)["Items"]
        assert got == [item("a")]
        inc = ddb.query(TableName=table_name, IndexName="inc", KeyConditionExpression=PART,
                        ExpressionAttributeValues=PV)["Items"]
        assert inc == [item("a", colour={"S": "red"})]
        with pytest.raises(ClientError) as e:
            q(ddb, table_name, PART, PV, ProjectionExpression="heft")
        assert error_of(e)[1] == ("One or more parameter values were invalid: Global secondary index multi "
                                  "does not project [heft]")
    finally:
        ddb.delete_table(TableName=table_name)


def test_backfill_via_update_table(ddb, table_name):
    ddb.create_table(TableName=table_name, KeySchema=[h("pk")],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    try:
        fill(ddb, table_name)
        ddb.update_table(TableName=table_name, AttributeDefinitions=DEFS,
                         GlobalSecondaryIndexUpdates=[{"Create": gsi()}])
        import time
        for _ in range(600):
            g = ddb.describe_table(TableName=table_name)["Table"]["GlobalSecondaryIndexes"][0]
            if g["IndexStatus"] == "ACTIVE":
                break
            time.sleep(0.05)
        assert g["KeySchema"] == MULTI
        assert pks(q(ddb, table_name, PART, PV)) == ["e", "a", "b", "c", "d"]
        assert g["ItemCount"] == 7
        defs = ddb.describe_table(TableName=table_name)["Table"]["AttributeDefinitions"]
        assert sorted(d["AttributeName"] for d in defs) == ["day", "geo", "pk", "seq", "tenant"]
        with pytest.raises(ClientError) as e:
            ddb.update_table(TableName=table_name, AttributeDefinitions=DEFS,
                             GlobalSecondaryIndexUpdates=[{"Create": gsi([h("tenant"), r("day"), h("geo")],
                                                                         name="bad")}])
        assert error_of(e)[0] == "ValidationException"
    finally:
        ddb.delete_table(TableName=table_name)


@pytest.mark.ddbd_only
def test_stream_restart_and_check():
    server = Ddbd().start()
    try:
        c = make_client(server.endpoint)
        create(c, "mktab", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        fill(c, "mktab")
        c.delete_item(TableName="mktab", Key={"pk": {"S": "b"}})
        streams = make_client(server.endpoint, "dynamodbstreams")
        arn = c.describe_table(TableName="mktab")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        time.sleep(STREAM_SETTLE)  # the delete's record shown
        recs = streams.get_records(ShardIterator=it["ShardIterator"])["Records"]
        assert recs[0]["dynamodb"]["NewImage"] == item("a", seq=2)
        assert recs[-1]["eventName"] == "REMOVE" and recs[-1]["dynamodb"]["Keys"] == {"pk": {"S": "b"}}
        assert server.stop() == 0
        again = Ddbd(data_dir=server.data_dir).start()
        try:
            c = make_client(again.endpoint)
            g = c.describe_table(TableName="mktab")["Table"]["GlobalSecondaryIndexes"][0]
            assert g["KeySchema"] == MULTI
            assert pks(q(c, "mktab", PART, PV)) == ["e", "a", "c", "d"]
            assert again.stop() == 0
        finally:
            again.cleanup()
        out = subprocess.run(check_cmd(server.data_dir), capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "check passed" in out.stdout
    finally:
        server.cleanup()


def test_partiql_select_on_the_index(ddb, tab):
    fill(ddb, tab)
    got = ddb.execute_statement(Statement=f'SELECT pk FROM "{tab}"."multi" WHERE tenant = ? AND geo = ? '
                                          'AND seq > ?',
                                Parameters=[{"S": "acme"}, {"N": "1"}, {"N": "1"}])["Items"]
    assert sorted(i["pk"]["S"] for i in got) == ["a", "b", "d"]


def test_backup_restore_keeps_the_index(ddb, tab, table_name):
    from restore_load import wait_active, wait_available
    fill(ddb, tab)
    arn = ddb.create_backup(TableName=tab, BackupName="multikey")["BackupDetails"]["BackupArn"]
    wait_available(ddb, arn)
    target = table_name + "_restored"
    ddb.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    try:
        wait_active(ddb, target)
        t = ddb.describe_table(TableName=target)["Table"]
        assert t["GlobalSecondaryIndexes"][0]["KeySchema"] == MULTI
        assert sorted(d["AttributeName"] for d in t["AttributeDefinitions"]) == ["day", "geo", "pk", "seq", "tenant"]
        assert pks(q(ddb, target, PART, PV)) == ["e", "a", "b", "c", "d"]
    finally:
        ddb.delete_table(TableName=target)
