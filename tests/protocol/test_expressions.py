"""Condition, update and projection expressions (and their legacy forms)
through PutItem, UpdateItem, DeleteItem and GetItem. Expected results and
messages are DynamoDB Local's unless a comment says otherwise."""
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, make_client

ITEM = {
    "pk": {"S": "a"}, "n": {"N": "5"}, "s": {"S": "héllo"},
    "l": {"L": [{"N": "1"}, {"S": "x"}, {"M": {"q": {"N": "2"}}}]},
    "m": {"M": {"b": {"N": "1"}, "c": {"SS": ["x", "y"]}}},
    "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]},
}
KEY = {"pk": {"S": "a"}}


@pytest.fixture
def t(ddb, table):
    ddb.put_item(TableName=table, Item=ITEM)
    return table


def vals(**kw):
    return {":" + k: v for k, v in kw.items()}


def get(ddb, table, key=KEY):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


# ---- conditions -----------------------------------------------------------------

@pytest.mark.parametrize("cond,values,names,holds", [
    ("attribute_exists(pk)", None, None, True),
    ("attribute_not_exists(pk)", None, None, False),
    ("attribute_not_exists(nope)", None, None, True),
    ("n = :v", vals(v={"N": "5.0"}), None, True),
    ("n <> :v", vals(v={"N": "5"}), None, False),
    ("nope <> :v", vals(v={"N": "5"}), None, True),  # a missing attribute is "not equal"
    ("n < :v", vals(v={"N": "10"}), None, True),
    ("n < :v", vals(v={"S": "10"}), None, False),  # different types never order
    ("n >= :v AND n <= :w", vals(v={"N": "5"}, w={"N": "5"}), None, True),
    ("n BETWEEN :v AND :w", vals(v={"N": "-1"}, w={"N": "4.99"}), None, False),
    ("s BETWEEN :v AND :w", vals(v={"S": "h"}, w={"S": "i"}), None, True),
    ("n IN (:v, :w)", vals(v={"N": "1"}, w={"N": "5"}), None, True),
    ("begins_with(s, :v)", vals(v={"S": "hé"}), None, True),
    ("begins_with(s, :v)", vals(v={"S": "é"}), None, False),
    ("contains(s, :v)", vals(v={"S": "ll"}), None, True),
    ("contains(ss, :v)", vals(v={"S": "b"}), None, True),
    ("contains(l, :v)", vals(v={"S": "x"}), None, True),
    ("contains(m.c, :v)", vals(v={"S": "z"}), None, False),
    ("size(s) = :v", vals(v={"N": "5"}), None, True),  # characters, not UTF-8 bytes
    ("size(l) = :v AND size(m) = :w", vals(v={"N": "3"}, w={"N": "2"}), None, True),
    ("attribute_type(m, :t)", vals(t={"S": "M"}), None, True),
    ("attribute_type(#n, :t)", vals(t={"S": "S"}), {"#n": "n"}, False),
    ("l[2].q = :v", vals(v={"N": "2"}), None, True),
    ("#m.#b = :v", vals(v={"N": "1"}), {"#m": "m", "#b": "b"}, True),
    ("NOT n = :v OR s = :w", vals(v={"N": "5"}, w={"S": "héllo"}), None, True),
    ("n = :v OR s = :w AND n = :x", vals(v={"N": "5"}, w={"S": "no"}, x={"N": "0"}), None, True),
    ("(n = :v OR s = :w) AND n = :x", vals(v={"N": "5"}, w={"S": "no"}, x={"N": "0"}), None, False),
])
def test_condition_truth(ddb, t, cond, values, names, holds):
    kw = {"ConditionExpression": cond}
    if values:
        kw["ExpressionAttributeValues"] = values
    if names:
        kw["ExpressionAttributeNames"] = names
    item = dict(ITEM, marker={"S": "written"})
    if holds:
        ddb.put_item(TableName=t, Item=item, **kw)
        assert get(ddb, t)["marker"] == {"S": "written"}
    else:
        with pytest.raises(ClientError) as e:
            ddb.put_item(TableName=t, Item=item, **kw)
        assert error_of(e) == ("ConditionalCheckFailedException", "The conditional request failed")
        assert "marker" not in get(ddb, t)


@pytest.mark.parametrize("cond,values,names,message", [
    ("a = = :v", vals(v={"N": "1"}), None,
     'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v"'),
    ("a = :v OR", vals(v={"N": "1"}), None,
     'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "OR"'),
    ("a @ :v", vals(v={"N": "1"}), None,
     'Invalid ConditionExpression: Syntax error; token: "@", near: "a @ :v"'),
    ("Status = :v", vals(v={"N": "1"}), None,
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Status"),
    ("foo(a)", None, None, "Invalid ConditionExpression: Invalid function name; function: foo"),
    ("size(a)", None, None,
     "Invalid ConditionExpression: The function is not allowed to be used this way in an "
     "expression; function: size"),
    ("attribute_exists(a, b)", None, None,
     "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
     "operator or function: attribute_exists, number of operands: 2"),
    ("attribute_exists(:v)", vals(v={"N": "1"}), None,
     "Invalid ConditionExpression: Operator or function requires a document path; operator or "
     "function: attribute_exists"),
    ("attribute_type(a, :v)", vals(v={"S": "X"}), None,
     "Invalid ConditionExpression: Invalid attribute type name found; type: X, valid types: "
     "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}"),
    ("begins_with(a, :v)", vals(v={"N": "1"}), None,
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: begins_with, operand type: N"),
    ("a BETWEEN :h AND :l", vals(h={"N": "5"}, l={"N": "1"}), None,
     "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than "
     "or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: "
     "AttributeValue: {N:1}"),
    ("a < :v", vals(v={"BOOL": True}), None,
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: <, operand type: BOOL"),
    ("a IN (" + ",".join([":v"] * 101) + ")", vals(v={"N": "1"}), None,
     "Invalid ConditionExpression: The IN operator is provided with too many operands; number of "
     "operands: 101"),
    ("#x = :v", vals(v={"N": "1"}), None,
     "Invalid ConditionExpression: An expression attribute name used in the document path is not "
     "defined; attribute name: #x"),
    ("a = :nope", vals(v={"N": "1"}), None,
     "Invalid ConditionExpression: An expression attribute value used in expression is not "
     "defined; attribute value: :nope"),
    ("a = :v", vals(v={"N": "1"}, w={"N": "2"}), None,
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"),
    ("a = :v", vals(v={"N": "1"}), {"#u": "u"},
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}"),
    ("a = :v", {"v": {"N": "1"}}, None,
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "v"'),
    ("a = :v", {}, None, "ExpressionAttributeValues must not be empty"),
    ("a = :v", vals(v={"SS": []}), None,
     "ExpressionAttributeValues contains invalid value: One or more parameter values were "
     "invalid: An string set  may not be empty for key :v"),
    ("", None, None, "Invalid ConditionExpression: The expression can not be empty;"),
])
def test_condition_errors(ddb, t, cond, values, names, message):
    kw = {"ConditionExpression": cond}
    if values is not None:
        kw["ExpressionAttributeValues"] = values
    if names:
        kw["ExpressionAttributeNames"] = names
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=t, Item={"pk": {"S": "a"}}, **kw)
    assert error_of(e) == ("ValidationException", message)
    assert get(ddb, t) == ITEM


def test_values_without_expression(ddb, t):
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=t, Item=KEY, ExpressionAttributeValues=vals(v={"N": "1"}))
    assert error_of(e) == ("ValidationException", "ExpressionAttributeValues can only be specified "
                           "when using expressions: ConditionExpression is null")
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=t, Key=KEY, ExpressionAttributeValues=vals(v={"N": "1"}))
    assert error_of(e) == ("ValidationException", "ExpressionAttributeValues can only be specified "
                           "when using expressions: UpdateExpression and ConditionExpression are null")
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName=t, Key=KEY, ExpressionAttributeNames={"#a": "a"})
    assert error_of(e) == ("ValidationException",
                           "ExpressionAttributeNames can only be specified when using expressions")


def test_mixing_legacy_and_expressions(ddb, t):
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=t, Key=KEY, UpdateExpression="SET a = :z",
                        Expected={"n": {"Value": {"N": "1"}}}, ExpressionAttributeValues=vals(z={"S": "1"}))
    assert error_of(e) == ("ValidationException", "Can not use both expression and non-expression "
                           "parameters in the same request: Non-expression parameters: {Expected} "
                           "Expression parameters: {UpdateExpression}")
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName=t, Key=KEY, ProjectionExpression="a", AttributesToGet=["a"])
    assert error_of(e)[0] == "ValidationException"


def test_delete_with_condition(ddb, t):
    with pytest.raises(ClientError) as e:
        ddb.delete_item(TableName=t, Key=KEY, ConditionExpression="n > :v",
                        ExpressionAttributeValues=vals(v={"N": "5"}))
    assert error_of(e)[0] == "ConditionalCheckFailedException"
    out = ddb.delete_item(TableName=t, Key=KEY, ConditionExpression="n = :v",
                          ExpressionAttributeValues=vals(v={"N": "5"}), ReturnValues="ALL_OLD")
    assert out["Attributes"]["n"] == {"N": "5"}
    assert get(ddb, t) is None


@pytest.mark.ddbd_only  # Debian's botocore predates ReturnValuesOnConditionCheckFailure
def test_condition_failure_returns_item(endpoint, t):
    from test_protocol import raw
    body = {"TableName": t, "Item": {"pk": {"S": "a"}}, "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    status, _, data = raw(endpoint, json.dumps(body).encode(), target="DynamoDB_20120810.PutItem")
    doc = json.loads(data)
    assert status == 400 and doc["__type"].endswith("#ConditionalCheckFailedException")
    assert doc["Item"]["n"] == {"N": "5"}
    body["ReturnValuesOnConditionCheckFailure"] = "NONE"
    status, _, data = raw(endpoint, json.dumps(body).encode(), target="DynamoDB_20120810.PutItem")
    assert "Item" not in json.loads(data)


# ---- projections -----------------------------------------------------------------

@pytest.mark.parametrize("proj,names,want", [
    ("l[2].q, m.c, s", None, {"l": {"L": [{"M": {"q": {"N": "2"}}}]}, "m": {"M": {"c": {"SS": ["x", "y"]}}},
                              "s": {"S": "héllo"}}),
    ("l[1], l[0]", None, {"l": {"L": [{"N": "1"}, {"S": "x"}]}}),
    ("#x, nope", {"#x": "n"}, {"n": {"N": "5"}}),
])
def test_projection(ddb, t, proj, names, want):
    kw = {"ProjectionExpression": proj}
    if names:
        kw["ExpressionAttributeNames"] = names
    got = ddb.get_item(TableName=t, Key=KEY, **kw)["Item"]
    if "m" in got:
        got["m"]["M"]["c"]["SS"].sort()
    assert got == want


@pytest.mark.parametrize("proj,message", [
    ("m, m.b", "Invalid ProjectionExpression: Two document paths overlap with each other; must "
               "remove or rewrite one of these paths; path one: [m], path two: [m, b]"),
    ("name", "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name"),
    ("a,,b", 'Invalid ProjectionExpression: Syntax error; token: ",", near: ",,b"'),
])
def test_projection_errors(ddb, t, proj, message):
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName=t, Key=KEY, ProjectionExpression=proj)
    assert error_of(e) == ("ValidationException", message)


# ---- updates ---------------------------------------------------------------------

def update(ddb, t, expr, values=None, names=None, rv="ALL_NEW", key=KEY, **kw):
    args = {"TableName": t, "Key": key, "UpdateExpression": expr, "ReturnValues": rv, **kw}
    if values:
        args["ExpressionAttributeValues"] = values
    if names:
        args["ExpressionAttributeNames"] = names
    return ddb.update_item(**args).get("Attributes")


def test_set_arithmetic_and_return_values(ddb, t):
    assert update(ddb, t, "SET n = n + :one", vals(one={"N": "1"}), rv="UPDATED_NEW") == {"n": {"N": "6"}}
    assert update(ddb, t, "SET n = n - :x, s = :s", vals(x={"N": "1.5"}, s={"S": "z"}),
                  rv="UPDATED_OLD") == {"n": {"N": "6"}, "s": {"S": "héllo"}}
    assert get(ddb, t)["n"] == {"N": "4.5"}
    assert update(ddb, t, "SET n = :a + :b", vals(a={"N": "0.1"}, b={"N": "0.2"}), rv="UPDATED_NEW") == \
        {"n": {"N": "0.3"}}
    assert update(ddb, t, "SET q = if_not_exists(q, :z)", vals(z={"N": "0"}), rv="UPDATED_NEW") == {"q": {"N": "0"}}
    assert update(ddb, t, "SET q = if_not_exists(q, :z)", vals(z={"N": "9"}), rv="UPDATED_NEW") == {"q": {"N": "0"}}
    new = update(ddb, t, "SET l = list_append(l, :v), m.b = :z",
                 vals(v={"L": [{"S": "end"}]}, z={"N": "7"}))
    assert new["l"]["L"][-1] == {"S": "end"} and new["m"]["M"]["b"] == {"N": "7"}


def test_add_delete_remove(ddb, t):
    new = update(ddb, t, "ADD ns :v, cnt :one", vals(v={"NS": ["3", "1"]}, one={"N": "1"}))
    assert sorted(new["ns"]["NS"]) == ["1", "2", "3"] and new["cnt"] == {"N": "1"}
    new = update(ddb, t, "DELETE ss :v", vals(v={"SS": ["a", "b"]}))
    assert "ss" not in new
    old = update(ddb, t, "REMOVE l[0], l[1], m.b", rv="UPDATED_OLD")
    assert old["l"]["L"][0] == {"N": "1"}  # l[0] as it was (the updated elements only)
    assert get(ddb, t)["l"] == {"L": [{"M": {"q": {"N": "2"}}}]}
    assert "b" not in get(ddb, t)["m"]["M"]


def test_update_creates_item(ddb, t):
    key = {"pk": {"S": "new"}}
    assert update(ddb, t, "SET a = :z", vals(z={"S": "1"}), key=key) == {"pk": {"S": "new"}, "a": {"S": "1"}}
    out = ddb.update_item(TableName=t, Key={"pk": {"S": "bare"}}, ReturnValues="ALL_NEW")
    assert out["Attributes"] == {"pk": {"S": "bare"}}


def test_update_with_condition(ddb, t):
    with pytest.raises(ClientError) as e:
        update(ddb, t, "SET a = :z", vals(z={"S": "1"}, y={"N": "100"}), ConditionExpression="n > :y")
    assert error_of(e)[0] == "ConditionalCheckFailedException"
    assert "a" not in get(ddb, t)


@pytest.mark.parametrize("expr,values,message", [
    ("SET pk = :z", vals(z={"S": "0"}),
     "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"),
    ("SET a = :z, a.b = :z", vals(z={"S": "0"}),
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite "
     "one of these paths; path one: [a], path two: [a, b]"),
    ("SET a.b = :z REMOVE a[0]", vals(z={"S": "0"}),
     "Invalid UpdateExpression: Two document paths conflict with each other; must remove or "
     "rewrite one of these paths; path one: [a, b], path two: [a, [0]]"),
    ("SET x.y = :z", vals(z={"S": "0"}),
     "The document path provided in the update expression is invalid for update"),
    ("SET s = s + :z", vals(z={"N": "1"}),
     "An operand in the update expression has an incorrect data type"),
    ("SET w = nothere + :z", vals(z={"N": "1"}),
     "The provided expression refers to an attribute that does not exist in the item"),
    ("ADD s :z", vals(z={"S": "1"}),
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, "
     "operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"),
    ("SET a = :z SET b = :z", vals(z={"S": "1"}),
     'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;'),
    ("SET a = size(s)", None,
     "Invalid UpdateExpression: The function is not allowed in an update expression; function: size"),
    ("REMOVE a ADD", None, 'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "ADD"'),
])
def test_update_errors(ddb, t, expr, values, message):
    with pytest.raises(ClientError) as e:
        update(ddb, t, expr, values)
    assert error_of(e) == ("ValidationException", message)
    assert get(ddb, t) == ITEM


# ---- legacy parameters -------------------------------------------------------------

def test_legacy_expected_and_attribute_updates(ddb, t):
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=t, Item=KEY, Expected={"n": {"ComparisonOperator": "GT",
                                                            "AttributeValueList": [{"N": "5"}]}})
    assert error_of(e)[0] == "ConditionalCheckFailedException"
    ddb.put_item(TableName=t, Item={"pk": {"S": "zz"}}, Expected={"n": {"Exists": False}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=t, Item={"pk": {"S": "zz"}}, Expected={"n": {"Exists": True}})
    assert error_of(e)[0] == "ValidationException"
    out = ddb.update_item(TableName=t, Key={"pk": {"S": "new3"}}, ReturnValues="ALL_NEW",
                          AttributeUpdates={"a": {"Value": {"N": "1"}, "Action": "ADD"},
                                            "b": {"Value": {"S": "x"}}})
    assert out["Attributes"] == {"pk": {"S": "new3"}, "a": {"N": "1"}, "b": {"S": "x"}}
    out = ddb.update_item(TableName=t, Key={"pk": {"S": "new3"}}, ReturnValues="ALL_NEW",
                          AttributeUpdates={"a": {"Value": {"N": "2"}, "Action": "ADD"},
                                            "b": {"Action": "DELETE"}},
                          Expected={"a": {"Value": {"N": "1"}}})
    assert out["Attributes"] == {"pk": {"S": "new3"}, "a": {"N": "3"}}
    got = ddb.get_item(TableName=t, Key=KEY, AttributesToGet=["n", "s"])["Item"]
    assert got == {"n": {"N": "5"}, "s": {"S": "héllo"}}


# ---- atomicity under concurrency --------------------------------------------------------

def test_concurrent_add_counter(endpoint, table):
    clients = [make_client(endpoint) for _ in range(8)]

    def bump(i):
        clients[i % 8].update_item(TableName=table, Key={"pk": {"S": "counter"}},
                                   UpdateExpression="ADD #c :one", ExpressionAttributeNames={"#c": "count"},
                                   ExpressionAttributeValues={":one": {"N": "1"}})

    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(bump, range(64)))
    item = clients[0].get_item(TableName=table, Key={"pk": {"S": "counter"}}, ConsistentRead=True)["Item"]
    assert item["count"] == {"N": "64"}


def test_concurrent_create_once(endpoint, table):
    clients = [make_client(endpoint) for _ in range(8)]
    wins = []
    lock = threading.Lock()

    def create(i):
        try:
            clients[i % 8].put_item(TableName=table, Item={"pk": {"S": "once"}, "by": {"N": str(i)}},
                                    ConditionExpression="attribute_not_exists(pk)")
            with lock:
                wins.append(i)
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ConditionalCheckFailedException"

    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(create, range(64)))
    assert len(wins) == 1
    item = clients[0].get_item(TableName=table, Key={"pk": {"S": "once"}}, ConsistentRead=True)["Item"]
    assert item["by"] == {"N": str(wins[0])}
