"""Lambda's event-source-mapping API on ddbd's port, through boto3's lambda client.

Expected texts are Lambda's as recorded against AWS (LocalStack's validated
snapshots, tests/aws/services/lambda_/...snapshot.json, and error reports in
public issues); see the report of the change that added this file.
"""
import os
import shutil
import tempfile
import time

import pytest
from botocore.exceptions import ClientError

from conftest import Ddbd, make_client

pytestmark = pytest.mark.ddbd_only

FN_ARN = "arn:aws:lambda:us-east-1:000000000000:function:"
FUNCS = ["--function", "proc=cmd:cat", "--function", "other=cmd:cat"]


def settled(lam, uuid, timeout=10):
    """The mapping once its transition (Creating, Enabling, Updating) is over."""
    deadline = time.time() + timeout
    g = lam.get_event_source_mapping(UUID=uuid)
    while g["State"] in ("Creating", "Enabling", "Updating") and time.time() < deadline:
        time.sleep(0.02)
        g = lam.get_event_source_mapping(UUID=uuid)
    return g


@pytest.fixture(scope="module")
def server():
    s = Ddbd(extra=FUNCS).start()
    yield s
    s.stop()
    s.cleanup()


@pytest.fixture(scope="module")
def lam(server):
    return make_client(server.endpoint, "lambda")


@pytest.fixture(scope="module")
def ddb(server):
    return make_client(server.endpoint)


_n = iter(range(10**6))


@pytest.fixture
def stream(ddb):
    """A new table with a stream; its stream ARN."""
    name = f"esm_{os.getpid()}_{next(_n)}"
    d = ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST",
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    return d["TableDescription"]["LatestStreamArn"]


def err(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def create(lam, stream, **kw):
    kw.setdefault("FunctionName", "proc")
    kw.setdefault("StartingPosition", "LATEST")
    return lam.create_event_source_mapping(EventSourceArn=stream, **kw)


DEFAULTS = {
    "BatchSize": 100, "MaximumBatchingWindowInSeconds": 0, "ParallelizationFactor": 1,
    "MaximumRecordAgeInSeconds": -1, "MaximumRetryAttempts": -1, "BisectBatchOnFunctionError": False,
    "TumblingWindowInSeconds": 0, "FunctionResponseTypes": [], "DestinationConfig": {"OnFailure": {}},
    "LastProcessingResult": "No records processed", "StateTransitionReason": "User action",
}


def test_create_echoes_every_default(lam, stream):
    before = time.time()
    r = create(lam, stream)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202
    for k, v in DEFAULTS.items():
        assert r[k] == v, k
    assert r["State"] == "Creating"
    assert r["StartingPosition"] == "LATEST"
    assert r["EventSourceArn"] == stream
    assert r["FunctionArn"] == FN_ARN + "proc"
    uuid = r["UUID"]
    assert len(uuid) == 36 and uuid[14] == "4"
    if "EventSourceMappingArn" in r:  # older botocore models drop the member
        assert r["EventSourceMappingArn"] == f"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:{uuid}"
    assert abs(r["LastModified"].timestamp() - before) < 5
    assert "FilterCriteria" not in r and "Enabled" not in r
    # Creating until the dispatcher runs the mapping (as on Lambda), then Enabled
    g = settled(lam, uuid)
    assert g["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert g["State"] == "Enabled"
    for k, v in DEFAULTS.items():
        assert g[k] == v, k
    lam.delete_event_source_mapping(UUID=uuid)


def test_create_echoes_given_values(lam, stream):
    r = create(lam, stream, FunctionName=FN_ARN + "proc", StartingPosition="TRIM_HORIZON",
               BatchSize=7, MaximumBatchingWindowInSeconds=3, ParallelizationFactor=4,
               MaximumRecordAgeInSeconds=60, MaximumRetryAttempts=10000,
               BisectBatchOnFunctionError=True, TumblingWindowInSeconds=900,
               FunctionResponseTypes=["ReportBatchItemFailures"], Enabled=False,
               FilterCriteria={"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]})
    got = lam.get_event_source_mapping(UUID=r["UUID"])
    for m in (r, got):
        assert m["StartingPosition"] == "TRIM_HORIZON"
        assert (m["BatchSize"], m["MaximumBatchingWindowInSeconds"], m["ParallelizationFactor"]) == (7, 3, 4)
        assert (m["MaximumRecordAgeInSeconds"], m["MaximumRetryAttempts"]) == (60, 10000)
        assert m["BisectBatchOnFunctionError"] is True and m["TumblingWindowInSeconds"] == 900
        assert m["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert m["FilterCriteria"] == {"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]}
    assert r["State"] == "Creating" and got["State"] == "Disabled"
    lam.delete_event_source_mapping(UUID=r["UUID"])


def test_empty_filters_are_not_shown(lam, stream):
    r = create(lam, stream, FilterCriteria={"Filters": []})
    assert "FilterCriteria" not in r
    lam.delete_event_source_mapping(UUID=r["UUID"])


def test_qualified_function_keeps_qualifier(lam, stream):
    r = create(lam, stream, FunctionName="proc:$LATEST")
    assert r["FunctionArn"] == FN_ARN + "proc:$LATEST"
    lam.delete_event_source_mapping(UUID=r["UUID"])


@pytest.mark.parametrize("kw,code,msg", [
    ({"BatchSize": 0}, "ValidationException",
     "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: "
     "Member must have value greater than or equal to 1"),
    ({"BatchSize": 10001}, "ValidationException",
     "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: "
     "Member must have value less than or equal to 10000"),
    ({"MaximumBatchingWindowInSeconds": 301, "ParallelizationFactor": 11}, "ValidationException",
     "2 validation errors detected: Value '301' at 'maximumBatchingWindowInSeconds' failed to "
     "satisfy constraint: Member must have value less than or equal to 300; Value '11' at "
     "'parallelizationFactor' failed to satisfy constraint: Member must have value less than or equal to 10"),
    ({"MaximumRetryAttempts": -2}, "ValidationException",
     "1 validation error detected: Value '-2' at 'maximumRetryAttempts' failed to satisfy constraint: "
     "Member must have value greater than or equal to -1"),
    ({"TumblingWindowInSeconds": 901}, "ValidationException",
     "1 validation error detected: Value '901' at 'tumblingWindowInSeconds' failed to satisfy "
     "constraint: Member must have value less than or equal to 900"),
    ({"MaximumRecordAgeInSeconds": 604801}, "ValidationException",
     "1 validation error detected: Value '604801' at 'maximumRecordAgeInSeconds' failed to satisfy "
     "constraint: Member must have value less than or equal to 604800"),
    ({"MaximumRecordAgeInSeconds": 59}, "InvalidParameterValueException",
     "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)"),
    ({"StartingPosition": "invalid"}, "ValidationException",
     "1 validation error detected: Value 'invalid' at 'startingPosition' failed to satisfy "
     "constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]"),
    ({"StartingPosition": None}, "InvalidParameterValueException",
     "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
     "Member must not be null."),
    ({"FunctionResponseTypes": ["Nope"]}, "ValidationException",
     "1 validation error detected: Value '[\"Nope\"]' at 'functionResponseTypes' failed to satisfy "
     "constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
     "[ReportBatchItemFailures]]"),
    ({"FunctionName": "doesnotexist"}, "InvalidParameterValueException", "Function does not exist"),
    ({"FilterCriteria": {"Filters": [{"Pattern": "not json"}]}}, "InvalidParameterValueException",
     "Invalid filter pattern definition."),
    ({"FilterCriteria": {"Filters": [{"Pattern": ""}]}}, "InvalidParameterValueException",
     "Invalid filter pattern definition."),
    ({"DestinationConfig": {"OnSuccess": {"Destination": "arn:aws:sqs:us-east-1:000000000000:q"}}},
     "InvalidParameterValueException",
     "Unsupported DestinationConfig parameter for given event source mapping type."),
    ({"Queues": ["q"]}, "InvalidParameterValueException",
     "Unsupported 'queues' parameter for given event source mapping type."),
    ({"Topics": ["t"]}, "InvalidParameterValueException",
     "Unsupported 'topics' parameter for given event source mapping type."),
    ({"SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["k:9092"]}}},
     "InvalidParameterValueException",
     "Unsupported 'selfManagedEventSource' parameter for given event source mapping type."),
    ({"SourceAccessConfigurations": [{"Type": "BASIC_AUTH", "URI": "x"}]},
     "InvalidParameterValueException",
     "Unsupported 'sourceAccessConfigurations' parameter for given event source mapping type."),
])
def test_create_validation(lam, stream, kw, code, msg):
    if kw.get("StartingPosition", 1) is None:
        kw = {k: v for k, v in kw.items() if k != "StartingPosition"}
        with pytest.raises(ClientError) as e:
            lam.create_event_source_mapping(EventSourceArn=stream, FunctionName="proc", **kw)
    else:
        with pytest.raises(ClientError) as e:
            create(lam, stream, **kw)
    assert err(e) == (code, msg, 400)
    assert lam.list_event_source_mappings(EventSourceArn=stream)["EventSourceMappings"] == []


def test_validation_exception_has_no_type(lam, stream):
    with pytest.raises(ClientError) as e:
        create(lam, stream, BatchSize=0)
    assert "Type" not in e.value.response
    with pytest.raises(ClientError) as e:
        create(lam, stream, FunctionName="doesnotexist")
    assert e.value.response["Type"] == "User"


def test_at_timestamp_is_refused(lam, stream):
    with pytest.raises(ClientError) as e:
        create(lam, stream, StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=1741010802)
    assert err(e) == ("InvalidParameterValueException",
                      f"Unsupported starting position for arn type: {stream}", 400)


def test_event_source_must_exist(lam, stream):
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName="proc", StartingPosition="LATEST")
    assert err(e) == ("InvalidParameterValueException", "Unrecognized event source.", 400)
    missing = stream.rsplit("/", 1)[0] + "/2001-01-01T00:00:00.000"
    with pytest.raises(ClientError) as e:
        create(lam, missing)
    assert err(e) == ("InvalidParameterValueException", f"Stream not found: {missing}", 400)
    # the function is checked before the source (as Lambda does)
    with pytest.raises(ClientError) as e:
        create(lam, missing, FunctionName="nope")
    assert err(e)[1] == "Function does not exist"
    with pytest.raises(ClientError) as e:
        create(lam, "arn:aws:sqs:us-east-1:000000000000:q")
    assert err(e)[1].startswith("Error occurred while ReceiveMessage. SQS Error Code: "
                                "AWS.SimpleQueueService.NonExistentQueue.")


def test_missing_function_name(lam, stream):
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=stream, StartingPosition="LATEST")
    assert err(e) == ("ValidationException", "1 validation error detected: Value null at "
                      "'functionName' failed to satisfy constraint: Member must not be null", 400)


def test_unreachable_destination_is_refused(lam, stream):
    with pytest.raises(ClientError) as e:
        create(lam, stream, DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:dlq"}})
    code, msg, status = err(e)
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert "--sqs-endpoint" in msg
    with pytest.raises(ClientError) as e:
        create(lam, stream, DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::bucket"}})
    assert err(e)[0] == "InvalidParameterValueException"


def test_duplicate_mapping_conflicts(lam, stream):
    r = create(lam, stream)
    with pytest.raises(ClientError) as e:
        create(lam, stream, FunctionName=FN_ARN + "proc", StartingPosition="TRIM_HORIZON")
    assert err(e) == ("ResourceConflictException",
                      f'The event source arn (" {stream} ") and function (" proc ") provided mapping '
                      f'already exists. Please update or delete the existing mapping with UUID {r["UUID"]}', 409)
    # another function on the same stream is fine
    r2 = create(lam, stream, FunctionName="other")
    lam.delete_event_source_mapping(UUID=r["UUID"])
    lam.delete_event_source_mapping(UUID=r2["UUID"])


def test_unknown_uuid(lam):
    for call in (lambda u: lam.get_event_source_mapping(UUID=u),
                 lambda u: lam.delete_event_source_mapping(UUID=u),
                 lambda u: lam.update_event_source_mapping(UUID=u, Enabled=False)):
        for u in ("6b1f2c3e-8a7d-4e2f-9c1b-0a1b2c3d4e5f", "not-a-uuid"):
            with pytest.raises(ClientError) as e:
                call(u)
            assert err(e) == ("ResourceNotFoundException", "The resource you requested does not exist.", 404)


def test_update(lam, stream):
    pattern = '{"eventName": ["INSERT"]}'
    r = create(lam, stream, BatchSize=5, FilterCriteria={"Filters": [{"Pattern": pattern}]},
               FunctionResponseTypes=["ReportBatchItemFailures"])
    u = lam.update_event_source_mapping(UUID=r["UUID"], BatchSize=50, MaximumRetryAttempts=3)
    assert u["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert u["State"] == "Updating"
    assert (u["BatchSize"], u["MaximumRetryAttempts"]) == (50, 3)
    assert u["FilterCriteria"] == {"Filters": [{"Pattern": pattern}]}  # kept
    assert u["LastModified"] >= r["LastModified"]
    d = lam.update_event_source_mapping(UUID=r["UUID"], Enabled=False)
    assert d["State"] == "Disabling"
    assert lam.get_event_source_mapping(UUID=r["UUID"])["State"] == "Disabled"
    e = lam.update_event_source_mapping(UUID=r["UUID"], Enabled=True, FilterCriteria={"Filters": []},
                                        FunctionResponseTypes=[])
    assert e["State"] == "Enabling"
    assert "FilterCriteria" not in e and e["FunctionResponseTypes"] == []
    g = settled(lam, r["UUID"])  # Enabling until the dispatcher has restarted it
    assert g["State"] == "Enabled" and g["BatchSize"] == 50 and g["StartingPosition"] == "LATEST"
    f = lam.update_event_source_mapping(UUID=r["UUID"], FunctionName="other")
    assert f["FunctionArn"] == FN_ARN + "other"
    with pytest.raises(ClientError) as ex:
        lam.update_event_source_mapping(UUID=r["UUID"], BatchSize=0)
    assert err(ex)[0] == "ValidationException"
    with pytest.raises(ClientError) as ex:
        lam.update_event_source_mapping(UUID=r["UUID"], FunctionName="nope")
    assert err(ex)[1] == "Function does not exist"
    assert lam.get_event_source_mapping(UUID=r["UUID"])["BatchSize"] == 50
    lam.delete_event_source_mapping(UUID=r["UUID"])


def test_delete(lam, stream):
    r = create(lam, stream)
    d = lam.delete_event_source_mapping(UUID=r["UUID"])
    assert d["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert d["State"] == "Deleting" and d["UUID"] == r["UUID"]
    with pytest.raises(ClientError) as e:
        lam.get_event_source_mapping(UUID=r["UUID"])
    assert err(e)[2] == 404
    # the pair is free again
    lam.delete_event_source_mapping(UUID=create(lam, stream)["UUID"])


def test_list_filters_and_pages(lam, ddb):
    streams = []
    for _ in range(3):
        name = f"esml_{os.getpid()}_{next(_n)}"
        streams.append(ddb.create_table(
            TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        )["TableDescription"]["LatestStreamArn"])
    made = [create(lam, s)["UUID"] for s in streams] + [create(lam, streams[0], FunctionName="other")["UUID"]]
    try:
        mine = lam.list_event_source_mappings(EventSourceArn=streams[0])["EventSourceMappings"]
        assert sorted(m["UUID"] for m in mine) == sorted([made[0], made[3]])
        both = lam.list_event_source_mappings(EventSourceArn=streams[0], FunctionName="other")
        assert [m["UUID"] for m in both["EventSourceMappings"]] == [made[3]]
        by_arn = lam.list_event_source_mappings(FunctionName=FN_ARN + "other")["EventSourceMappings"]
        assert [m["UUID"] for m in by_arn] == [made[3]]
        assert lam.list_event_source_mappings(FunctionName="doesnotexist")["EventSourceMappings"] == []
        seen, marker = [], None
        while True:
            kw = {"Marker": marker} if marker else {}
            page = lam.list_event_source_mappings(MaxItems=1, **kw)
            assert len(page["EventSourceMappings"]) <= 1
            seen += [m["UUID"] for m in page["EventSourceMappings"]]
            marker = page.get("NextMarker")
            if not marker:
                break
        assert set(made) <= set(seen) and len(seen) == len(set(seen))
        for u in made:
            settled(lam, u)
        full = lam.list_event_source_mappings()["EventSourceMappings"]
        assert set(made) <= {m["UUID"] for m in full}
        assert all(m["State"] == "Enabled" for m in full if m["UUID"] in made)
        with pytest.raises(ClientError) as e:
            lam.list_event_source_mappings(MaxItems=0)
        assert err(e) == ("ValidationException", "1 validation error detected: Value '0' at 'maxItems' "
                          "failed to satisfy constraint: Member must have value greater than or equal to 1", 400)
    finally:
        for u in made:
            lam.delete_event_source_mapping(UUID=u)


def test_mappings_survive_restart():
    data = tempfile.mkdtemp(prefix="ddbd-esm-")
    try:
        s = Ddbd(data_dir=data, extra=FUNCS).start()
        ddb, lam = make_client(s.endpoint), make_client(s.endpoint, "lambda")
        arn = ddb.create_table(
            TableName="persist", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]["LatestStreamArn"]
        r = create(lam, arn, BatchSize=9, Enabled=False,
                   FilterCriteria={"Filters": [{"Pattern": '{"eventName":["REMOVE"]}'}]})
        gone = create(lam, arn, FunctionName="other")["UUID"]
        lam.delete_event_source_mapping(UUID=gone)
        before = lam.get_event_source_mapping(UUID=r["UUID"])
        assert s.stop() == 0
        s = Ddbd(data_dir=data, extra=FUNCS).start()
        lam = make_client(s.endpoint, "lambda")
        after = lam.get_event_source_mapping(UUID=r["UUID"])
        for k in ("BatchSize", "State", "FilterCriteria", "FunctionArn", "EventSourceArn", "LastModified",
                  "StartingPosition"):
            assert after[k] == before[k], k
        assert [m["UUID"] for m in lam.list_event_source_mappings()["EventSourceMappings"]] == [r["UUID"]]
        assert s.stop() == 0
    finally:
        shutil.rmtree(data, ignore_errors=True)


def test_update_into_an_existing_pair_conflicts(lam, stream):
    a = create(lam, stream)
    b = create(lam, stream, FunctionName="other")
    with pytest.raises(ClientError) as e:
        lam.update_event_source_mapping(UUID=b["UUID"], FunctionName="proc")
    code, msg, status = err(e)
    assert (code, status) == ("ResourceConflictException", 409)
    assert msg.endswith(f"existing mapping with UUID {a['UUID']}")
    assert lam.get_event_source_mapping(UUID=b["UUID"])["FunctionArn"] == FN_ARN + "other"
    # updating a mapping's other settings is no conflict with itself
    lam.update_event_source_mapping(UUID=a["UUID"], FunctionName="proc", BatchSize=3)
    for u in (a["UUID"], b["UUID"]):
        lam.delete_event_source_mapping(UUID=u)


def test_body_member_of_the_wrong_type(server, lam, stream):
    # boto3 here skips client-side validation, so the server sees the string
    with pytest.raises(ClientError) as e:
        create(lam, stream, BatchSize="ten")
    code, _, status = err(e)
    assert (code, status) == ("InvalidRequestContentException", 400)
