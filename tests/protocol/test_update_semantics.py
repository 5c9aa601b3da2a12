"""UpdateItem semantics as DynamoDB has them: an update that leaves a missing
item with nothing but its key creates nothing (and writes no stream record);
UPDATED_OLD/UPDATED_NEW return only the updated sub-paths; SET past the end of
a list appends; a path through a non-container is refused for every action;
and which legacy and expression parameters may be mixed in one request, for
every operation that takes them. Messages and results are DynamoDB Local's
except in the ddbd_only tests, whose docstrings say where Local departs from
DynamoDB and why we follow DynamoDB."""
import time

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, make_client
from test_triggers import fn, server  # noqa: F401 (fixtures: a recording function, a ddbd with functions)

BAD_PATH = ("ValidationException", "The document path provided in the update expression is invalid for update")


def vals(**kw):
    return {":" + k: v for k, v in kw.items()}


def get(ddb, table, pk):
    return ddb.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")


def stream_records(ddb, table):
    """Every record of the table's stream (DescribeStream, then GetRecords from
    TRIM_HORIZON of each shard)."""
    streams = make_client(ddb.meta.endpoint_url, "dynamodbstreams")
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    out = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            page = streams.get_records(ShardIterator=it)
            out += page["Records"]
            it = page.get("NextShardIterator")
            if not page["Records"]:
                break
    return out


@pytest.fixture
def streamed(make_table):
    return make_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


# ---- an update that creates nothing ---------------------------------------------------

DELETIONS = [
    {"UpdateExpression": "REMOVE a"},
    {"UpdateExpression": "REMOVE a, b"},
    {"UpdateExpression": "DELETE s :v", "ExpressionAttributeValues": vals(v={"SS": ["x"]})},
    {"UpdateExpression": "REMOVE a DELETE s :v", "ExpressionAttributeValues": vals(v={"NS": ["1"]})},
    {"AttributeUpdates": {"a": {"Action": "DELETE"}}},
    {"AttributeUpdates": {"a": {"Action": "DELETE", "Value": {"SS": ["x"]}}}},
    {"UpdateExpression": "REMOVE a", "ConditionExpression": "attribute_not_exists(pk)"},
]


@pytest.mark.ddbd_only
@pytest.mark.parametrize("params", DELETIONS)
@pytest.mark.parametrize("rv", ["NONE", "ALL_NEW", "UPDATED_NEW", "ALL_OLD", "UPDATED_OLD"])
def test_deletions_on_a_missing_item_create_nothing(ddb, streamed, params, rv):
    """An update whose actions only delete (REMOVE, DELETE from a set, legacy
    DELETE) leaves a missing item with nothing but its key: DynamoDB creates no
    item and so writes no stream record, and ReturnValues return nothing.
    DynamoDB Local creates the key-only item (ddbd_only); DynamoDB does not (the
    UpdateItem behaviour ScyllaDB's Alternator tests pin against DynamoDB, issue
    scylladb/scylladb#5862)."""
    out = ddb.update_item(TableName=streamed, Key={"pk": {"S": "ghost"}}, ReturnValues=rv, **params)
    assert "Attributes" not in out
    assert get(ddb, streamed, "ghost") is None
    assert stream_records(ddb, streamed) == []
    assert ddb.scan(TableName=streamed)["Count"] == 0


@pytest.mark.ddbd_only
def test_transact_update_of_deletions_creates_nothing(ddb, streamed):
    """The same holds for an Update inside TransactWriteItems (DynamoDB Local
    creates the key-only item here too)."""
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": streamed, "Key": {"pk": {"S": "ghost"}}, "UpdateExpression": "REMOVE a"}},
        {"Put": {"TableName": streamed, "Item": {"pk": {"S": "real"}}}},
    ])
    assert get(ddb, streamed, "ghost") is None
    assert [r["dynamodb"]["Keys"] for r in stream_records(ddb, streamed)] == [{"pk": {"S": "real"}}]


@pytest.mark.ddbd_only
def test_deletions_on_a_missing_item_deliver_nothing_to_a_trigger(server, fn):
    """No stream record, so no trigger delivery: a function mapped to the
    stream receives the marker written after the deletions, and nothing else."""
    from test_triggers import stream_table, wait_for
    d = server({"proc": f"{fn.url}/invoke"})
    ddb, lam = make_client(d.endpoint), make_client(d.endpoint, "lambda")
    arn = stream_table(ddb, "ghosts")
    m = lam.create_event_source_mapping(FunctionName="proc", EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
                                        BatchSize=10)
    wait_for(lambda: lam.get_event_source_mapping(UUID=m["UUID"])["State"] == "Enabled", 5)
    for i, params in enumerate(DELETIONS):
        ddb.update_item(TableName="ghosts", Key={"pk": {"S": f"g{i}"}, "sk": {"S": "s"}}, **params)
    ddb.put_item(TableName="ghosts", Item={"pk": {"S": "marker"}, "sk": {"S": "s"}})
    wait_for(lambda: fn.records())
    time.sleep(0.5)  # anything delivered after the marker would show up too
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in fn.records()] == ["marker"]


@pytest.mark.parametrize("params", [
    {},
    {"AttributeUpdates": {}},
    {"UpdateExpression": "SET b = :v REMOVE a", "ExpressionAttributeValues": vals(v={"N": "1"})},
    {"UpdateExpression": "ADD n :v", "ExpressionAttributeValues": vals(v={"N": "1"})},
    {"AttributeUpdates": {"a": {"Action": "DELETE"}, "b": {"Action": "PUT", "Value": {"N": "1"}}}},
])
def test_updates_that_add_or_do_nothing_create_the_item(ddb, streamed, params):
    """An update without actions creates the key-only item, and one that adds
    any attribute creates the item, with one INSERT record."""
    out = ddb.update_item(TableName=streamed, Key={"pk": {"S": "new"}}, ReturnValues="ALL_NEW", **params)
    item = get(ddb, streamed, "new")
    assert item is not None and item["pk"] == {"S": "new"}
    assert out["Attributes"] == item
    records = stream_records(ddb, streamed)
    assert [r["eventName"] for r in records] == ["INSERT"]
    assert records[0]["dynamodb"]["NewImage"] == item


def test_deletions_on_an_existing_item_keep_it(ddb, streamed):
    """REMOVE of every non-key attribute leaves the key-only item in place."""
    ddb.put_item(TableName=streamed, Item={"pk": {"S": "x"}, "a": {"N": "1"}})
    out = ddb.update_item(TableName=streamed, Key={"pk": {"S": "x"}}, UpdateExpression="REMOVE a",
                          ReturnValues="ALL_NEW")
    assert out["Attributes"] == {"pk": {"S": "x"}}
    assert get(ddb, streamed, "x") == {"pk": {"S": "x"}}
    assert [r["eventName"] for r in stream_records(ddb, streamed)] == ["INSERT", "MODIFY"]


def test_updates_that_change_nothing_write_no_record(ddb, streamed):
    """An update that leaves an existing item as it was (REMOVE of what it
    lacks, SET of the same value, DELETE from a set it lacks) writes no
    stream record."""
    ddb.put_item(TableName=streamed, Item={"pk": {"S": "x"}, "a": {"N": "1"}, "l": {"L": [{"N": "1"}]}})
    ddb.update_item(TableName=streamed, Key={"pk": {"S": "x"}}, UpdateExpression="REMOVE nope, l[5]")
    ddb.update_item(TableName=streamed, Key={"pk": {"S": "x"}}, UpdateExpression="SET a = :v",
                    ExpressionAttributeValues=vals(v={"N": "1"}))
    ddb.update_item(TableName=streamed, Key={"pk": {"S": "x"}}, UpdateExpression="DELETE s :v",
                    ExpressionAttributeValues=vals(v={"SS": ["q"]}))
    assert [r["eventName"] for r in stream_records(ddb, streamed)] == ["INSERT"]


# ---- ReturnValues of nested paths -----------------------------------------------------

ITEM = {
    "pk": {"S": "a"}, "s": {"S": "str"}, "n": {"N": "1"},
    "a": {"M": {"b": {"M": {"c": {"N": "1"}, "d": {"S": "keep"}}}, "e": {"S": "e"}}},
    "l": {"L": [{"S": "x"}, {"S": "y"}, {"M": {"q": {"N": "2"}, "r": {"N": "3"}}}]},
    "ss": {"SS": ["a", "b"]},
}
KEY = {"pk": {"S": "a"}}
NINE = vals(v={"N": "9"})


@pytest.fixture
def t(ddb, table):
    ddb.put_item(TableName=table, Item=ITEM)
    return table


def update(ddb, table, expr, values, rv):
    kw = {"ExpressionAttributeValues": values} if values else {}
    return ddb.update_item(TableName=table, Key=KEY, UpdateExpression=expr, ReturnValues=rv, **kw)


@pytest.mark.ddbd_only
@pytest.mark.parametrize("expr,values,rv,want", [
    ("SET a.b.c = :v", NINE, "UPDATED_NEW", {"a": {"M": {"b": {"M": {"c": {"N": "9"}}}}}}),
    ("SET a.b.c = :v", NINE, "UPDATED_OLD", {"a": {"M": {"b": {"M": {"c": {"N": "1"}}}}}}),
    ("SET a.b.z = :v", NINE, "UPDATED_NEW", {"a": {"M": {"b": {"M": {"z": {"N": "9"}}}}}}),
    ("SET a.b.c = :v, a.e = :v", NINE, "UPDATED_NEW",
     {"a": {"M": {"b": {"M": {"c": {"N": "9"}}}, "e": {"N": "9"}}}}),
    ("SET a.b.c = :v, a.e = :v", NINE, "UPDATED_OLD",
     {"a": {"M": {"b": {"M": {"c": {"N": "1"}}}, "e": {"S": "e"}}}}),
    ("SET l[1] = :v", NINE, "UPDATED_NEW", {"l": {"L": [{"N": "9"}]}}),
    ("SET l[1] = :v", NINE, "UPDATED_OLD", {"l": {"L": [{"S": "y"}]}}),
    ("SET l[2].q = :v", NINE, "UPDATED_NEW", {"l": {"L": [{"M": {"q": {"N": "9"}}}]}}),
    ("SET l[2].q = :v", NINE, "UPDATED_OLD", {"l": {"L": [{"M": {"q": {"N": "2"}}}]}}),
    ("SET l[1] = :v, l[0] = :w", vals(v={"N": "9"}, w={"N": "8"}), "UPDATED_NEW",
     {"l": {"L": [{"N": "8"}, {"N": "9"}]}}),
    ("REMOVE a.b.c", None, "UPDATED_OLD", {"a": {"M": {"b": {"M": {"c": {"N": "1"}}}}}}),
    ("REMOVE l[1]", None, "UPDATED_OLD", {"l": {"L": [{"S": "y"}]}}),
    # the element that moved into the removed index
    ("REMOVE l[1]", None, "UPDATED_NEW", {"l": {"L": [{"M": {"q": {"N": "2"}, "r": {"N": "3"}}}]}}),
    ("REMOVE l[1], l[0]", None, "UPDATED_OLD", {"l": {"L": [{"S": "x"}, {"S": "y"}]}}),
    ("ADD a.b.c :v", vals(v={"N": "1"}), "UPDATED_NEW", {"a": {"M": {"b": {"M": {"c": {"N": "2"}}}}}}),
    ("ADD a.zz :v", vals(v={"N": "1"}), "UPDATED_NEW", {"a": {"M": {"zz": {"N": "1"}}}}),
    ("SET a.b.c = :v REMOVE a.e", NINE, "UPDATED_OLD",
     {"a": {"M": {"b": {"M": {"c": {"N": "1"}}}, "e": {"S": "e"}}}}),
    ("SET a.b.c = :v REMOVE a.e", NINE, "UPDATED_NEW", {"a": {"M": {"b": {"M": {"c": {"N": "9"}}}}}}),
])
def test_updated_values_of_nested_paths(ddb, t, expr, values, rv, want):
    """UPDATED_OLD/UPDATED_NEW return only the updated sub-paths (a list
    element as a one-element list), as the UpdateItem reference says ("only
    the updated attributes") and DynamoDB does. DynamoDB Local returns each
    updated top-level attribute whole (ddbd_only)."""
    assert update(ddb, t, expr, values, rv)["Attributes"] == want


@pytest.mark.parametrize("expr,values,rv", [
    ("SET l[10] = :v", NINE, "UPDATED_NEW"),   # appended at index 3: nothing at l[10]
    ("SET l[10] = :v", NINE, "UPDATED_OLD"),
    ("SET a.b.z = :v", NINE, "UPDATED_OLD"),   # did not exist before
    ("REMOVE a.b.c", None, "UPDATED_NEW"),     # gone after
    ("REMOVE nope", None, "UPDATED_OLD"),
    ("REMOVE l[10]", None, "UPDATED_NEW"),
    ("DELETE nope :v", vals(v={"SS": ["a"]}), "UPDATED_OLD"),
    ("DELETE ss :v", vals(v={"SS": ["a", "b"]}), "UPDATED_NEW"),  # the set emptied: removed
])
def test_empty_updated_values_have_no_attributes_member(ddb, t, expr, values, rv):
    assert "Attributes" not in update(ddb, t, expr, values, rv)


@pytest.mark.parametrize("expr,values,rv,want", [
    ("SET n = :v", NINE, "UPDATED_NEW", {"n": {"N": "9"}}),
    ("SET n = :v", NINE, "UPDATED_OLD", {"n": {"N": "1"}}),
    ("SET n = :v", vals(v={"N": "1"}), "UPDATED_NEW", {"n": {"N": "1"}}),  # unchanged, still returned
    ("REMOVE s, nope", None, "UPDATED_OLD", {"s": {"S": "str"}}),
    ("DELETE ss :v", vals(v={"SS": ["a"]}), "UPDATED_NEW", {"ss": {"SS": ["b"]}}),
    ("SET a.b.c = :v", NINE, "ALL_OLD", ITEM),
])
def test_updated_values_of_top_level_attributes(ddb, t, expr, values, rv, want):
    assert update(ddb, t, expr, values, rv)["Attributes"] == want


def test_all_new_returns_the_whole_item(ddb, t):
    out = update(ddb, t, "SET l[2].q = :v", NINE, "ALL_NEW")["Attributes"]
    assert out == ddb.get_item(TableName=t, Key=KEY, ConsistentRead=True)["Item"]
    assert out["l"]["L"][2] == {"M": {"q": {"N": "9"}, "r": {"N": "3"}}}


# ---- list elements past the end ---------------------------------------------------------

def test_set_past_the_end_appends(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "l": {"L": [{"S": "x"}, {"S": "y"}]}})
    ddb.update_item(TableName=table, Key=KEY, UpdateExpression="SET l[10] = :v", ExpressionAttributeValues=NINE)
    assert get(ddb, table, "a")["l"] == {"L": [{"S": "x"}, {"S": "y"}, {"N": "9"}]}
    ddb.update_item(TableName=table, Key=KEY, UpdateExpression="SET l[20] = :v, l[30] = :w",
                    ExpressionAttributeValues=vals(v={"N": "1"}, w={"N": "2"}))
    assert get(ddb, table, "a")["l"]["L"][3:] == [{"N": "1"}, {"N": "2"}]
    ddb.update_item(TableName=table, Key=KEY, UpdateExpression="ADD l[99] :v", ExpressionAttributeValues=NINE)
    assert len(get(ddb, table, "a")["l"]["L"]) == 6
    # REMOVE past the end changes nothing
    ddb.update_item(TableName=table, Key=KEY, UpdateExpression="REMOVE l[50]")
    assert len(get(ddb, table, "a")["l"]["L"]) == 6


# ---- paths through non-containers ------------------------------------------------------------

@pytest.mark.parametrize("expr,values", [
    (f"{verb} {path}{' :v' if verb != 'REMOVE' else ''}" if verb != "SET" else f"SET {path} = :v",
     None if verb == "REMOVE" else vals(v={"SS": ["a"]}) if verb == "DELETE" else vals(v={"N": "1"}))
    for verb in ("SET", "REMOVE", "ADD", "DELETE")
    for path in ("s.b", "a[0]", "s[0]", "l.x", "nope.x", "nope[0]", "a.zz.yy", "l[10].x", "a.b.c.d")
])
def test_paths_through_non_containers_are_refused(ddb, t, expr, values):
    """A name step needs a map, an index step a list, and every step but the
    last must exist: for SET, REMOVE, ADD and DELETE alike."""
    kw = {"ExpressionAttributeValues": values} if values else {}
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=t, Key=KEY, UpdateExpression=expr, **kw)
    assert error_of(e) == BAD_PATH
    assert get(ddb, t, "a") == ITEM


@pytest.mark.parametrize("expr,values", [
    ("REMOVE a.zz", None), ("REMOVE l[10]", None), ("REMOVE nope", None), ("REMOVE a.b.zz", None),
    ("DELETE a.zz :v", vals(v={"SS": ["a"]})), ("DELETE l[10] :v", vals(v={"SS": ["a"]})),
    ("DELETE nope :v", vals(v={"SS": ["a"]})),
])
def test_deleting_a_missing_last_step_changes_nothing(ddb, t, expr, values):
    kw = {"ExpressionAttributeValues": values} if values else {}
    ddb.update_item(TableName=t, Key=KEY, UpdateExpression=expr, **kw)
    assert get(ddb, t, "a") == ITEM


@pytest.mark.ddbd_only
def test_nested_removal_on_a_missing_item_is_refused(ddb, streamed):
    """REMOVE a.b on a missing item: the path has no map to remove from."""
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=streamed, Key={"pk": {"S": "ghost"}}, UpdateExpression="REMOVE x, a.b")
    assert error_of(e) == BAD_PATH
    assert get(ddb, streamed, "ghost") is None and stream_records(ddb, streamed) == []


# ---- legacy and expression parameters together ----------------------------------------------

MIXED = ("Can not use both expression and non-expression parameters in the same request: "
         "Non-expression parameters: {%s} Expression parameters: {%s}")

ATG = {"AttributesToGet": ["x"]}
PE = {"ProjectionExpression": "x"}
KC = {"KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}}}
KCE = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}}}
QF = {"QueryFilter": {"x": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "v"}]}}}
SF = {"ScanFilter": {"x": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "v"}]}}}
FE = {"FilterExpression": "attribute_exists(x)"}
CO = {"ConditionalOperator": "AND"}
EXP = {"Expected": {"x": {"Exists": True, "Value": {"S": "v"}}}}
CE = {"ConditionExpression": "attribute_exists(x)"}
AU = {"AttributeUpdates": {"z": {"Action": "PUT", "Value": {"S": "1"}}}}
UE = {"UpdateExpression": "SET z = :z", "ExpressionAttributeValues": {":z": {"S": "1"}}}


def m(*parts):
    out = {}
    for p in parts:
        for k, v in p.items():
            out[k] = {**out[k], **v} if k == "ExpressionAttributeValues" and k in out else v
    return out


def sel(s):
    return {"Select": s}


CO_ALONE = "ConditionalOperator cannot be used without Filter or Expected"
MIX_CASES = [
    ("GetItem", m(ATG, PE), MIXED % ("AttributesToGet", "ProjectionExpression")),
    ("GetItem", ATG, None),
    ("BatchGetItem", m(ATG, PE), MIXED % ("AttributesToGet", "ProjectionExpression")),
    ("BatchGetItem", ATG, None),
    ("PutItem", m(EXP, CE), MIXED % ("Expected", "ConditionExpression")),
    ("PutItem", m(CO, CE), MIXED % ("ConditionalOperator", "ConditionExpression")),
    ("PutItem", m(EXP, CO, CE), MIXED % ("Expected, ConditionalOperator", "ConditionExpression")),
    ("PutItem", CO, CO_ALONE),
    ("DeleteItem", m(EXP, CE), MIXED % ("Expected", "ConditionExpression")),
    ("DeleteItem", m(CO, CE), MIXED % ("ConditionalOperator", "ConditionExpression")),
    ("DeleteItem", CO, CO_ALONE),
    ("UpdateItem", m(EXP, CE), MIXED % ("Expected", "ConditionExpression")),
    ("UpdateItem", m(AU, UE), MIXED % ("AttributeUpdates", "UpdateExpression")),
    ("UpdateItem", m(AU, CE), MIXED % ("AttributeUpdates", "ConditionExpression")),
    ("UpdateItem", m(EXP, UE), MIXED % ("Expected", "UpdateExpression")),
    ("UpdateItem", m(CO, {"UpdateExpression": "REMOVE z"}), MIXED % ("ConditionalOperator", "UpdateExpression")),
    ("UpdateItem", m(AU, EXP, UE, CE),
     MIXED % ("AttributeUpdates, Expected", "UpdateExpression, ConditionExpression")),
    ("UpdateItem", m(AU, EXP), None),
    ("UpdateItem", CO, CO_ALONE),
    ("Query", m(KC, KCE), MIXED % ("KeyConditions", "KeyConditionExpression")),
    ("Query", m(KC, FE), None),  # KeyConditions clashes with KeyConditionExpression alone
    ("Query", m(KC, PE), None),
    ("Query", m(KC, FE, PE), None),
    ("Query", m(KC, QF), None),
    ("Query", m(KC, ATG), None),
    ("Query", m(QF, KCE), MIXED % ("QueryFilter", "KeyConditionExpression")),
    ("Query", m(KC, QF, FE), MIXED % ("QueryFilter", "FilterExpression")),
    ("Query", m(KC, ATG, FE), MIXED % ("AttributesToGet", "FilterExpression")),
    ("Query", m(KCE, ATG, PE), MIXED % ("AttributesToGet", "ProjectionExpression, KeyConditionExpression")),
    ("Query", m(ATG, KCE), MIXED % ("AttributesToGet", "KeyConditionExpression")),
    ("Query", m(KCE, CO, FE), MIXED % ("ConditionalOperator", "FilterExpression, KeyConditionExpression")),
    ("Query", m(CO, KCE), MIXED % ("ConditionalOperator", "KeyConditionExpression")),
    ("Query", m(KC, KCE, FE), MIXED % ("KeyConditions", "FilterExpression, KeyConditionExpression")),
    ("Query", m(KC, QF, ATG, KCE, FE, PE),
     MIXED % ("AttributesToGet, QueryFilter, KeyConditions",
              "ProjectionExpression, FilterExpression, KeyConditionExpression")),
    ("Query", m(KC, QF, CO, ATG, KCE),
     MIXED % ("AttributesToGet, QueryFilter, ConditionalOperator, KeyConditions", "KeyConditionExpression")),
    ("Query", m(KC, CO), CO_ALONE),
    ("Query", m(KCE, ATG, sel("SPECIFIC_ATTRIBUTES")), MIXED % ("AttributesToGet", "KeyConditionExpression")),
    ("Query", m(KCE, ATG, sel("ALL_ATTRIBUTES")), MIXED % ("AttributesToGet", "KeyConditionExpression")),
    ("Query", m(KCE, PE, sel("SPECIFIC_ATTRIBUTES")), None),
    ("Query", m(KC, ATG, sel("SPECIFIC_ATTRIBUTES")), None),
    ("Query", m(KC, PE, sel("SPECIFIC_ATTRIBUTES")), None),
    ("Query", m(KCE, sel("SPECIFIC_ATTRIBUTES")),
     "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"),
    ("Query", m(KCE, PE, sel("ALL_ATTRIBUTES")),
     "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"),
    ("Query", m(KC, ATG, sel("ALL_ATTRIBUTES")),
     "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES"),
    ("Query", m(KCE, PE, sel("COUNT")),
     "Cannot specify the ProjectionExpression when choosing to get only the Count"),
    ("Query", m(KC, ATG, sel("COUNT")), "Cannot specify the AttributesToGet when choosing to get only the Count"),
    ("Query", m(KCE, PE, sel("ALL_PROJECTED_ATTRIBUTES")),
     "Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES"),
    ("Query", m(KCE, sel("ALL_PROJECTED_ATTRIBUTES")),
     "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"),
    ("Scan", m(SF, FE), MIXED % ("ScanFilter", "FilterExpression")),
    ("Scan", m(SF, PE), MIXED % ("ScanFilter", "ProjectionExpression")),
    ("Scan", m(ATG, FE), MIXED % ("AttributesToGet", "FilterExpression")),
    ("Scan", m(ATG, PE), MIXED % ("AttributesToGet", "ProjectionExpression")),
    ("Scan", m(CO, FE), MIXED % ("ConditionalOperator", "FilterExpression")),
    ("Scan", m(SF, ATG, CO, FE, PE),
     MIXED % ("AttributesToGet, ScanFilter, ConditionalOperator", "ProjectionExpression, FilterExpression")),
    ("Scan", CO, CO_ALONE),
    ("Scan", m(ATG, sel("SPECIFIC_ATTRIBUTES")), None),
    ("Scan", m(PE, sel("SPECIFIC_ATTRIBUTES")), None),
    ("Scan", m(SF, ATG), None),
    ("Scan", m(ATG, sel("ALL_ATTRIBUTES")), "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES"),
    ("Scan", m(PE, sel("ALL_ATTRIBUTES")), "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"),
    ("Scan", m(ATG, sel("COUNT")), "Cannot specify the AttributesToGet when choosing to get only the Count"),
    ("Scan", sel("SPECIFIC_ATTRIBUTES"),
     "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"),
]

MKEY = {"pk": {"S": "a"}, "sk": {"S": "1"}}
MITEM = {**MKEY, "x": {"S": "v"}, "y": {"N": "1"}}


@pytest.fixture
def mt(ddb, make_table):
    name = make_table(range_key=("sk", "S"))
    ddb.put_item(TableName=name, Item=MITEM)
    return name


def call(ddb, table, op, params):
    if op == "GetItem":
        return ddb.get_item(TableName=table, Key=MKEY, **params)
    if op == "BatchGetItem":
        return ddb.batch_get_item(RequestItems={table: {"Keys": [MKEY], **params}})
    if op == "PutItem":
        return ddb.put_item(TableName=table, Item=MITEM, **params)
    if op == "DeleteItem":
        return ddb.delete_item(TableName=table, Key=MKEY, **params)
    if op == "UpdateItem":
        return ddb.update_item(TableName=table, Key=MKEY, **params)
    return getattr(ddb, op.lower())(TableName=table, **params)


@pytest.mark.parametrize("op,params,message", MIX_CASES,
                         ids=[f"{op}-{'+'.join(p)}" for op, p, _ in MIX_CASES])
def test_legacy_and_expression_parameters(ddb, mt, op, params, message):
    if message is None:
        call(ddb, mt, op, params)
        return
    with pytest.raises(ClientError) as e:
        call(ddb, mt, op, params)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error_of(e) == ("ValidationException", message)
    assert ddb.get_item(TableName=mt, Key=MKEY, ConsistentRead=True)["Item"] == MITEM


def test_key_conditions_with_filter_and_projection_expressions(ddb, mt):
    """The accepted mix does what each part says: KeyConditions choose the
    items, the FilterExpression filters them, the ProjectionExpression
    projects them."""
    hit = ddb.query(TableName=mt, **KC, FilterExpression="x = :v", ExpressionAttributeValues=vals(v={"S": "v"}),
                    ProjectionExpression="#y", ExpressionAttributeNames={"#y": "y"})
    assert (hit["Items"], hit["Count"], hit["ScannedCount"]) == ([{"y": {"N": "1"}}], 1, 1)
    miss = ddb.query(TableName=mt, **KC, FilterExpression="attribute_exists(nope)")
    assert (miss["Items"], miss["Count"], miss["ScannedCount"]) == ([], 0, 1)


@pytest.mark.parametrize("params,message", [
    ({"FilterExpression": "pk = :v", "ExpressionAttributeValues": vals(v={"S": "a"})},
     "Filter Expression can only contain non-primary key attributes: Primary key attribute: pk"),
    ({"FilterExpression": "sk = :v", "ExpressionAttributeValues": vals(v={"S": "1"})},
     "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"),
    ({"FilterExpression": "x = :v", "ExpressionAttributeValues": vals(v={"S": "v"}, w={"S": "1"})},
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"),
    ({"ProjectionExpression": "#a", "ExpressionAttributeNames": {"#a": "x", "#b": "y"}},
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"),
    ({"ExpressionAttributeValues": vals(v={"S": "v"})},
     "ExpressionAttributeValues can only be specified when using expressions: "
     "FilterExpression and KeyConditionExpression are null"),
])
def test_key_conditions_with_expressions_are_checked_as_usual(ddb, mt, params, message):
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=mt, **KC, **params)
    assert error_of(e) == ("ValidationException", message)
