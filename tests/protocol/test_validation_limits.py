"""Limits DynamoDB enforces that ddbd used to skip (issue #21, outcome 5):
index key value sizes, attribute name lengths, index projections, empty
batch lists, tags, the 4 MB transaction and which transaction failures are
cancellation reasons, and operands in parentheses.

Expected messages are DynamoDB Local's answers to the same requests unless a
test says otherwise; the file passes against it (DDB_ENDPOINT=...). Where
Local deviates from AWS's documentation the test follows the documentation,
is marked ddbd_only and says why.
"""
import time

import botocore.exceptions
import pytest

from conftest import error_of, eventually

INVALID = "One or more parameter values were invalid: "
SIZE_LIMIT = INVALID + "Size limit exceeded"


def refused(call, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(**kw)
    return error_of(e)


def S(s):
    return {"S": s}


def index_size_message(attr, size, limit, index):
    """AWS's full text (as reported by its users); DynamoDB Local stops
    after "Size limit exceeded"."""
    return (f"{SIZE_LIMIT} for Index Key {attr} Actual Size: {size} bytes Max Size: {limit} bytes "
            f"IndexName: {index}")


# ---- index key value sizes ----------------------------------------------------------------

@pytest.fixture
def gsi_table(ddb, table_name):
    """pk (S) keyed, with GSI `gix` keyed g (hash) / r (range), both S."""
    ddb.create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "g", "r")],
        GlobalSecondaryIndexes=[{"IndexName": "gix", "KeySchema": [
            {"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "r", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}])
    yield table_name
    ddb.delete_table(TableName=table_name)


def size_refused(code_msg):
    code, msg = code_msg
    assert code == "ValidationException"
    assert msg.startswith(SIZE_LIMIT), msg
    return msg


@pytest.mark.parametrize("item", [
    {"pk": S("a"), "g": S("x" * 2049), "r": S("1")},
    {"pk": S("a"), "g": S("a"), "r": S("x" * 1025)},
    {"pk": S("a"), "g": {"S": "é" * 1025}},                  # bytes, not characters
])
def test_index_key_too_long_refused_on_put(ddb, gsi_table, item):
    size_refused(refused(ddb.put_item, TableName=gsi_table, Item=item))
    size_refused(refused(ddb.batch_write_item, RequestItems={gsi_table: [{"PutRequest": {"Item": item}}]}))
    size_refused(refused(ddb.transact_write_items, TransactItems=[{"Put": {"TableName": gsi_table, "Item": item}}]))
    assert ddb.scan(TableName=gsi_table)["Count"] == 0


def test_index_key_at_the_limit_accepted(ddb, gsi_table):
    ddb.put_item(TableName=gsi_table, Item={"pk": S("a"), "g": S("x" * 2048), "r": S("y" * 1024)})
    got = eventually(lambda: ddb.query(TableName=gsi_table, IndexName="gix", KeyConditionExpression="g = :g",
                                       ExpressionAttributeValues={":g": S("x" * 2048)}),
                     lambda got: got["Count"] == 1)
    assert got["Count"] == 1


def test_index_key_too_long_refused_in_partiql_insert(ddb, gsi_table):
    size_refused(refused(ddb.execute_statement,
                         Statement=f"INSERT INTO \"{gsi_table}\" VALUE {{'pk': 'z', 'g': '{'x' * 2049}', 'r': '1'}}"))
    assert ddb.scan(TableName=gsi_table)["Count"] == 0


def test_lsi_sort_key_too_long_refused(ddb, table_name):
    ddb.create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "l")],
        LocalSecondaryIndexes=[{"IndexName": "lix", "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}])
    try:
        size_refused(refused(ddb.put_item, TableName=table_name,
                             Item={"pk": S("a"), "sk": S("1"), "l": S("x" * 1025)}))
        ddb.put_item(TableName=table_name, Item={"pk": S("a"), "sk": S("1"), "l": S("x" * 1024)})
    finally:
        ddb.delete_table(TableName=table_name)


@pytest.mark.ddbd_only
def test_index_key_size_message(ddb, gsi_table):
    """AWS names the attribute, its size, the limit and the index (the text
    its users report); DynamoDB Local stops after "Size limit exceeded"."""
    assert refused(ddb.put_item, TableName=gsi_table, Item={"pk": S("a"), "g": S("x" * 2049)}) == (
        "ValidationException", index_size_message("g", 2049, 2048, "gix"))
    assert refused(ddb.put_item, TableName=gsi_table, Item={"pk": S("a"), "g": S("a"), "r": S("x" * 1025)}) == (
        "ValidationException", index_size_message("r", 1025, 1024, "gix"))


@pytest.mark.ddbd_only
def test_index_key_too_long_refused_on_update(ddb, gsi_table):
    """ddbd_only: DynamoDB Local checks index key sizes on Put only and lets
    UpdateItem, a transaction's Update and PartiQL UPDATE store them; AWS
    refuses the update (TransactWriteItems: a ValidationError reason, as its
    documentation lists "update a secondary index key beyond allowed size
    limits")."""
    ddb.put_item(TableName=gsi_table, Item={"pk": S("a"), "g": S("a"), "r": S("1")})
    assert refused(ddb.update_item, TableName=gsi_table, Key={"pk": S("a")}, UpdateExpression="SET g = :g",
                   ExpressionAttributeValues={":g": S("x" * 2049)}) == (
        "ValidationException", index_size_message("g", 2049, 2048, "gix"))
    assert refused(ddb.execute_statement,
                   Statement=f"UPDATE \"{gsi_table}\" SET r = '{'x' * 1025}' WHERE pk = 'a'") == (
        "ValidationException", index_size_message("r", 1025, 1024, "gix"))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.transact_write_items(TransactItems=[{"Update": {
            "TableName": gsi_table, "Key": {"pk": S("a")}, "UpdateExpression": "SET r = :r",
            "ExpressionAttributeValues": {":r": S("x" * 1025)}}}])
    assert e.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert e.value.response["CancellationReasons"] == [
        {"Code": "ValidationError", "Message": index_size_message("r", 1025, 1024, "gix")}]
    assert ddb.get_item(TableName=gsi_table, Key={"pk": S("a")})["Item"] == {
        "pk": S("a"), "g": S("a"), "r": S("1")}


@pytest.mark.ddbd_only
def test_multi_attribute_key_limits_per_attribute(ddb, table_name):
    """A multi-attribute key: each partition attribute up to 2048 bytes and
    each sort attribute up to 1024, on its own (DynamoDB's message names one
    attribute and its size; Local has no multi-attribute keys)."""
    ddb.create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "h1", "h2", "r1", "r2")],
        GlobalSecondaryIndexes=[{"IndexName": "mix", "KeySchema": [
            {"AttributeName": "h1", "KeyType": "HASH"}, {"AttributeName": "h2", "KeyType": "HASH"},
            {"AttributeName": "r1", "KeyType": "RANGE"}, {"AttributeName": "r2", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}])
    try:
        full = {"pk": S("a"), "h1": S("x" * 2048), "h2": S("y" * 2048), "r1": S("x" * 1024), "r2": S("y" * 1024)}
        ddb.put_item(TableName=table_name, Item=full)
        assert refused(ddb.put_item, TableName=table_name, Item={**full, "h2": S("y" * 2049)}) == (
            "ValidationException", index_size_message("h2", 2049, 2048, "mix"))
        assert refused(ddb.put_item, TableName=table_name, Item={**full, "r2": S("y" * 1025)}) == (
            "ValidationException", index_size_message("r2", 1025, 1024, "mix"))
    finally:
        ddb.delete_table(TableName=table_name)


def wait_index_active(ddb, table, index):
    for _ in range(200):
        gsis = ddb.describe_table(TableName=table)["Table"].get("GlobalSecondaryIndexes", [])
        if all(g["IndexStatus"] == "ACTIVE" for g in gsis if g["IndexName"] == index):
            return
        time.sleep(0.05)
    raise AssertionError("index not ACTIVE")


@pytest.mark.ddbd_only
def test_backfill_leaves_out_index_key_violations(ddb, table):
    """A new GSI's backfill skips the items whose key value is too long (or
    an empty string): "the items remain in the table, but the index doesn't
    have a corresponding entry" (AWS, Detecting and correcting index key
    violations). ddbd_only: DynamoDB Local indexes them anyway."""
    ddb.put_item(TableName=table, Item={"pk": S("long"), "g": S("x" * 2049)})
    ddb.put_item(TableName=table, Item={"pk": S("empty"), "g": S("")})
    ddb.put_item(TableName=table, Item={"pk": S("ok"), "g": S("x" * 2048)})
    ddb.update_table(TableName=table, AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {"IndexName": "gix", "KeySchema": [
            {"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
    wait_index_active(ddb, table, "gix")
    got = ddb.scan(TableName=table, IndexName="gix")
    assert [i["pk"] for i in got["Items"]] == [S("ok")]
    assert ddb.scan(TableName=table)["Count"] == 3


# ---- attribute names -----------------------------------------------------------------------

EMPTY_NAME = "Empty attribute name"
LONG_NAME = "Attribute name is too large, must be less than 65536 bytes"
BIG = "n" * 65536


@pytest.mark.parametrize("item,message", [
    ({"pk": S("a"), "": S("x")}, EMPTY_NAME),
    ({"pk": S("a"), BIG: S("x")}, LONG_NAME),
    ({"pk": S("a"), "m": {"M": {"": S("x")}}}, EMPTY_NAME),
    ({"pk": S("a"), "m": {"L": [{"M": {BIG: S("x")}}]}}, LONG_NAME),
])
def test_attribute_name_refused_in_items(ddb, table, item, message):
    assert refused(ddb.put_item, TableName=table, Item=item) == ("ValidationException", message)
    assert refused(ddb.batch_write_item, RequestItems={table: [{"PutRequest": {"Item": item}}]}) == (
        "ValidationException", message)
    assert ddb.scan(TableName=table)["Count"] == 0


def test_attribute_name_of_65535_bytes_accepted(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "n" * 65535: S("x")})
    assert "n" * 65535 in ddb.get_item(TableName=table, Key={"pk": S("a")})["Item"]


def test_attribute_name_refused_in_expression_names(ddb, table):
    key = {"pk": S("a")}
    assert refused(ddb.get_item, TableName=table, Key=key, ProjectionExpression="#a",
                   ExpressionAttributeNames={"#a": BIG}) == (
        "ValidationException", f"ExpressionAttributeNames contains invalid value: {LONG_NAME} for key #a")
    assert refused(ddb.update_item, TableName=table, Key=key, UpdateExpression="SET #a = :v",
                   ExpressionAttributeNames={"#a": BIG}, ExpressionAttributeValues={":v": S("x")}) == (
        "ValidationException", f"ExpressionAttributeNames contains invalid value: {LONG_NAME} for key #a")
    assert refused(ddb.delete_item, TableName=table, Key=key, ConditionExpression="attribute_exists(#a)",
                   ExpressionAttributeNames={"#a": ""}) == (
        "ValidationException", f"ExpressionAttributeNames contains invalid value: {EMPTY_NAME} for key #a")


def test_attribute_name_refused_in_legacy_parameters(ddb, table):
    key = {"pk": S("a")}
    assert refused(ddb.get_item, TableName=table, Key=key, AttributesToGet=[""]) == (
        "ValidationException", EMPTY_NAME)
    assert refused(ddb.update_item, TableName=table, Key=key,
                   AttributeUpdates={"": {"Action": "PUT", "Value": S("x")}}) == ("ValidationException", EMPTY_NAME)
    assert ddb.scan(TableName=table)["Count"] == 0


def test_attribute_name_refused_in_keys_and_values(ddb, table):
    assert refused(ddb.get_item, TableName=table, Key={"pk": S("a"), "": S("x")}) == (
        "ValidationException", EMPTY_NAME)
    assert refused(ddb.put_item, TableName=table, Item={"pk": S("z")}, ConditionExpression="a = :v",
                   ExpressionAttributeValues={":v": {"M": {"": S("x")}}}) == (
        "ValidationException", f"ExpressionAttributeValues contains invalid value: {EMPTY_NAME} for key :v")


@pytest.mark.parametrize("statement", [
    "INSERT INTO \"{t}\" VALUE {{'pk': 'a', '': 'x'}}",
    "INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'm': {{'': 'x'}}}}",
    "UPDATE \"{t}\" SET \"\" = 'x' WHERE pk = 'a'",
    "UPDATE \"{t}\" SET m.\"\" = 'x' WHERE pk = 'a'",
])
def test_empty_attribute_name_refused_in_partiql(ddb, table, statement):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "m": {"M": {}}})
    assert refused(ddb.execute_statement, Statement=statement.format(t=table)) == (
        "ValidationException", "Path component cannot be an empty string")
    assert ddb.get_item(TableName=table, Key={"pk": S("a")})["Item"] == {"pk": S("a"), "m": {"M": {}}}


# ---- projections ---------------------------------------------------------------------------

@pytest.fixture
def create(ddb):
    """Creates tables from full CreateTable arguments; deletes them after."""
    made = []

    def make(name, **kw):
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **kw)
        made.append(name)
        return name

    yield make
    for name in made:
        ddb.delete_table(TableName=name)


KS = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
AD = [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g")]


def gsi(projection, name="gix"):
    return {"IndexName": name, "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": projection}


def included(prefix, n):
    return {"ProjectionType": "INCLUDE", "NonKeyAttributes": [f"{prefix}{i}" for i in range(n)]}


PROJECTIONS = [
    ({}, "Indexes must have a projection specified"),
    ({"NonKeyAttributes": ["a"]}, "Indexes must have a projection specified"),
    ({"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b", "a"]},
     "Cannot have two attributes with the same name"),
    ({"ProjectionType": "ALL", "NonKeyAttributes": ["a"]},
     "No attributes should be specified to be projected unless projection type is INCLUDE"),
    ({"ProjectionType": "KEYS_ONLY", "NonKeyAttributes": ["a"]},
     "No attributes should be specified to be projected unless projection type is INCLUDE"),
    ({"ProjectionType": "INCLUDE", "NonKeyAttributes": []},
     "If Projection type INCLUDE is specified, some non-key attributes to include in the projection must be "
     "specified as well"),
    ({"ProjectionType": "INCLUDE", "NonKeyAttributes": [""]},
     "Names of key attributes and attributes projected into an index must be between 1 and 255 characters, "
     "inclusive"),
]


@pytest.mark.parametrize("projection,message", PROJECTIONS)
def test_projection_refused(ddb, table_name, projection, message):
    assert refused(ddb.create_table, TableName=table_name, KeySchema=KS, AttributeDefinitions=AD,
                   BillingMode="PAY_PER_REQUEST", GlobalSecondaryIndexes=[gsi(projection)]) == (
        "ValidationException", message)
    assert table_name not in ddb.list_tables()["TableNames"]


@pytest.mark.parametrize("projection,message", PROJECTIONS)
def test_projection_refused_in_update_table(ddb, make_table, projection, message):
    name = make_table(range_key=("sk", "S"))
    assert refused(ddb.update_table, TableName=name, AttributeDefinitions=AD,
                   GlobalSecondaryIndexUpdates=[{"Create": gsi(projection)}]) == ("ValidationException", message)
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName=name)["Table"]


def test_projection_forms_accepted(ddb, create, table_name):
    """An empty list with ALL is no list; a key attribute may be named (both
    as DynamoDB Local takes them); 100 projected attributes across indexes."""
    name = create(table_name, KeySchema=KS, AttributeDefinitions=AD, GlobalSecondaryIndexes=[
        gsi({"ProjectionType": "ALL", "NonKeyAttributes": []}),
        gsi({"ProjectionType": "INCLUDE", "NonKeyAttributes": ["pk", "g"] + [f"a{i}" for i in range(48)]}, "gix2"),
        gsi(included("b", 50), "gix3")])
    gsis = {g["IndexName"]: g for g in ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]}
    assert gsis["gix"]["Projection"]["ProjectionType"] == "ALL"
    assert len(gsis["gix3"]["Projection"]["NonKeyAttributes"]) == 50


def projected_too_many(code_msg):
    """Over 100 projected attributes in all: AWS documents the limit (an
    attribute in two indexes counts twice); Local says so in old words."""
    code, msg = code_msg
    assert (code, msg) in {
        ("ValidationException", "No more than 20 attributes per table can be projected into Local Secondary Indices"),
        ("LimitExceededException", INVALID + "Number of projected attributes in all indexes exceeds limit of 100")}


def test_projected_attributes_summed_across_indexes(ddb, table_name, create):
    projected_too_many(refused(ddb.create_table, TableName=table_name, KeySchema=KS, AttributeDefinitions=AD,
                               BillingMode="PAY_PER_REQUEST", GlobalSecondaryIndexes=[gsi(included("a", 101))]))
    # the same names in two indexes count twice
    projected_too_many(refused(ddb.create_table, TableName=table_name, KeySchema=KS, AttributeDefinitions=AD,
                               BillingMode="PAY_PER_REQUEST",
                               GlobalSecondaryIndexes=[gsi(included("a", 51)), gsi(included("a", 50), "gix2")]))
    assert table_name not in ddb.list_tables()["TableNames"]
    # an index added to a table counts the ones it has
    name = create(table_name + "_2", KeySchema=KS, AttributeDefinitions=AD,
                  GlobalSecondaryIndexes=[gsi(included("a", 60))])
    projected_too_many(refused(ddb.update_table, TableName=name, AttributeDefinitions=AD,
                               GlobalSecondaryIndexUpdates=[{"Create": gsi(included("b", 41), "gix2")}]))
    assert len(ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]) == 1


@pytest.mark.ddbd_only
def test_projected_attributes_message(ddb, table_name):
    """ddbd_only: Local's text names an old limit of 20 for LSIs; AWS's
    documented limit is 100 across all indexes, which ddbd's message says."""
    assert refused(ddb.create_table, TableName=table_name, KeySchema=KS, AttributeDefinitions=AD,
                   BillingMode="PAY_PER_REQUEST", GlobalSecondaryIndexes=[gsi(included("a", 101))]) == (
        "LimitExceededException", INVALID + "Number of projected attributes in all indexes exceeds limit of 100")


# ---- empty batch lists ---------------------------------------------------------------------

def test_batch_write_empty_list_for_a_table(ddb, table):
    assert refused(ddb.batch_write_item, RequestItems={table: []}) == (
        "ValidationException", f"The batch write request list for a table cannot be null or empty: {table}")


def test_batch_get_empty_or_missing_keys(ddb, table):
    msg = ("ValidationException", f"The list of keys in RequestItems for BatchGetItem is required: {table} has empty list")
    assert refused(ddb.batch_get_item, RequestItems={table: {"Keys": []}}) == msg
    assert refused(ddb.batch_get_item, RequestItems={table: {}}) == msg
    assert refused(ddb.batch_get_item, RequestItems={table: {"ProjectionExpression": "a"}}) == msg


# ---- transactions --------------------------------------------------------------------------

@pytest.mark.ddbd_only
def test_transaction_over_4_mb_refused(ddb, table):
    """"The aggregate size of the items in the transaction cannot exceed 4
    MB" (AWS, TransactWriteItems). ddbd_only: DynamoDB Local takes any size.
    The message is ours, in the documentation's words."""
    items = [{"Put": {"TableName": table, "Item": {"pk": S(f"k{i}"), "b": S("y" * 390000)}}} for i in range(11)]
    assert refused(ddb.transact_write_items, TransactItems=items) == (
        "ValidationException", "The aggregate size of the items in the transaction cannot exceed 4 MB")
    assert ddb.scan(TableName=table)["Count"] == 0
    ddb.transact_write_items(TransactItems=items[:10])  # 3.7 MB
    assert ddb.scan(TableName=table, Select="COUNT")["ScannedCount"] >= 1


def canceled(call, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(**kw)
    r = e.value.response
    assert r["Error"]["Code"] == "TransactionCanceledException", r["Error"]
    return r["CancellationReasons"]


def test_transaction_item_too_large_after_update_is_a_reason(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("s"), "big": S("x" * 300000)})
    reasons = canceled(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": S("o")}}},
        {"Update": {"TableName": table, "Key": {"pk": S("s")}, "UpdateExpression": "SET b = :b",
                    "ExpressionAttributeValues": {":b": S("y" * 200000)}}}])
    assert reasons == [{"Code": "None"},
                       {"Code": "ValidationError", "Message": "Item size to update has exceeded the maximum allowed size"}]
    assert "o" not in {i["pk"]["S"] for i in ddb.scan(TableName=table)["Items"]}


UPDATE_FAILURES = [
    ("ADD a :n", {":n": {"N": "1"}}, "An operand in the update expression has an incorrect data type"),
    ("SET a = a + :n", {":n": {"N": "1"}}, "An operand in the update expression has an incorrect data type"),
    ("SET a = list_append(a, :l)", {":l": {"L": []}}, "An operand in the update expression has an incorrect data type"),
    ("DELETE a :s", {":s": {"SS": ["x"]}}, "An operand in the update expression has an incorrect data type"),
    ("SET a[0] = :n", {":n": {"N": "1"}}, "The document path provided in the update expression is invalid for update"),
    ("SET c = nope + :n", {":n": {"N": "1"}},
     "The provided expression refers to an attribute that does not exist in the item"),
]


@pytest.mark.parametrize("expr,values,message", UPDATE_FAILURES)
def test_update_failure_single_item(ddb, table, expr, values, message):
    ddb.put_item(TableName=table, Item={"pk": S("s"), "a": S("str")})
    assert refused(ddb.update_item, TableName=table, Key={"pk": S("s")}, UpdateExpression=expr,
                   ExpressionAttributeValues=values) == ("ValidationException", message)


@pytest.mark.ddbd_only
@pytest.mark.parametrize("expr,values,message", UPDATE_FAILURES)
def test_update_failure_in_transaction_is_a_reason(ddb, table, expr, values, message):
    """An Update that fails on the item it meets cancels the transaction
    with a ValidationError reason: AWS's TransactWriteItems troubleshooting
    lists these messages among ValidationError's ("An operand in the update
    expression has an incorrect data type", "The document path provided in
    the update expression is invalid for update", "The provided expression
    refers to an attribute that does not exist in the item"). ddbd_only:
    DynamoDB Local answers a plain ValidationException instead."""
    ddb.put_item(TableName=table, Item={"pk": S("s"), "a": S("str")})
    reasons = canceled(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": S("o")}}},
        {"Update": {"TableName": table, "Key": {"pk": S("s")}, "UpdateExpression": expr,
                    "ExpressionAttributeValues": values}}])
    assert reasons == [{"Code": "None"}, {"Code": "ValidationError", "Message": message}]
    assert ddb.scan(TableName=table)["Count"] == 1


@pytest.fixture
def tx_table(ddb, table_name):
    """pk (S) keyed, with GSI `gix` keyed g (S), holding {pk: s}."""
    ddb.create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "g")],
        GlobalSecondaryIndexes=[{"IndexName": "gix", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    ddb.put_item(TableName=table_name, Item={"pk": S("s")})
    yield table_name
    ddb.delete_table(TableName=table_name)


def tx_actions(t):
    """Actions DynamoDB (Local) cancels the transaction for, each with a
    ValidationError reason: a key value of another type or too long, an
    index key of another type, an update of a key attribute."""
    return [
        {"Put": {"TableName": t, "Item": {"pk": {"N": "1"}}}},
        {"Put": {"TableName": t, "Item": {"pk": S("x" * 2049)}}},
        {"Put": {"TableName": t, "Item": {"pk": S("p"), "g": {"N": "1"}}}},
        {"Delete": {"TableName": t, "Key": {"pk": {"N": "1"}}}},
        {"ConditionCheck": {"TableName": t, "Key": {"pk": {"N": "1"}}, "ConditionExpression": "attribute_exists(a)"}},
        {"Update": {"TableName": t, "Key": {"pk": {"N": "1"}}, "UpdateExpression": "SET a = :v",
                    "ExpressionAttributeValues": {":v": S("x")}}},
    ]


@pytest.mark.parametrize("which", range(6))
def test_transaction_key_failures_are_reasons(ddb, tx_table, which):
    action = tx_actions(tx_table)[which]
    reasons = canceled(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": tx_table, "Item": {"pk": S("o")}}}, action])
    assert [r["Code"] for r in reasons] == ["None", "ValidationError"]
    assert ddb.scan(TableName=tx_table)["Count"] == 1


def test_transaction_update_of_a_key_is_a_reason(ddb, tx_table):
    """(DynamoDB Local lists only this action's reason here, not one for
    each action; the reason itself is the same.)"""
    reasons = canceled(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": tx_table, "Item": {"pk": S("o")}}},
        {"Update": {"TableName": tx_table, "Key": {"pk": S("s")}, "UpdateExpression": "SET pk = :v",
                    "ExpressionAttributeValues": {":v": S("x")}}}])
    assert {"Code": "ValidationError", "Message": INVALID + "Cannot update attribute pk. This attribute is part of "
            "the key"} in reasons
    assert ddb.scan(TableName=tx_table)["Count"] == 1


@pytest.mark.parametrize("action,message", [
    ({"Put": {"Item": {"a": S("x")}}}, None),                       # a key missing
    ({"Put": {"Item": {"pk": S("")}}},
     "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty "
     "string value. Key: pk"),
    ({"Put": {"Item": {"pk": S("p"), "g": S("")}}},
     "One or more parameter values are not valid. A value specified for a secondary index key is not supported. "
     "The AttributeValue for a key attribute cannot contain an empty string value. IndexName: gix, IndexKey: g"),
    ({"Put": {"Item": {"pk": S("p"), "b": S("x" * 410000)}}}, "Item size has exceeded the maximum allowed size"),
    ({"Put": {"Item": {"pk": S("p")}, "ConditionExpression": "a = = :v"}},
     'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v"'),
])
def test_transaction_request_failures_refuse_the_request(ddb, tx_table, action, message):
    """The shape of an action (a missing or empty key, an item too large, a
    bad expression) refuses the whole request, a reason's failure in another
    action notwithstanding."""
    kind, body = next(iter(action.items()))
    bad = {kind: {"TableName": tx_table, **body}}
    for items in ([{"Put": {"TableName": tx_table, "Item": {"pk": S("o")}}}, bad],
                  [tx_actions(tx_table)[0], bad]):
        code, msg = refused(ddb.transact_write_items, TransactItems=items)
        assert code == "ValidationException"
        if message:
            assert msg == message
    assert ddb.scan(TableName=tx_table)["Count"] == 1


# ---- tags ----------------------------------------------------------------------------------

def constraint(value, where, rule):
    return ("ValidationException", f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy "
                                   f"constraint: Member must {rule}")


@pytest.mark.ddbd_only
def test_tag_lengths_count_characters(ddb, table):
    """Keys of 1 to 128 and values of 0 to 256 Unicode characters (AWS,
    Tagging restrictions in DynamoDB; the API's length constraints).
    ddbd_only here and below: DynamoDB Local has no tagging at all
    (UnknownOperationException)."""
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "é" * 128, "Value": "ü" * 256}, {"Key": "k", "Value": ""}])
    tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"é" * 128: "ü" * 256, "k": ""}
    code, msg = refused(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "é" * 129, "Value": "v"}])
    assert code == "ValidationException" and msg.endswith(
        "at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128")
    code, msg = refused(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "k", "Value": "ü" * 257}])
    assert code == "ValidationException" and msg.endswith(
        "at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256")
    assert refused(ddb.untag_resource, ResourceArn=arn, TagKeys=[""]) == constraint(
        "", "tagKeys.1.member", "have length greater than or equal to 1")


@pytest.mark.ddbd_only
def test_tag_characters_and_reserved_prefix(ddb, table, table_name):
    """Letters, digits, white space and + - = . _ : / @ only; the aws:
    prefix (any case) is AWS's. Messages are ours: DynamoDB documents the
    rules, not its words."""
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a_.:/=+-@ 1", "Value": "Ünï cödé 9"}])
    assert refused(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "k#", "Value": "v"}]) == (
        "ValidationException", INVALID + "The tag key contains characters that are not allowed; tag key: k#")
    assert refused(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "k", "Value": "v*"}]) == (
        "ValidationException", INVALID + "The tag value contains characters that are not allowed; tag key: k")
    for key in ["aws:x", "AWS:cost"]:
        msg = ("ValidationException", INVALID + f"The tag key prefix aws: is reserved for AWS use; tag key: {key}")
        assert refused(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": key, "Value": "v"}]) == msg
        assert refused(ddb.untag_resource, ResourceArn=arn, TagKeys=[key]) == msg
    assert refused(ddb.create_table, TableName=table_name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   BillingMode="PAY_PER_REQUEST", Tags=[{"Key": "aws:x", "Value": "v"}]) == (
        "ValidationException", INVALID + "The tag key prefix aws: is reserved for AWS use; tag key: aws:x")
    assert table_name not in ddb.list_tables()["TableNames"]
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "a_.:/=+-@ 1", "Value": "Ünï cödé 9"}]


@pytest.mark.ddbd_only
def test_tags_at_most_50_and_not_on_an_index(ddb, create, table_name):
    """50 tags a resource; only a table has tags, not its indexes."""
    name = create(table_name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                        {"AttributeName": "g", "AttributeType": "S"}],
                  GlobalSecondaryIndexes=[{"IndexName": "gix", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                               "Projection": {"ProjectionType": "ALL"}}])
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    too_many = ("ValidationException", INVALID + "The number of tags exceeds the limit of 50")
    assert refused(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)]) == too_many
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert refused(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "v"}]) == too_many
    index_arn = arn + "/index/gix"
    bad = ("ValidationException", f"Invalid TableArn: Invalid ResourceArn provided as input {index_arn}")
    assert refused(ddb.tag_resource, ResourceArn=index_arn, Tags=[{"Key": "k", "Value": "v"}]) == bad
    assert refused(ddb.untag_resource, ResourceArn=index_arn, TagKeys=["k0"]) == bad
    assert refused(ddb.list_tags_of_resource, ResourceArn=index_arn) == bad
    assert len(ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]) == 50


# ---- operands in parentheses ---------------------------------------------------------------

def test_parenthesised_operands(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": S("a"), "a": S("q"), "n": {"N": "1"}})
    vals = {":v": S("q"), ":n": {"N": "1"}}
    for text in ["(a) = :v", "a = (:v)", "((a) = :v)", "(size(a)) = :n", "size((a)) = :n",
                 "(a) BETWEEN (:v) AND :v", "a IN ((:v))", "begins_with((a), :v)", "(a) = :v AND (n) = :n",
                 "NOT (a) <> :v"]:
        used = {k: v for k, v in vals.items() if k in text}
        ddb.put_item(TableName=table, Item={"pk": S("a"), "a": S("q"), "n": {"N": "1"}},
                     ConditionExpression=text, ExpressionAttributeValues=used)
    for text in ["((a)) = :v", "(((a) = :v))", "a = ((:v))"]:
        assert refused(ddb.put_item, TableName=table, Item={"pk": S("a")}, ConditionExpression=text,
                       ExpressionAttributeValues={":v": S("q")}) == (
            "ValidationException", "Invalid ConditionExpression: The expression has redundant parentheses;")
    got = ddb.scan(TableName=table, FilterExpression="(a) = :v", ExpressionAttributeValues={":v": S("q")})
    assert got["Count"] == 1
    got = ddb.query(TableName=table, KeyConditionExpression="(pk) = :p", ExpressionAttributeValues={":p": S("a")})
    assert got["Count"] == 1
    ddb.update_item(TableName=table, Key={"pk": S("a")}, UpdateExpression="SET n = (n) + (:n), b = (:v)",
                    ExpressionAttributeValues=vals)
    item = ddb.get_item(TableName=table, Key={"pk": S("a")})["Item"]
    assert item["n"] == {"N": "2"} and item["b"] == S("q")
