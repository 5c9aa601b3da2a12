"""Responses shaped as DynamoDB shapes them: error bodies (the `__type`
namespace and the key the message travels under), DeleteTable's brief
description, BillingModeSummary and the throughput dates, TTL's states, the
continuous-backups description, and compact JSON in every body.

Where DynamoDB Local answers otherwise than AWS the test is ddbd_only and
says why. AWS's error bodies are as recorded from the service: dynalite's
tests, written against AWS (the Coral validation layer's
com.amazon.coral.validate#ValidationException with "message"; the Coral
service framework's SerializationException and AccessDeniedException with
"Message"), SDK reports quoting AWS's TransactionCanceledException body (with
"Message"), and the API reference's examples.
"""
import http.client
import json
import os
import tempfile
import time

import boto3
import botocore.config
import pytest

from conftest import Ddbd, make_client

AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0123abcd")
DDB = "com.amazonaws.dynamodb.v20120810#"
CORAL = "com.amazon.coral.service#"
VALIDATE = "com.amazon.coral.validate#ValidationException"


def post(endpoint, target, body, auth=AUTH, headers=None):
    """(status, raw body) of one POST with the given X-Amz-Target."""
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    h = {"X-Amz-Date": "20260101T000000Z", "Content-Type": "application/x-amz-json-1.0"}
    if target:
        h["X-Amz-Target"] = target
    if auth:
        h["Authorization"] = auth
    h.update(headers or {})
    c.request("POST", "/", body=body if isinstance(body, bytes) else json.dumps(body), headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def op(endpoint, name, body):
    return post(endpoint, "DynamoDB_20120810." + name, body)


def stray_whitespace(body):
    """Offsets of whitespace outside JSON strings in body (bytes)."""
    out, in_str, esc = [], False, False
    for i, ch in enumerate(body.decode()):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in " \t\r\n":
            out.append(i)
    return out


def keys_of(pk="pk"):
    return dict(KeySchema=[{"AttributeName": pk, "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": pk, "AttributeType": "S"}])


# ---- error bodies ---------------------------------------------------------------------


def test_validation_exception_comes_from_the_coral_validation_layer(endpoint):
    st, data = op(endpoint, "DescribeTable", {"TableName": "x"})
    assert st == 400
    assert json.loads(data)["__type"] == VALIDATE


def test_dynamodb_exceptions_are_in_dynamodb_namespace(endpoint, ddb, table):
    st, data = op(endpoint, "DescribeTable", {"TableName": "no_such_table_shapes"})
    assert (st, json.loads(data)["__type"]) == (400, DDB + "ResourceNotFoundException")
    st, data = op(endpoint, "CreateTable", {"TableName": table, "BillingMode": "PAY_PER_REQUEST",
                                            **keys_of()})
    assert (st, json.loads(data)["__type"]) == (400, DDB + "ResourceInUseException")
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
    st, data = op(endpoint, "PutItem", {"TableName": table, "Item": {"pk": {"S": "a"}},
                                        "ConditionExpression": "attribute_not_exists(pk)"})
    assert (st, json.loads(data)["__type"]) == (400, DDB + "ConditionalCheckFailedException")


def test_transaction_canceled_carries_Message(endpoint, ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
    st, data = op(endpoint, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": table, "Item": {"pk": {"S": "a"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}}]})
    doc = json.loads(data)
    assert st == 400 and doc["__type"] == DDB + "TransactionCanceledException"
    assert set(doc) == {"__type", "Message", "CancellationReasons"}
    assert doc["Message"] == ("Transaction cancelled, please refer cancellation reasons for specific "
                              "reasons [ConditionalCheckFailed]")


def _backup_arn(table):
    return f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}/backup/01234567890123-abcdefgh"


# (name, target, body, __type, message key): what AWS answers
ERRORS = [
    ("validation", "DynamoDB_20120810.DescribeTable", {"TableName": "x"}, VALIDATE, "message"),
    ("not-found", "DynamoDB_20120810.DescribeTable", {"TableName": "no_such_table_shapes"},
     DDB + "ResourceNotFoundException", "message"),
    ("wrong-type", "DynamoDB_20120810.DescribeTable", b'{"TableName":5}',
     CORAL + "SerializationException", "Message"),
    ("not-json", "DynamoDB_20120810.DescribeTable", b"{bad", CORAL + "SerializationException", "Message"),
    ("unknown-op", "DynamoDB_20120810.Frobnicate", {}, CORAL + "UnknownOperationException", "Message"),
    ("no-target", None, {}, CORAL + "UnknownOperationException", "Message"),
    ("pitr-no-table", "DynamoDB_20120810.DescribeContinuousBackups", {"TableName": "no_such_table_shapes"},
     DDB + "TableNotFoundException", "message"),
    ("no-backup", "DynamoDB_20120810.DescribeBackup", {"BackupArn": _backup_arn("no_such_table_shapes")},
     DDB + "BackupNotFoundException", "message"),
    ("stream-not-found", "DynamoDBStreams_20120810.DescribeStream",
     {"StreamArn": "arn:aws:dynamodb:us-east-1:000000000000:table/no_such_table_shapes/stream/"
                   "2026-01-01T00:00:00.000"}, DDB + "ResourceNotFoundException", "message"),
]


@pytest.mark.ddbd_only
@pytest.mark.parametrize("name,target,body,type_,key", ERRORS, ids=[e[0] for e in ERRORS])
def test_error_body_type_and_message_key(endpoint, name, target, body, type_, key):
    """AWS sends the message under "message" except for the few exceptions
    whose model spells it "Message" (SerializationException,
    UnknownOperationException, AccessDeniedException,
    TransactionCanceledException), and the request-level errors come from the
    Coral framework's namespace. ddbd_only: DynamoDB Local answers "Message"
    for every exception, puts UnknownOperationException in the DynamoDB
    namespace, and answers malformed JSON with a 500 InternalFailure."""
    st, data = post(endpoint, target, body)
    doc = json.loads(data)
    assert st == 400
    assert doc["__type"] == type_
    assert set(doc) == {"__type", key}
    assert doc[key]


@pytest.mark.ddbd_only
def test_table_errors_use_message(endpoint, ddb, table):
    """The DynamoDB namespace's exceptions carry "message" (dynalite's
    AWS-checked assertNotFound/assertInUse/assertConditional). ddbd_only:
    DynamoDB Local answers "Message"."""
    def shape(name, body):
        st, data = op(endpoint, name, body)
        doc = json.loads(data)
        assert st == 400
        return doc["__type"], sorted(doc)

    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
    assert shape("PutItem", {"TableName": table, "Item": {"pk": {"S": "a"}},
                             "ConditionExpression": "attribute_not_exists(pk)"}) == (
        DDB + "ConditionalCheckFailedException", ["__type", "message"])
    assert shape("CreateTable", {"TableName": table, "BillingMode": "PAY_PER_REQUEST", **keys_of()}) == (
        DDB + "ResourceInUseException", ["__type", "message"])
    tx = {"TransactItems": [{"Put": {"TableName": table, "Item": {"pk": {"S": "t"}}}}],
          "ClientRequestToken": f"shapes-{table}"}
    assert op(endpoint, "TransactWriteItems", tx)[0] == 200
    tx["TransactItems"][0]["Put"]["Item"]["v"] = {"N": "1"}
    assert shape("TransactWriteItems", tx) == (DDB + "IdempotentParameterMismatchException",
                                               ["__type", "message"])
    assert shape("ExecuteStatement", {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'a'}}"}) == (
        DDB + "DuplicateItemException", ["__type", "message"])
    assert shape("RestoreTableToPointInTime", {"SourceTableName": table, "TargetTableName": table + "_r",
                                               "UseLatestRestorableTime": True}) == (
        DDB + "PointInTimeRecoveryUnavailableException", ["__type", "message"])


@pytest.mark.ddbd_only
def test_missing_authentication_is_coral_with_message(endpoint):
    """ddbd_only: Local answers com.amazonaws.dynamodb.v20120810#MissingAuthenticationToken
    with "Message"; AWS's is Coral's MissingAuthenticationTokenException with "message"."""
    st, data = post(endpoint, "DynamoDB_20120810.ListTables", {}, auth=None)
    doc = json.loads(data)
    assert st == 400
    assert doc == {"__type": CORAL + "MissingAuthenticationTokenException",
                   "message": "Request must contain either a valid (registered) AWS access key ID or "
                              "X.509 certificate."}


@pytest.fixture(scope="module")
def auth_server():
    fd, path = tempfile.mkstemp(prefix="ddbd-shapes-credentials-")
    with os.fdopen(fd, "w") as f:
        f.write("[default]\naws_access_key_id = AKIDSHAPES\naws_secret_access_key = shapes-secret\n")
    s = Ddbd(extra=["--auth", path]).start()
    yield s
    s.stop()
    s.cleanup()
    os.unlink(path)


def _raw_response(client):
    """The raw body of each call the client makes, in order."""
    bodies = []
    client.meta.events.register("after-call", lambda http_response, **kw: bodies.append(http_response))
    return bodies


@pytest.mark.ddbd_only
def test_incomplete_signature_uses_message(auth_server):
    """Needs a ddbd with --auth (Local checks no signature)."""
    st, data = post(auth_server.endpoint, "DynamoDB_20120810.ListTables", {},
                    auth="AWS4-HMAC-SHA256 Credential=AKIDSHAPES/20260101/us-east-1/dynamodb/aws4_request")
    doc = json.loads(data)
    assert st == 400 and doc["__type"] == CORAL + "IncompleteSignatureException"
    assert set(doc) == {"__type", "message"}


@pytest.mark.ddbd_only
@pytest.mark.parametrize("key,secret,type_", [
    ("AKIDUNKNOWN", "shapes-secret", "UnrecognizedClientException"),
    ("AKIDSHAPES", "wrong-secret", "InvalidSignatureException"),
])
def test_signature_errors_use_message(auth_server, key, secret, type_):
    """Needs a ddbd with --auth (Local checks no signature)."""
    c = boto3.client("dynamodb", endpoint_url=auth_server.endpoint, region_name="us-east-1",
                     aws_access_key_id=key, aws_secret_access_key=secret,
                     config=botocore.config.Config(retries={"max_attempts": 0}))
    bodies = _raw_response(c)
    with pytest.raises(c.exceptions.ClientError):
        c.list_tables()
    doc = json.loads(bodies[-1].content)
    assert doc["__type"] == CORAL + type_
    assert set(doc) == {"__type", "message"}


# ---- table descriptions --------------------------------------------------------------


@pytest.mark.ddbd_only
def test_delete_table_answers_a_brief_deleting_description(ddb, table_name):
    """DynamoDB's API reference shows DeleteTable answering TableStatus
    DELETING with a brief description (name, throughput, size, count; no key
    schema, attribute definitions or creation time), and the indexes are gone
    with the table. ddbd_only: DynamoDB Local answers ACTIVE with the whole
    description."""
    ddb.create_table(TableName=table_name, ProvisionedThroughput={"ReadCapacityUnits": 5,
                                                                  "WriteCapacityUnits": 4},
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "g", "AttributeType": "S"}],
                     GlobalSecondaryIndexes=[{"IndexName": "gix", "Projection": {"ProjectionType": "ALL"},
                                              "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                              "ProvisionedThroughput": {"ReadCapacityUnits": 1,
                                                                        "WriteCapacityUnits": 1}}])
    ddb.put_item(TableName=table_name, Item={"pk": {"S": "a"}})
    arn = ddb.describe_table(TableName=table_name)["Table"]["TableArn"]
    d = ddb.delete_table(TableName=table_name)["TableDescription"]
    assert d["TableStatus"] == "DELETING"
    assert d["TableName"] == table_name and d["TableArn"] == arn
    assert d["ProvisionedThroughput"] == {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 5,
                                          "WriteCapacityUnits": 4}
    assert d["ItemCount"] == 1 and d["TableSizeBytes"] > 0
    for absent in ("KeySchema", "AttributeDefinitions", "CreationDateTime", "GlobalSecondaryIndexes",
                   "BillingModeSummary"):
        assert absent not in d, absent
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.describe_table(TableName=table_name)


@pytest.mark.ddbd_only
def test_delete_table_of_an_on_demand_table_keeps_its_billing_summary(ddb, table_name):
    """ddbd_only: see the test above (Local answers ACTIVE)."""
    ddb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST", **keys_of())
    since = ddb.describe_table(TableName=table_name)["Table"]["BillingModeSummary"]
    d = ddb.delete_table(TableName=table_name)["TableDescription"]
    assert d["TableStatus"] == "DELETING"
    assert d["BillingModeSummary"] == since
    assert d["ProvisionedThroughput"] == {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0,
                                          "WriteCapacityUnits": 0}


def test_delete_table_names_the_table(ddb, table_name):
    ddb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST", **keys_of())
    d = ddb.delete_table(TableName=table_name)["TableDescription"]
    assert d["TableName"] == table_name
    assert d["ItemCount"] == 0 and d["TableSizeBytes"] == 0


def test_table_created_provisioned_has_no_billing_summary(ddb, make_table):
    name = make_table(BillingMode="PROVISIONED",
                      ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2})
    assert "BillingModeSummary" not in ddb.describe_table(TableName=name)["Table"]


def test_billing_summary_kept_after_switching_to_provisioned(ddb, make_table):
    name = make_table()
    before = ddb.describe_table(TableName=name)["Table"]["BillingModeSummary"]
    assert before["BillingMode"] == "PAY_PER_REQUEST"
    u = ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                         ProvisionedThroughput={"ReadCapacityUnits": 4, "WriteCapacityUnits": 3})
    want = {"BillingMode": "PROVISIONED",
            "LastUpdateToPayPerRequestDateTime": before["LastUpdateToPayPerRequestDateTime"]}
    assert u["TableDescription"]["BillingModeSummary"] == want
    d = ddb.describe_table(TableName=name)["Table"]
    assert d["BillingModeSummary"] == want
    assert (d["ProvisionedThroughput"]["ReadCapacityUnits"],
            d["ProvisionedThroughput"]["WriteCapacityUnits"]) == (4, 3)


def test_switching_back_to_on_demand_updates_the_time(ddb, make_table):
    name = make_table()
    first = ddb.describe_table(TableName=name)["Table"]["BillingModeSummary"]
    ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    time.sleep(0.01)
    s = ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert s["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert s["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"] > \
        first["LastUpdateToPayPerRequestDateTime"]


@pytest.mark.ddbd_only
def test_throughput_dates_appear_when_raised_and_lowered(ddb, make_table):
    """AWS's CreateTable and DescribeTable examples show no
    Last*DateTime on a table whose throughput never changed; a raise sets
    LastIncreaseDateTime, a decrease LastDecreaseDateTime and counts in
    NumberOfDecreasesToday. ddbd_only: DynamoDB Local always answers both
    dates as 0 (1970) and never counts a decrease."""
    name = make_table(BillingMode="PROVISIONED",
                      ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    pt = ddb.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert pt == {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    t0 = time.time()
    up = ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 9,
                                                                 "WriteCapacityUnits": 9})
    pt = up["TableDescription"]["ProvisionedThroughput"]
    assert "LastDecreaseDateTime" not in pt and pt["NumberOfDecreasesToday"] == 0
    raised = pt["LastIncreaseDateTime"]
    assert abs(raised.timestamp() - t0) < 5
    pt = ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 2,
                                                                 "WriteCapacityUnits": 2}
                          )["TableDescription"]["ProvisionedThroughput"]
    assert pt["LastIncreaseDateTime"] == raised
    assert pt["LastDecreaseDateTime"] >= raised
    assert pt["NumberOfDecreasesToday"] == 1
    assert ddb.describe_table(TableName=name)["Table"]["ProvisionedThroughput"] == pt


# ---- time to live --------------------------------------------------------------------


def test_ttl_is_enabled_at_once_on_an_empty_table(ddb, table):
    assert ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == \
        {"TimeToLiveStatus": "DISABLED"}
    r = ddb.update_time_to_live(TableName=table,
                                TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert r["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "exp"}
    assert ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == \
        {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}


def test_ttl_update_errors(ddb, table):
    def refused(enabled, attr):
        with pytest.raises(ddb.exceptions.ClientError) as e:
            ddb.update_time_to_live(TableName=table,
                                    TimeToLiveSpecification={"Enabled": enabled, "AttributeName": attr})
        err = e.value.response["Error"]
        return err["Code"], err["Message"]

    assert refused(False, "exp") == ("ValidationException", "TimeToLive is already disabled")
    ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert refused(True, "exp") == ("ValidationException", "TimeToLive is already enabled")
    assert refused(True, "other") == ("ValidationException", "TimeToLive is active on a different AttributeName")
    assert refused(False, "other") == ("ValidationException",
                                       "TimeToLive is active on a different AttributeName")
    r = ddb.update_time_to_live(TableName=table,
                                TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"})
    assert r["TimeToLiveSpecification"] == {"Enabled": False, "AttributeName": "exp"}
    assert ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"


@pytest.fixture(scope="module")
def slow_backfill():
    s = Ddbd(extra=["--backfill-batch", "1", "--backfill-pause-ms", "200"]).start()
    yield s
    s.stop()
    s.cleanup()


@pytest.mark.ddbd_only
@pytest.mark.rocksdb("it slows the RocksDB store's TTL backfill to watch ENABLING; the cluster's runs within the UpdateTimeToLive call")
def test_ttl_is_enabling_while_existing_items_are_indexed(slow_backfill):
    """DynamoDB says ENABLING while it sets TTL up; ddbd does while its
    expiry index takes in a table's existing items (here one item per 200 ms),
    and ENABLED at once on an empty table. ddbd_only: a server with a slowed
    backfill (Local answers ENABLED at once)."""
    c = make_client(slow_backfill.endpoint)
    for name in ("shapes_ttl_full", "shapes_ttl_empty"):
        c.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **keys_of())
    for i in range(5):
        c.put_item(TableName="shapes_ttl_full", Item={"pk": {"S": str(i)}, "exp": {"N": "1"}})
    spec = {"Enabled": True, "AttributeName": "exp"}
    c.update_time_to_live(TableName="shapes_ttl_empty", TimeToLiveSpecification=spec)
    assert c.describe_time_to_live(TableName="shapes_ttl_empty")["TimeToLiveDescription"] == \
        {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    c.update_time_to_live(TableName="shapes_ttl_full", TimeToLiveSpecification=spec)
    assert c.describe_time_to_live(TableName="shapes_ttl_full")["TimeToLiveDescription"] == \
        {"TimeToLiveStatus": "ENABLING", "AttributeName": "exp"}
    deadline = time.time() + 20
    while time.time() < deadline:
        d = c.describe_time_to_live(TableName="shapes_ttl_full")["TimeToLiveDescription"]
        if d["TimeToLiveStatus"] == "ENABLED":
            break
        time.sleep(0.05)
    assert d == {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}


def test_ttl_of_a_missing_table(ddb):
    for call in (lambda: ddb.describe_time_to_live(TableName="no_such_table_shapes"),
                 lambda: ddb.update_time_to_live(TableName="no_such_table_shapes",
                                                 TimeToLiveSpecification={"Enabled": True,
                                                                          "AttributeName": "e"})):
        with pytest.raises(ddb.exceptions.ResourceNotFoundException):
            call()


# ---- continuous backups --------------------------------------------------------------


@pytest.mark.ddbd_only
def test_continuous_backups_description_shape(endpoint, ddb, table):
    """The API reference's ContinuousBackupsDescription: the recovery times
    and period only while point-in-time recovery is on. ddbd_only: DynamoDB
    Local has no DescribeContinuousBackups (UnknownOperationException)."""
    d = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert d == {"ContinuousBackupsStatus": "ENABLED",
                 "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    # raw: older botocore models lack RecoveryPeriodInDays
    st, data = op(endpoint, "UpdateContinuousBackups", {"TableName": table, "PointInTimeRecoverySpecification": {
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7}})
    assert st == 200
    u = json.loads(data)["ContinuousBackupsDescription"]
    p = u["PointInTimeRecoveryDescription"]
    assert u["ContinuousBackupsStatus"] == "ENABLED"
    assert set(p) == {"PointInTimeRecoveryStatus", "RecoveryPeriodInDays", "EarliestRestorableDateTime",
                      "LatestRestorableDateTime"}
    assert p["PointInTimeRecoveryStatus"] == "ENABLED" and p["RecoveryPeriodInDays"] == 7
    assert p["EarliestRestorableDateTime"] <= p["LatestRestorableDateTime"]
    assert abs(p["LatestRestorableDateTime"] - time.time()) < 60
    st, data = op(endpoint, "DescribeContinuousBackups", {"TableName": table})
    assert json.loads(data)["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
        "RecoveryPeriodInDays"] == 7
    off = ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False})["ContinuousBackupsDescription"]
    assert off == d


@pytest.mark.ddbd_only
def test_continuous_backups_errors(endpoint, table):
    """ddbd_only: Local has neither operation."""
    def call(name, body):
        st, data = op(endpoint, name, body)
        doc = json.loads(data)
        return st, doc["__type"].split("#")[-1], doc.get("message")

    assert call("DescribeContinuousBackups", {"TableName": "no_such_table_shapes"}) == (
        400, "TableNotFoundException", "Table not found: no_such_table_shapes")
    assert call("UpdateContinuousBackups", {"TableName": "no_such_table_shapes",
                                            "PointInTimeRecoverySpecification": {
                                                "PointInTimeRecoveryEnabled": True}}) == (
        400, "TableNotFoundException", "Table not found: no_such_table_shapes")
    assert call("UpdateContinuousBackups", {"TableName": table}) == (
        400, "ValidationException", "1 validation error detected: Value null at "
        "'pointInTimeRecoverySpecification' failed to satisfy constraint: Member must not be null")
    st, kind, msg = call("UpdateContinuousBackups", {"TableName": table, "PointInTimeRecoverySpecification": {
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 36}})
    assert (st, kind) == (400, "ValidationException") and "recoveryPeriodInDays" in msg
    st, data = op(endpoint, "UpdateContinuousBackups", {"TableName": table, "PointInTimeRecoverySpecification": {
        "PointInTimeRecoveryEnabled": "yes"}})
    assert (st, json.loads(data)["__type"]) == (400, CORAL + "SerializationException")


# ---- compact JSON --------------------------------------------------------------------


def test_every_body_is_compact_json(endpoint, table_name):
    """No whitespace outside strings in any answer, errors included."""
    c = make_client(endpoint)
    bodies = _raw_response(c)
    s = make_client(endpoint, "dynamodbstreams")
    sbodies = _raw_response(s)
    t = table_name
    c.create_table(TableName=t, BillingMode="PAY_PER_REQUEST",
                   StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                         {"AttributeName": "sk", "AttributeType": "N"},
                                         {"AttributeName": "g", "AttributeType": "S"}],
                   GlobalSecondaryIndexes=[{"IndexName": "gix", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
                   LocalSecondaryIndexes=[{"IndexName": "lix", "Projection": {"ProjectionType": "INCLUDE",
                                                                              "NonKeyAttributes": ["v"]},
                                           "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                         {"AttributeName": "g", "KeyType": "RANGE"}]}])
    try:
        c.describe_table(TableName=t)
        c.list_tables()
        item = {"pk": {"S": "a b"}, "sk": {"N": "1"}, "l": {"L": [{"S": " x "}, {"N": "2"}]},
                "m": {"M": {"k": {"BOOL": True}, "n": {"NULL": True}}}, "ss": {"SS": ["p", "q"]},
                "b": {"B": b"\x00\x01"}}
        c.put_item(TableName=t, Item=item, ReturnValues="ALL_OLD")
        c.put_item(TableName=t, Item=item, ReturnValues="ALL_OLD", ReturnConsumedCapacity="TOTAL")
        c.get_item(TableName=t, Key={"pk": {"S": "a b"}, "sk": {"N": "1"}}, ReturnConsumedCapacity="TOTAL")
        c.update_item(TableName=t, Key={"pk": {"S": "a b"}, "sk": {"N": "1"}}, UpdateExpression="SET v = :v",
                      ExpressionAttributeValues={":v": {"N": "3"}}, ReturnValues="ALL_NEW")
        c.query(TableName=t, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a b"}})
        c.scan(TableName=t, ReturnConsumedCapacity="INDEXES")
        c.batch_get_item(RequestItems={t: {"Keys": [{"pk": {"S": "a b"}, "sk": {"N": "1"}}]}})
        c.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": {"pk": {"S": "c"}, "sk": {"N": "2"}}}}]})
        c.transact_get_items(TransactItems=[{"Get": {"TableName": t, "Key": {"pk": {"S": "c"}, "sk": {"N": "2"}}}}])
        c.transact_write_items(TransactItems=[{"Put": {"TableName": t, "Item": {"pk": {"S": "d"}, "sk": {"N": "3"}}}}])
        c.execute_statement(Statement=f'SELECT * FROM "{t}" WHERE pk = \'a b\'')
        c.describe_time_to_live(TableName=t)
        c.update_time_to_live(TableName=t, TimeToLiveSpecification={"Enabled": True, "AttributeName": "e"})
        c.describe_limits()
        c.update_table(TableName=t, BillingMode="PROVISIONED",
                       ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2})
        c.delete_item(TableName=t, Key={"pk": {"S": "c"}, "sk": {"N": "2"}}, ReturnValues="ALL_OLD")
        for bad in (lambda: c.describe_table(TableName="no_such_table_shapes"),
                    lambda: c.put_item(TableName=t, Item={"pk": {"S": "a b"}, "sk": {"N": "1"}},
                                       ConditionExpression="attribute_not_exists(pk)"),
                    lambda: c.transact_write_items(TransactItems=[{"ConditionCheck": {
                        "TableName": t, "Key": {"pk": {"S": "zz"}, "sk": {"N": "1"}},
                        "ConditionExpression": "attribute_exists(pk)"}}]),
                    lambda: c.query(TableName=t, KeyConditionExpression="sk = :p",
                                    ExpressionAttributeValues={":p": {"N": "1"}})):
            with pytest.raises(c.exceptions.ClientError):
                bad()
        arn = s.list_streams(TableName=t)["Streams"][0]["StreamArn"]
        shard = s.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = s.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        assert s.get_records(ShardIterator=it)["Records"]
        with pytest.raises(s.exceptions.ClientError):
            s.get_shard_iterator(StreamArn=arn, ShardId="shardId-00000000000000000000-00000000",
                                 ShardIteratorType="TRIM_HORIZON")
    finally:
        c.delete_table(TableName=t)
    assert len(bodies) == 24 and len(sbodies) >= 5
    for r in bodies + sbodies:
        assert not stray_whitespace(r.content), r.content[:300]


@pytest.fixture(scope="module")
def lambda_server():
    s = Ddbd(extra=["--function", "proc=cmd:cat"]).start()
    yield s
    s.stop()
    s.cleanup()


@pytest.mark.ddbd_only
def test_bodies_of_what_local_lacks_are_compact_json(lambda_server):
    """ddbd_only: tags, backups, point-in-time recovery and the Lambda
    event-source-mapping API, which DynamoDB Local does not have."""
    c = make_client(lambda_server.endpoint)
    lam = make_client(lambda_server.endpoint, "lambda")
    bodies = _raw_response(lam)
    cbodies = _raw_response(c)
    d = c.create_table(TableName="shapes_esm", BillingMode="PAY_PER_REQUEST",
                       StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                       **keys_of())["TableDescription"]
    arn, tarn = d["LatestStreamArn"], d["TableArn"]
    c.tag_resource(ResourceArn=tarn, Tags=[{"Key": "k", "Value": "v w"}])
    c.list_tags_of_resource(ResourceArn=tarn)
    b = c.create_backup(TableName="shapes_esm", BackupName="shapes_bk")["BackupDetails"]["BackupArn"]
    c.describe_backup(BackupArn=b)
    c.list_backups(TableName="shapes_esm")
    c.update_continuous_backups(TableName="shapes_esm",
                                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    c.describe_continuous_backups(TableName="shapes_esm")
    assert len(cbodies) == 8
    for r in cbodies:
        assert not stray_whitespace(r.content), r.content[:300]
    m = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="proc", StartingPosition="LATEST",
                                        FilterCriteria={"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]})
    lam.get_event_source_mapping(UUID=m["UUID"])
    lam.list_event_source_mappings()
    lam.update_event_source_mapping(UUID=m["UUID"], BatchSize=5)
    with pytest.raises(lam.exceptions.ClientError):
        lam.get_event_source_mapping(UUID="00000000-0000-4000-8000-000000000000")
    with pytest.raises(lam.exceptions.ClientError):
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="proc", StartingPosition="NOPE")
    lam.delete_event_source_mapping(UUID=m["UUID"])
    assert len(bodies) == 7
    for r in bodies:
        assert not stray_whitespace(r.content), r.content[:300]
