"""Control plane: CreateTable, DescribeTable, ListTables, DeleteTable,
UpdateTable, tags, DescribeLimits, DescribeEndpoints, waiters.

Validation messages follow the DynamoDB service (the "N validation errors
detected: ..." constraint lists and "One or more parameter values were
invalid: ..." checks). DynamoDB Local words many of these differently
(e.g. "No Attribute Schema Defined"), so tests that pin the service's words
are ddbd_only.
"""
import datetime
import re

import pytest
from botocore.exceptions import ClientError

from conftest import error_of

KS = [{"AttributeName": "pk", "KeyType": "HASH"}]
AD = [{"AttributeName": "pk", "AttributeType": "S"}]


def test_create_describe_delete_hash_only(ddb, table_name):
    out = ddb.create_table(TableName=table_name, KeySchema=KS, AttributeDefinitions=AD,
                           BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert out["TableName"] == table_name
    assert out["KeySchema"] == KS
    assert out["AttributeDefinitions"] == AD
    assert out["TableStatus"] in ("CREATING", "ACTIVE")
    assert out["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    desc = ddb.describe_table(TableName=table_name)["Table"]
    assert desc["TableStatus"] == "ACTIVE"
    assert desc["ItemCount"] == 0 and desc["TableSizeBytes"] == 0
    assert isinstance(desc["CreationDateTime"], datetime.datetime)
    assert re.fullmatch(r"arn:aws:dynamodb:[^:]+:\d{12}:table/" + re.escape(table_name), desc["TableArn"])
    assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert desc["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 0
    deleted = ddb.delete_table(TableName=table_name)["TableDescription"]
    assert deleted["TableName"] == table_name
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName=table_name)
    assert error_of(e)[0] == "ResourceNotFoundException"


@pytest.mark.ddbd_only
def test_describe_table_full_shape(ddb, make_table):
    name = make_table()
    desc = ddb.describe_table(TableName=name)["Table"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", desc["TableId"])
    assert desc["TableArn"] == f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}"
    assert "LastUpdateToPayPerRequestDateTime" in desc["BillingModeSummary"]


@pytest.mark.parametrize("key_types", [("S", None), ("N", None), ("B", None), ("S", "S"), ("S", "N"),
                                       ("N", "B"), ("B", "S")])
def test_create_with_key_types(ddb, make_table, key_types):
    hk, rk = key_types
    name = make_table(hash_key=("h", hk), range_key=("r", rk) if rk else None)
    desc = ddb.describe_table(TableName=name)["Table"]
    want = [{"AttributeName": "h", "KeyType": "HASH"}]
    if rk:
        want.append({"AttributeName": "r", "KeyType": "RANGE"})
    assert desc["KeySchema"] == want
    types = {d["AttributeName"]: d["AttributeType"] for d in desc["AttributeDefinitions"]}
    assert types == ({"h": hk, "r": rk} if rk else {"h": hk})


def test_create_provisioned(ddb, make_table):
    name = make_table(BillingMode="PROVISIONED",
                      ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7})
    pt = ddb.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert pt["ReadCapacityUnits"] == 5 and pt["WriteCapacityUnits"] == 7


def test_create_duplicate_is_resource_in_use(ddb, make_table):
    name = make_table()
    with pytest.raises(ClientError) as e:
        ddb.create_table(TableName=name, KeySchema=KS, AttributeDefinitions=AD,
                         BillingMode="PAY_PER_REQUEST")
    assert error_of(e)[0] == "ResourceInUseException"


@pytest.mark.ddbd_only
def test_create_duplicate_message(ddb, make_table):
    name = make_table()
    with pytest.raises(ClientError) as e:
        ddb.create_table(TableName=name, KeySchema=KS, AttributeDefinitions=AD,
                         BillingMode="PAY_PER_REQUEST")
    assert error_of(e) == ("ResourceInUseException", f"Table already exists: {name}")


def test_describe_missing_table(ddb):
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName="no_such_table_here")
    assert error_of(e)[0] == "ResourceNotFoundException"


@pytest.mark.ddbd_only
def test_describe_missing_table_message(ddb):
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName="no_such_table_here")
    assert error_of(e)[1] == "Requested resource not found: Table: no_such_table_here not found"


CREATE_ERRORS = [
    (dict(TableName="ab", KeySchema=KS, AttributeDefinitions=AD, BillingMode="PAY_PER_REQUEST"),
     "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: "
     "Member must have length greater than or equal to 3"),
    (dict(TableName="a b!", KeySchema=KS, AttributeDefinitions=AD, BillingMode="PAY_PER_REQUEST"),
     "1 validation error detected: Value 'a b!' at 'tableName' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
    (dict(TableName="abc", AttributeDefinitions=AD, BillingMode="PAY_PER_REQUEST"),
     "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: "
     "Member must not be null"),
    (dict(TableName="abc", KeySchema=KS, BillingMode="PAY_PER_REQUEST"),
     "1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy "
     "constraint: Member must not be null"),
    (dict(TableName="abc", KeySchema=[{"AttributeName": "pk", "KeyType": "FOO"}],
          AttributeDefinitions=AD, BillingMode="PAY_PER_REQUEST"),
     "1 validation error detected: Value 'FOO' at 'keySchema.1.member.keyType' failed to satisfy "
     "constraint: Member must satisfy enum value set: [HASH, RANGE]"),
    (dict(TableName="abc", KeySchema=KS, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "X"}],
          BillingMode="PAY_PER_REQUEST"),
     "1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' "
     "failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"),
    (dict(TableName="abc", KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}],
          AttributeDefinitions=AD, BillingMode="PAY_PER_REQUEST"),
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    (dict(TableName="abc", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                      {"AttributeName": "sk", "KeyType": "HASH"}],
          AttributeDefinitions=AD + [{"AttributeName": "sk", "AttributeType": "S"}],
          BillingMode="PAY_PER_REQUEST"),
     "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"),
    (dict(TableName="abc", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                      {"AttributeName": "pk", "KeyType": "RANGE"}],
          AttributeDefinitions=AD, BillingMode="PAY_PER_REQUEST"),
     "Both the Hash Key and the Range Key element in the KeySchema have the same name"),
    (dict(TableName="abc", KeySchema=KS, AttributeDefinitions=[{"AttributeName": "x", "AttributeType": "S"}],
          BillingMode="PAY_PER_REQUEST"),
     "One or more parameter values were invalid: Some index key attributes are not defined in "
     "AttributeDefinitions. Keys: [pk], AttributeDefinitions: [x]"),
    (dict(TableName="abc", KeySchema=KS, AttributeDefinitions=AD + [{"AttributeName": "x", "AttributeType": "S"}],
          BillingMode="PAY_PER_REQUEST"),
     "One or more parameter values were invalid: Number of attributes in KeySchema does not "
     "exactly match number of attributes defined in AttributeDefinitions"),
    (dict(TableName="abc", KeySchema=KS, AttributeDefinitions=AD + AD, BillingMode="PAY_PER_REQUEST"),
     "Cannot have two attributes with the same name"),
    (dict(TableName="abc", KeySchema=KS, AttributeDefinitions=AD),
     "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must "
     "both be specified when BillingMode is PROVISIONED"),
    # DynamoDB Local accepts this one; the service refuses it.
    (dict(TableName="abc", KeySchema=KS, AttributeDefinitions=AD, BillingMode="PAY_PER_REQUEST",
          ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}),
     "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits "
     "can be specified when BillingMode is PAY_PER_REQUEST"),
    (dict(TableName="abc", KeySchema=KS, AttributeDefinitions=AD,
          ProvisionedThroughput={"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}),
     "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed "
     "to satisfy constraint: Member must have value greater than or equal to 1"),
    (dict(TableName="abc", KeySchema=KS, AttributeDefinitions=AD, BillingMode="FOO"),
     "1 validation error detected: Value 'FOO' at 'billingMode' failed to satisfy constraint: "
     "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"),
    (dict(TableName="ab", KeySchema=KS * 3, AttributeDefinitions=AD, BillingMode="PAY_PER_REQUEST"),
     "2 validation errors detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member "
     "must have length greater than or equal to 3; Value '[...]' at 'keySchema' failed to satisfy "
     "constraint: Member must have length less than or equal to 2"),
]


@pytest.mark.ddbd_only
@pytest.mark.parametrize("params,message", CREATE_ERRORS)
def test_create_table_validation(ddb, params, message):
    with pytest.raises(ClientError) as e:
        ddb.create_table(**params)
    assert error_of(e) == ("ValidationException", message)
    assert "abc" not in ddb.list_tables()["TableNames"]


@pytest.mark.parametrize("params,message", CREATE_ERRORS)
def test_create_table_validation_type(ddb, params, message):
    if params.get("BillingMode") == "FOO" or "ProvisionedThroughput" in params and params.get("BillingMode") == "PAY_PER_REQUEST":
        pytest.skip("DynamoDB Local accepts or crashes on this request; see the ddbd_only test")
    with pytest.raises(ClientError) as e:
        ddb.create_table(**params)
    assert error_of(e)[0] == "ValidationException"


def test_list_tables_paging(ddb, make_table):
    prefix = f"lt_{id(ddb) % 100000}_"
    names = sorted(make_table(name=f"{prefix}{i:02d}") for i in range(5))
    seen = []
    start = None
    while True:
        kw = {"Limit": 2}
        if start:
            kw["ExclusiveStartTableName"] = start
        out = ddb.list_tables(**kw)
        assert len(out["TableNames"]) <= 2
        seen += out["TableNames"]
        start = out.get("LastEvaluatedTableName")
        if not start:
            break
        assert start == out["TableNames"][-1]
    mine = [n for n in seen if n.startswith(prefix)]
    assert mine == names
    assert seen == sorted(seen)


def test_list_tables_paginator(ddb, make_table):
    names = {make_table() for _ in range(3)}
    pages = ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1})
    listed = [n for p in pages for n in p["TableNames"]]
    assert names <= set(listed)
    assert len(listed) == len(set(listed))


@pytest.mark.ddbd_only
@pytest.mark.parametrize("limit,message", [
    (0, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member "
        "must have value greater than or equal to 1"),
    (101, "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
          "Member must have value less than or equal to 100"),
])
def test_list_tables_limit_validation(ddb, limit, message):
    with pytest.raises(ClientError) as e:
        ddb.list_tables(Limit=limit)
    assert error_of(e) == ("ValidationException", message)


def test_delete_missing_table(ddb):
    with pytest.raises(ClientError) as e:
        ddb.delete_table(TableName="no_such_table_here")
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_delete_table_removes_items(ddb, make_table):
    name = make_table()
    for i in range(20):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}})
    ddb.delete_table(TableName=name)
    ddb.create_table(TableName=name, KeySchema=KS, AttributeDefinitions=AD, BillingMode="PAY_PER_REQUEST")
    assert ddb.describe_table(TableName=name)["Table"]["ItemCount"] == 0
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "k1"}})


def test_update_table_billing_and_throughput(ddb, make_table):
    name = make_table(BillingMode="PROVISIONED",
                      ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    out = ddb.update_table(TableName=name,
                           ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})
    pt = out["TableDescription"]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (3, 4)
    out = ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    assert out["TableDescription"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_update_table_nothing_to_update(ddb, make_table):
    name = make_table()
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=name)
    assert error_of(e)[0] == "ValidationException"


def test_update_missing_table(ddb):
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName="no_such_table_here", BillingMode="PAY_PER_REQUEST")
    assert error_of(e)[0] == "ResourceNotFoundException"


@pytest.mark.ddbd_only
def test_deletion_protection(endpoint, table_name):
    # Debian's botocore predates DeletionProtectionEnabled, so speak raw JSON.
    from test_protocol import raw
    import json

    def op(name, **body):
        status, _, data = raw(endpoint, json.dumps(body).encode(), target=f"DynamoDB_20120810.{name}")
        return status, json.loads(data)

    status, out = op("CreateTable", TableName=table_name, KeySchema=KS, AttributeDefinitions=AD,
                     BillingMode="PAY_PER_REQUEST", DeletionProtectionEnabled=True)
    assert status == 200 and out["TableDescription"]["DeletionProtectionEnabled"] is True
    status, out = op("DeleteTable", TableName=table_name)
    assert status == 400 and out["__type"].endswith("#ValidationException")
    status, out = op("UpdateTable", TableName=table_name, DeletionProtectionEnabled=False)
    assert status == 200 and out["TableDescription"]["DeletionProtectionEnabled"] is False
    status, out = op("DeleteTable", TableName=table_name)
    assert status == 200


@pytest.mark.ddbd_only  # DynamoDB Local: "Tagging is not currently supported in DynamoDB Local."
def test_tags(ddb, make_table):
    name = make_table(Tags=[{"Key": "env", "Value": "dev"}])
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "prod"}])
    tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"env": "prod", "team": "a"}
    ddb.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    with pytest.raises(ClientError) as e:
        ddb.list_tags_of_resource(ResourceArn=arn + "_missing")
    assert error_of(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        ddb.list_tags_of_resource(ResourceArn="not-an-arn")
    assert error_of(e)[0] == "ValidationException"


def test_describe_limits(ddb):
    out = ddb.describe_limits()
    assert out["AccountMaxReadCapacityUnits"] == 80000
    assert out["TableMaxWriteCapacityUnits"] == 40000


@pytest.mark.ddbd_only  # DynamoDB Local does not implement DescribeEndpoints
def test_describe_endpoints(ddb):
    eps = ddb.describe_endpoints()["Endpoints"]
    assert eps[0]["CachePeriodInMinutes"] == 1440
    assert eps[0]["Address"]


def test_waiters(ddb, table_name):
    ddb.create_table(TableName=table_name, KeySchema=KS, AttributeDefinitions=AD,
                     BillingMode="PAY_PER_REQUEST")
    ddb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    ddb.delete_table(TableName=table_name)
    ddb.get_waiter("table_not_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})


@pytest.mark.ddbd_only
def test_table_quota_gives_limit_exceeded_and_frees_on_delete():
    from conftest import Ddbd, make_client
    server = Ddbd(extra=["--max-tables", "3"]).start()
    try:
        c = make_client(server.endpoint)

        def create(name):
            c.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                           AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                           BillingMode="PAY_PER_REQUEST")

        for n in ("quota1", "quota2", "quota3"):
            create(n)
        with pytest.raises(ClientError) as e:
            create("quota4")
        assert error_of(e) == ("LimitExceededException",
                               "Subscriber limit exceeded: There is a limit of 3 tables per subscriber")
        assert sorted(c.list_tables()["TableNames"]) == ["quota1", "quota2", "quota3"]
        c.delete_table(TableName="quota2")
        create("quota4")
    finally:
        assert server.stop() == 0
        server.cleanup()
