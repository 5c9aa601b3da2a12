"""Validation DynamoDB does that ddbd used to skip (issue #21, outcome 5).

Every expected message here is DynamoDB Local's answer to the same request,
byte for byte; the file passes against it (DDB_ENDPOINT=...). Where Local
deviates from AWS's documentation the test follows the documentation and
says so.
"""
import botocore.exceptions
import pytest

from conftest import error_of, eventually

V = {":v": {"S": "q"}}
N = {":n": {"N": "1"}}
L = {":l": {"L": []}}
DEEP33 = ".".join(["a"] * 33)

PARENS = "The expression has redundant parentheses;"
DISTINCT = ("The first operand must be distinct from the remaining operands for this operator or "
            "function; operator: {}, first operand: {}")
USED_THIS_WAY = "The function is not allowed to be used this way in an expression; function: {}"
IN_CONDITION = "The function is not allowed in a condition expression; function: {}"
OPERAND_N = "Incorrect operand type for operator or function; operator or function: {}, operand type: N"
TOO_DEEP = "The document path has too many nesting levels; nesting levels: {}"
TOO_MANY = "The expression contains too many operators; operator count: 301"


def refused(call, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(**kw)
    return error_of(e)


CONDITIONS = [
    # a group that is all one other group; checked once the text parses,
    # ahead of the other findings
    ("((a = :v))", V, PARENS),
    ("a = :v AND ((a = :v))", V, PARENS),
    ("(((a = :v)) AND (a = :v))", V, PARENS),
    ("NOT ((a = :v))", V, PARENS),
    ("((attribute_exists(a)))", None, PARENS),
    ("a = a AND ((a = :v))", V, PARENS),
    ("((attribute_exists(" + DEEP33 + ")))", None, PARENS),
    ("(" * 1500 + "a = :v" + ")" * 1500, V, PARENS),
    # the same path as first and a later operand
    ("contains(a, a)", None, DISTINCT.format("contains", "[a]")),
    ("begins_with(a, a)", None, DISTINCT.format("begins_with", "[a]")),
    ("attribute_type(a, a)", None, DISTINCT.format("attribute_type", "[a]")),
    ("a = a", None, DISTINCT.format("=", "[a]")),
    ("a <> a", None, DISTINCT.format("<>", "[a]")),
    ("a < a", None, DISTINCT.format("<", "[a]")),
    ("a.b = a.b", None, DISTINCT.format("=", "[a, b]")),
    ("a[1].b = a[1].b", None, DISTINCT.format("=", "[a, [1], b]")),
    ("a BETWEEN :v AND a", V, DISTINCT.format("BETWEEN", "[a]")),
    ("a BETWEEN a AND a", None, DISTINCT.format("BETWEEN", "[a]")),
    ("a IN (:v, a)", V, DISTINCT.format("IN", "[a]")),
    # update functions in a condition
    ("if_not_exists(a, :v) = :v", V, IN_CONDITION.format("if_not_exists")),
    ("a = if_not_exists(a, :v)", V, IN_CONDITION.format("if_not_exists")),
    ("list_append(a, :v)", V, IN_CONDITION.format("list_append")),
    # size is a number
    ("size(size(a)) > :n", N, OPERAND_N.format("size")),
    ("begins_with(size(a), :v)", V, OPERAND_N.format("begins_with")),
    ("begins_with(a, size(b))", None, OPERAND_N.format("begins_with")),
    # document paths of more than 32 steps (a list index is a step)
    ("attribute_exists(" + DEEP33 + ")", None, TOO_DEEP.format(33)),
    ("attribute_exists(a" + "[0]" * 33 + ")", None, TOO_DEEP.format(34)),
    # operators and functions count alike, 300 at most
    (" AND ".join(["attribute_exists(a)"] * 151), None, TOO_MANY),
    (" AND ".join(["size(a) = :n"] * 101), N, TOO_MANY),
    ("NOT (" * 300 + "a = :v" + ")" * 300, V, TOO_MANY),
]


@pytest.mark.parametrize("text,values,message", CONDITIONS)
def test_condition_refused(ddb, table, text, values, message):
    kw = {"TableName": table, "Key": {"pk": {"S": "a"}}, "ConditionExpression": text}
    if values:
        kw["ExpressionAttributeValues"] = values
    assert refused(ddb.delete_item, **kw) == ("ValidationException", "Invalid ConditionExpression: " + message)


def test_path_names_count_as_the_path(ddb, table):
    assert refused(ddb.delete_item, TableName=table, Key={"pk": {"S": "a"}},
                   ConditionExpression="contains(#x, a)", ExpressionAttributeNames={"#x": "a"}) == (
        "ValidationException", "Invalid ConditionExpression: " + DISTINCT.format("contains", "[a]"))
    assert refused(ddb.delete_item, TableName=table, Key={"pk": {"S": "a"}},
                   ConditionExpression="attribute_exists(" + ".".join(["#a"] * 33) + ")",
                   ExpressionAttributeNames={"#a": "a"}) == (
        "ValidationException", "Invalid ConditionExpression: " + TOO_DEEP.format(33))


def test_redundant_parentheses_before_unused_values(ddb, table):
    assert refused(ddb.delete_item, TableName=table, Key={"pk": {"S": "a"}}, ConditionExpression="((a = :v))",
                   ExpressionAttributeValues={":v": {"S": "q"}, ":w": {"S": "x"}}) == (
        "ValidationException", "Invalid ConditionExpression: " + PARENS)


def test_filter_key_condition_and_projection(ddb, table):
    assert refused(ddb.scan, TableName=table, FilterExpression="((a = :v))", ExpressionAttributeValues=V) == (
        "ValidationException", "Invalid FilterExpression: " + PARENS)
    assert refused(ddb.query, TableName=table, KeyConditionExpression="((pk = :v))",
                   ExpressionAttributeValues=V) == ("ValidationException", "Invalid KeyConditionExpression: " + PARENS)
    assert refused(ddb.get_item, TableName=table, Key={"pk": {"S": "a"}}, ProjectionExpression=DEEP33) == (
        "ValidationException", "Invalid ProjectionExpression: " + TOO_DEEP.format(33))


UPDATES = [
    ("SET a = list_append(list_append(a, :l), :l)", L, USED_THIS_WAY.format("list_append")),
    ("SET a = if_not_exists(a, list_append(a, :l))", L, USED_THIS_WAY.format("list_append")),
    ("SET a = list_append(:l, list_append(a, :l))", L, USED_THIS_WAY.format("list_append")),
    ("SET a = list_append(a, :l) + :n", {**L, **N}, USED_THIS_WAY.format("list_append")),
    ("SET a = if_not_exists(a, :n + :n)", N, 'Syntax error; token: "+", near: ":n + :n"'),
    ("SET a = if_not_exists(a, a)", None, DISTINCT.format("if_not_exists", "[a]")),
    ("SET " + DEEP33 + " = :v", V, TOO_DEEP.format(33)),
]


@pytest.mark.parametrize("text,values,message", UPDATES)
def test_update_refused(ddb, table, text, values, message):
    kw = {"TableName": table, "Key": {"pk": {"S": "a"}}, "UpdateExpression": text}
    if values:
        kw["ExpressionAttributeValues"] = values
    assert refused(ddb.update_item, **kw) == ("ValidationException", "Invalid UpdateExpression: " + message)


def test_legal_forms_still_work(ddb, table):
    """Groups with a reason to exist, deep nesting within the limits, nested
    if_not_exists and a 32-step path all parse and evaluate."""
    key = {"pk": {"S": "a"}}
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "a": {"S": "q"}, "n": {"N": "1"}})
    nested = "a = :v"
    for _ in range(100):
        nested = f"a = :v AND ({nested})"
    for text in ["(a = :v)", "(a = :v) AND (a = :v)", "((a = :v) AND (a = :v))", "(NOT (a <> :v))",
                 "NOT (" * 100 + "a = :v" + ")" * 100, "NOT " * 299 + "a <> :v", nested,
                 " AND ".join(["attribute_exists(a)"] * 150), "size(a) = size(a)", "contains(a, :v)"]:
        ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "a": {"S": "q"}, "n": {"N": "1"}},
                     ConditionExpression=text, **({"ExpressionAttributeValues": V} if ":v" in text else {}))
    ddb.update_item(TableName=table, Key=key, UpdateExpression="SET b = if_not_exists(a, if_not_exists(a, :v))",
                    ExpressionAttributeValues=V)
    ddb.update_item(TableName=table, Key=key, UpdateExpression="SET c = list_append(if_not_exists(c, :l), :l)",
                    ExpressionAttributeValues=L)
    assert refused(ddb.delete_item, TableName=table, Key=key,
                   ConditionExpression="attribute_exists(" + ".".join(["a"] * 32) + ")")[0] == (
        "ConditionalCheckFailedException")
    item = ddb.get_item(TableName=table, Key=key)["Item"]
    assert item["b"] == {"S": "q"} and item["c"] == {"L": []}



# ---- filters on key attributes ----------------------------------------------------------------

@pytest.fixture
def keyed(ddb, table_name):
    """A table keyed pk/sk with a GSI `gix` keyed g, holding one item."""
    ddb.create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g")],
        GlobalSecondaryIndexes=[{"IndexName": "gix", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    ddb.put_item(TableName=table_name, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "g": {"S": "a"}, "a": {"S": "x"}})
    yield table_name
    ddb.delete_table(TableName=table_name)


KEY_ONLY = "{} can only contain non-primary key attributes: Primary key attribute: {}"


@pytest.mark.parametrize("text,names,values,key", [
    ("pk = :v", None, V, "pk"),
    ("sk = :v", None, V, "sk"),
    ("a = pk", None, None, "pk"),                      # compared with a key attribute
    ("begins_with(a, sk)", None, None, "sk"),
    ("attribute_exists(sk)", None, None, "sk"),
    ("size(sk) > :n", None, N, "sk"),
    ("#k = :v", {"#k": "sk"}, V, "sk"),
    ("sk = :v AND pk = :v", None, V, "pk"),            # the hash key is reported first
])
def test_query_filter_on_table_key_refused(ddb, keyed, text, names, values, key):
    kw = {"TableName": keyed, "KeyConditionExpression": "pk = :p", "FilterExpression": text,
          "ExpressionAttributeValues": {":p": {"S": "a"}, **(values or {})}}
    if names:
        kw["ExpressionAttributeNames"] = names
    assert refused(ddb.query, **kw) == ("ValidationException", KEY_ONLY.format("Filter Expression", key))


def test_query_filter_on_nested_key_path_refused(ddb, keyed):
    assert refused(ddb.query, TableName=keyed, KeyConditionExpression="pk = :p", FilterExpression="pk.x = :v",
                   ExpressionAttributeValues={":p": {"S": "a"}, **V}) == (
        "ValidationException", "Key attributes must be scalars; list random access '[]' and map lookup '.' "
        "are not allowed: Key: pk")


def test_query_filter_on_index_key(ddb, keyed):
    """On an index the index's key is off limits, the table's is not."""
    vals = {":p": {"S": "a"}, **V}
    assert refused(ddb.query, TableName=keyed, IndexName="gix", KeyConditionExpression="g = :p",
                   FilterExpression="g = :v", ExpressionAttributeValues=vals) == (
        "ValidationException", KEY_ONLY.format("Filter Expression", "g"))
    got = eventually(lambda: ddb.query(TableName=keyed, IndexName="gix", KeyConditionExpression="g = :p",
                                       FilterExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}}),
                     lambda got: got["Count"] == 1)
    assert got["Count"] == 1
    # a Scan may filter on any attribute, and a table Query on the GSI's key
    assert ddb.scan(TableName=keyed, FilterExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}})[
        "Count"] == 1
    assert ddb.query(TableName=keyed, KeyConditionExpression="pk = :p", FilterExpression="g = :p",
                     ExpressionAttributeValues={":p": {"S": "a"}})["Count"] == 1


def test_query_filter_legacy(ddb, keyed):
    eq = {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}
    assert refused(ddb.query, TableName=keyed, KeyConditions={"pk": eq}, QueryFilter={"sk": eq}) == (
        "ValidationException", KEY_ONLY.format("QueryFilter", "sk"))
    assert refused(ddb.query, TableName=keyed, KeyConditions={"pk": eq},
                   QueryFilter={"pk": {"ComparisonOperator": "NOT_NULL"}}) == (
        "ValidationException", KEY_ONLY.format("QueryFilter", "pk"))
    assert refused(ddb.query, TableName=keyed, IndexName="gix", KeyConditions={"g": eq},
                   QueryFilter={"g": {"ComparisonOperator": "NOT_NULL"}}) == (
        "ValidationException", KEY_ONLY.format("QueryFilter", "g"))


def test_unused_values_come_before_the_key_check(ddb, keyed):
    assert refused(ddb.query, TableName=keyed, KeyConditionExpression="pk = :p", FilterExpression="pk = :v",
                   ExpressionAttributeValues={":p": {"S": "a"}, ":v": {"S": "q"}, ":w": {"S": "x"}}) == (
        "ValidationException", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}")


# ---- legacy operators ----------------------------------------------------------------------------

INVALID = "One or more parameter values were invalid: "
NOT_VALID = INVALID + "ComparisonOperator {} is not valid for {} AttributeValue type"
SAME_TYPE = INVALID + "AttributeValues inside AttributeValueList must be of same type"
REVERSED = "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"

LEGACY = [
    ("BETWEEN", [{"N": "5"}, {"N": "1"}], REVERSED),
    ("BETWEEN", [{"S": "b"}, {"S": "a"}], REVERSED),
    ("BETWEEN", [{"N": "1"}, {"S": "5"}], SAME_TYPE),
    ("BETWEEN", [{"L": []}, {"L": []}], NOT_VALID.format("BETWEEN", "L")),
    ("BEGINS_WITH", [{"N": "1"}], NOT_VALID.format("BEGINS_WITH", "N")),
    ("BEGINS_WITH", [{"L": []}], NOT_VALID.format("BEGINS_WITH", "L")),
    ("IN", [{"S": "1"}, {"N": "2"}], SAME_TYPE),
    ("IN", [{"S": "x"}, {"L": []}], NOT_VALID.format("IN", "L")),
    ("IN", [{"BOOL": True}], NOT_VALID.format("IN", "BOOL")),
    ("LT", [{"L": []}], NOT_VALID.format("LT", "L")),
    ("GT", [{"M": {}}], NOT_VALID.format("GT", "M")),
    ("GE", [{"SS": ["x"]}], NOT_VALID.format("GE", "SS")),
    ("LE", [{"BOOL": True}], NOT_VALID.format("LE", "BOOL")),
    ("LT", [{"NULL": True}], NOT_VALID.format("LT", "NULL")),
    ("CONTAINS", [{"SS": ["x"]}], NOT_VALID.format("CONTAINS", "SS")),
    ("CONTAINS", [{"L": []}], NOT_VALID.format("CONTAINS", "L")),
    ("CONTAINS", [{"M": {}}], NOT_VALID.format("CONTAINS", "M")),
    ("NOT_CONTAINS", [{"NS": ["1"]}], NOT_VALID.format("NOT_CONTAINS", "NS")),
]


@pytest.mark.parametrize("op,values,message", LEGACY)
def test_legacy_operands_refused(ddb, keyed, op, values, message):
    cond = {"a": {"ComparisonOperator": op, "AttributeValueList": values}}
    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
    assert refused(ddb.delete_item, TableName=keyed, Key=key, Expected=cond) == ("ValidationException", message)
    assert refused(ddb.scan, TableName=keyed, ScanFilter=cond) == ("ValidationException", message)
    assert refused(ddb.query, TableName=keyed, QueryFilter=cond, KeyConditions={
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}}) == ("ValidationException", message)


def test_legacy_operands_checked_in_order_and_in_key_conditions(ddb, keyed):
    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
    two = {"a": {"ComparisonOperator": "LT", "AttributeValueList": [{"L": []}]},
           "b": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}]}}
    assert refused(ddb.delete_item, TableName=keyed, Key=key, Expected=two) == (
        "ValidationException", NOT_VALID.format("LT", "L"))
    pk = {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}
    assert refused(ddb.query, TableName=keyed, KeyConditions={
        "pk": pk, "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "b"}, {"S": "a"}]}}) == (
        "ValidationException", REVERSED)
    assert refused(ddb.query, TableName=keyed, KeyConditions={
        "pk": pk, "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "1"}]}}) == (
        "ValidationException", NOT_VALID.format("BEGINS_WITH", "N"))


def test_legacy_operands_still_accepted(ddb, keyed):
    """EQ/NE take any type, CONTAINS a scalar, BOOL or NULL, BEGINS_WITH a binary."""
    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
    for op, values in [("EQ", [{"L": []}]), ("CONTAINS", [{"BOOL": True}]), ("CONTAINS", [{"NULL": True}]),
                       ("CONTAINS", [{"N": "1"}]), ("BEGINS_WITH", [{"B": b"\x00"}])]:
        assert refused(ddb.delete_item, TableName=keyed, Key=key, Expected={
            "a": {"ComparisonOperator": op, "AttributeValueList": values}})[0] == "ConditionalCheckFailedException"
    ddb.delete_item(TableName=keyed, Key=key, Expected={
        "a": {"ComparisonOperator": "NE", "AttributeValueList": [{"L": []}]}})


def test_conditional_operator_needs_conditions(ddb, keyed):
    msg = ("ValidationException", "ConditionalOperator cannot be used without Filter or Expected")
    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
    assert refused(ddb.delete_item, TableName=keyed, Key=key, Expected={}, ConditionalOperator="AND") == msg
    assert refused(ddb.scan, TableName=keyed, ScanFilter={}, ConditionalOperator="AND") == msg
    assert refused(ddb.query, TableName=keyed, QueryFilter={}, ConditionalOperator="OR", KeyConditions={
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}}) == msg
    ddb.delete_item(TableName=keyed, Key=key, Expected={})  # without it, an empty Expected is fine


# ---- ExclusiveStartKey ---------------------------------------------------------------------------

RANGE_PREDICATE = "The provided starting key does not match the range key predicate"


@pytest.mark.parametrize("condition,values,start_sk", [
    ("sk > :s", {":s": {"S": "5"}}, "1"),
    ("sk >= :s", {":s": {"S": "5"}}, "4"),
    ("sk < :s", {":s": {"S": "5"}}, "5"),
    ("sk BETWEEN :s AND :t", {":s": {"S": "2"}, ":t": {"S": "3"}}, "9"),
    ("begins_with(sk, :s)", {":s": {"S": "5"}}, "1"),
])
def test_query_start_key_outside_the_sort_key_condition(ddb, keyed, condition, values, start_sk):
    assert refused(ddb.query, TableName=keyed, KeyConditionExpression="pk = :p AND " + condition,
                   ExpressionAttributeValues={":p": {"S": "a"}, **values},
                   ExclusiveStartKey={"pk": {"S": "a"}, "sk": {"S": start_sk}}) == (
        "ValidationException", RANGE_PREDICATE)


def test_query_start_key_inside_the_condition(ddb, keyed):
    """(A start key equal to an inclusive upper bound, `sk <= :s` at :s, is
    left out: DynamoDB Local refuses it though it lies in the range, while
    it takes one equal to an inclusive lower bound; ddbd takes both.)"""
    for condition, values, start_sk in [("sk > :s", {":s": {"S": "0"}}, "1"), ("sk <= :s", {":s": {"S": "5"}}, "4"),
                                        ("sk >= :s", {":s": {"S": "5"}}, "5"), ("sk = :s", {":s": {"S": "5"}}, "5"),
                                        ("begins_with(sk, :s)", {":s": {"S": "1"}}, "1"),
                                        ("sk BETWEEN :s AND :t", {":s": {"S": "0"}, ":t": {"S": "1"}}, "0")]:
        got = ddb.query(TableName=keyed, KeyConditionExpression="pk = :p AND " + condition,
                        ExpressionAttributeValues={":p": {"S": "a"}, **values},
                        ExclusiveStartKey={"pk": {"S": "a"}, "sk": {"S": start_sk}})
        assert got["Count"] == (1 if start_sk == "0" else 0)
    # another partition, as before
    assert refused(ddb.query, TableName=keyed, KeyConditionExpression="pk = :p",
                   ExpressionAttributeValues={":p": {"S": "a"}},
                   ExclusiveStartKey={"pk": {"S": "b"}, "sk": {"S": "1"}}) == ("ValidationException", RANGE_PREDICATE)
    # legacy KeyConditions too
    assert refused(ddb.query, TableName=keyed, KeyConditions={
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
        "sk": {"ComparisonOperator": "GT", "AttributeValueList": [{"S": "5"}]}},
        ExclusiveStartKey={"pk": {"S": "a"}, "sk": {"S": "1"}}) == ("ValidationException", RANGE_PREDICATE)


def test_scan_start_key_must_lie_in_the_segment(ddb, keyed):
    """Which segment holds a key is the server's business; the key of the
    one item is found in its segment, then refused in every other."""
    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
    total = 4
    home = [s for s in range(total)
            if ddb.scan(TableName=keyed, Segment=s, TotalSegments=total)["Count"] == 1]
    assert len(home) == 1
    for s in range(total):
        if s == home[0]:
            got = ddb.scan(TableName=keyed, Segment=s, TotalSegments=total, ExclusiveStartKey=key)
            assert got["Count"] == 0
        else:
            assert refused(ddb.scan, TableName=keyed, Segment=s, TotalSegments=total, ExclusiveStartKey=key) == (
                "ValidationException", "Exclusive start key must lie within the segment")


# ---- DescribeStream's ShardFilter ----------------------------------------------------------------

def stream_call(endpoint, target, body):
    """A raw Streams request: this botocore's model has no ShardFilter."""
    import http.client
    import json
    import urllib.parse
    u = urllib.parse.urlparse(endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("POST", "/", json.dumps(body), {
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"DynamoDBStreams_20120810.{target}",
        "X-Amz-Date": "20260101T000000Z",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/dynamodb/aws4_request, "
                         "SignedHeaders=host;x-amz-date, Signature=0123abcd"})
    resp = conn.getresponse()
    out = json.loads(resp.read() or b"{}")
    conn.close()
    return resp.status, out


@pytest.mark.ddbd_only
def test_describe_stream_shard_filter():
    """ShardFilter {"Type": "CHILD_SHARDS", "ShardId": parent} lists the
    parent's children only. ddbd_only: DynamoDB Local ignores ShardFilter
    altogether (it lists every shard, and takes any Type or ShardId); this
    follows AWS's API reference (Type: CHILD_SHARDS only; ShardId: length 28
    to 65), with the model's standard constraint messages."""
    import time

    from conftest import Ddbd, make_client
    server = Ddbd(extra=["--shard-rollover", "1"]).start()
    try:
        c = make_client(server.endpoint)
        c.create_table(TableName="rolls", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST",
                       StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        arn = c.describe_table(TableName="rolls")["Table"]["LatestStreamArn"]
        c.put_item(TableName="rolls", Item={"pk": {"S": "a"}})
        time.sleep(1.1)
        c.put_item(TableName="rolls", Item={"pk": {"S": "b"}})  # the first shard rolls over
        status, out = stream_call(server.endpoint, "DescribeStream", {"StreamArn": arn})
        shards = out["StreamDescription"]["Shards"]
        assert status == 200 and len(shards) == 2
        root, child = shards
        assert child["ParentShardId"] == root["ShardId"]

        def filtered(shard_filter):
            return stream_call(server.endpoint, "DescribeStream", {"StreamArn": arn, "ShardFilter": shard_filter})

        status, out = filtered({"Type": "CHILD_SHARDS", "ShardId": root["ShardId"]})
        assert status == 200 and out["StreamDescription"]["Shards"] == [child]
        status, out = filtered({"Type": "CHILD_SHARDS", "ShardId": child["ShardId"]})
        assert status == 200 and out["StreamDescription"]["Shards"] == []
        status, out = filtered({"Type": "CHILD_SHARDS", "ShardId": "shardId-00000000000000000000-00000000"})
        assert status == 200 and out["StreamDescription"]["Shards"] == []

        status, out = filtered({"Type": "PARENT_SHARDS", "ShardId": root["ShardId"]})
        assert status == 400 and out["message"] == (
            "1 validation error detected: Value 'PARENT_SHARDS' at 'shardFilter.type' failed to satisfy "
            "constraint: Member must satisfy enum value set: [CHILD_SHARDS]")
        status, out = stream_call(server.endpoint, "DescribeStream", {
            "StreamArn": arn, "Limit": 0, "ShardFilter": {"Type": "CHILD_SHARDS", "ShardId": "x"}})
        assert status == 400 and out["message"] == (
            "2 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: Member must have "
            "value greater than or equal to 1; Value 'x' at 'shardFilter.shardId' failed to satisfy constraint: "
            "Member must have length greater than or equal to 28")
        assert out["__type"].endswith("ValidationException")
    finally:
        server.stop()
        server.cleanup()
