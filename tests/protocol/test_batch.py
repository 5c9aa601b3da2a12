"""BatchWriteItem, BatchGetItem, TransactWriteItems and TransactGetItems:
limits, validation, all-or-nothing, cancellation reasons, idempotency, and
isolation under concurrent transfers. Checked against DynamoDB Local."""
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, make_client


def put(k, **extra):
    return {"PutRequest": {"Item": {"pk": {"S": k}, **extra}}}


def delete(k):
    return {"DeleteRequest": {"Key": {"pk": {"S": k}}}}


def test_batch_write_and_get(ddb, make_table):
    a, b = make_table(), make_table()
    out = ddb.batch_write_item(RequestItems={a: [put(str(i), v={"N": str(i)}) for i in range(20)],
                                             b: [put("x"), put("y")]})
    assert out["UnprocessedItems"] == {}
    ddb.batch_write_item(RequestItems={a: [delete("0"), put("1", v={"S": "new"})]})
    got = ddb.batch_get_item(RequestItems={
        a: {"Keys": [{"pk": {"S": k}} for k in ("0", "1", "2", "missing")], "ConsistentRead": True},
        b: {"Keys": [{"pk": {"S": "x"}}], "ProjectionExpression": "#k", "ExpressionAttributeNames": {"#k": "pk"}}})
    assert got["UnprocessedKeys"] == {}
    items = {i["pk"]["S"]: i for i in got["Responses"][a]}
    assert set(items) == {"1", "2"} and items["1"]["v"] == {"S": "new"}
    assert got["Responses"][b] == [{"pk": {"S": "x"}}]
    assert ddb.describe_table(TableName=a)["Table"]["ItemCount"] == 19


@pytest.mark.parametrize("requests,message", [
    (lambda t: {t: [put("a"), put("a")]}, "Provided list of item keys contains duplicates"),
    (lambda t: {t: [put("a"), delete("a")]}, "Provided list of item keys contains duplicates"),
    (lambda t: {t: [put(str(i)) for i in range(26)]}, "Too many items requested for the BatchWriteItem call"),
    (lambda t: {}, "BatchWriteItem cannot have a null or no requests set"),
])
def test_batch_write_errors_change_nothing(ddb, table, requests, message):
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems=requests(table))
    assert error_of(e) == ("ValidationException", message)
    assert ddb.scan(TableName=table)["Count"] == 0


def test_batch_write_bad_item_changes_nothing(ddb, table):
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems={table: [put("ok"), {"PutRequest": {"Item": {"pk": {"N": "1"}}}}]})
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems={table: [put("ok")], "no_such_table_here": [put("a")]})
    assert error_of(e)[0] == "ResourceNotFoundException"
    assert ddb.scan(TableName=table)["Count"] == 0


@pytest.mark.parametrize("keys,message", [
    ([{"pk": {"S": "a"}}, {"pk": {"S": "a"}}], "Provided list of item keys contains duplicates"),
    ([{"pk": {"S": str(i)}} for i in range(101)], "Too many items requested for the BatchGetItem call"),
])
def test_batch_get_errors(ddb, table, keys, message):
    with pytest.raises(ClientError) as e:
        ddb.batch_get_item(RequestItems={table: {"Keys": keys}})
    assert error_of(e) == ("ValidationException", message)


def test_batch_get_empty_keys(ddb, table):
    with pytest.raises(ClientError) as e:
        ddb.batch_get_item(RequestItems={table: {"Keys": []}})
    assert error_of(e) == ("ValidationException", f"The list of keys in RequestItems for BatchGetItem is "
                                                  f"required: {table} has empty list")


def test_transact_write_all_or_nothing(ddb, make_table):
    a, b = make_table(), make_table()
    ddb.put_item(TableName=a, Item={"pk": {"S": "acct"}, "bal": {"N": "10"}})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": b, "Item": {"pk": {"S": "user#1"}}, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": a, "Key": {"pk": {"S": "acct"}}, "UpdateExpression": "SET bal = bal - :x",
                    "ConditionExpression": "bal >= :x", "ExpressionAttributeValues": {":x": {"N": "4"}}}},
    ])
    assert ddb.get_item(TableName=a, Key={"pk": {"S": "acct"}})["Item"]["bal"] == {"N": "6"}
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": b, "Item": {"pk": {"S": "user#2"}}}},
            {"Update": {"TableName": a, "Key": {"pk": {"S": "acct"}}, "UpdateExpression": "SET bal = bal - :x",
                        "ConditionExpression": "bal >= :x", "ExpressionAttributeValues": {":x": {"N": "7"}}}},
        ])
    code, msg = error_of(e)
    assert code == "TransactionCanceledException"
    assert msg == ("Transaction cancelled, please refer cancellation reasons for specific reasons "
                   "[None, ConditionalCheckFailed]")
    reasons = e.value.response.get("CancellationReasons")
    if reasons is not None:  # Debian's botocore may not model the member
        assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert "Item" not in ddb.get_item(TableName=b, Key={"pk": {"S": "user#2"}})
    assert ddb.get_item(TableName=a, Key={"pk": {"S": "acct"}})["Item"]["bal"] == {"N": "6"}


@pytest.mark.ddbd_only  # the CancellationReasons body, read raw
def test_cancellation_reasons_body(endpoint, table):
    from test_protocol import raw
    body = {"TransactItems": [
        {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "a"}}, "ConditionExpression": "attribute_exists(pk)"}},
        {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}}}},
    ]}
    status, _, data = raw(endpoint, json.dumps(body).encode(), target="DynamoDB_20120810.TransactWriteItems")
    doc = json.loads(data)
    assert status == 400 and doc["__type"].endswith("#TransactionCanceledException")
    assert doc["CancellationReasons"] == [{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
                                          {"Code": "None"}]


@pytest.mark.parametrize("items,message", [
    (lambda t: [{"Put": {"TableName": t, "Item": {"pk": {"S": "x"}}}}, {"Delete": {"TableName": t, "Key": {"pk": {"S": "x"}}}}],
     "Transaction request cannot include multiple operations on one item"),
    (lambda t: [{"Put": {"TableName": t, "Item": {"pk": {"S": "x"}}}, "Delete": {"TableName": t, "Key": {"pk": {"S": "y"}}}}],
     "TransactItems can only contain one of Check, Put, Update or Delete"),
    (lambda t: [{"Update": {"TableName": t, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET v = v + :s",
                            "ExpressionAttributeValues": {":s": {"S": "x"}}}}],
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"),
])
def test_transact_validation(ddb, table, items, message):
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=items(table))
    assert error_of(e) == ("ValidationException", message)
    assert ddb.scan(TableName=table)["Count"] == 0


@pytest.mark.ddbd_only  # DynamoDB Local does not keep client request tokens
def test_idempotency_token(ddb, table):
    items = [{"Update": {"TableName": table, "Key": {"pk": {"S": "c"}}, "UpdateExpression": "ADD n :one",
                         "ExpressionAttributeValues": {":one": {"N": "1"}}}}]
    ddb.transact_write_items(TransactItems=items, ClientRequestToken="token-1")
    ddb.transact_write_items(TransactItems=items, ClientRequestToken="token-1")
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "c"}})["Item"]["n"] == {"N": "1"}
    other = [{"Put": {"TableName": table, "Item": {"pk": {"S": "d"}}}}]
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=other, ClientRequestToken="token-1")
    assert error_of(e)[0] == "IdempotentParameterMismatchException"
    ddb.transact_write_items(TransactItems=items, ClientRequestToken="token-2")
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "c"}})["Item"]["n"] == {"N": "2"}


def test_transact_get(ddb, make_table):
    a = make_table()
    ddb.put_item(TableName=a, Item={"pk": {"S": "x"}, "v": {"N": "1"}, "w": {"S": "q"}})
    out = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": a, "Key": {"pk": {"S": "x"}}, "ProjectionExpression": "v"}},
        {"Get": {"TableName": a, "Key": {"pk": {"S": "nope"}}}}])
    assert out["Responses"] == [{"Item": {"v": {"N": "1"}}}, {}]


def test_concurrent_transfers_keep_the_total(endpoint, make_table):
    table = make_table()
    setup = make_client(endpoint)
    accounts = [f"acct{i}" for i in range(6)]
    for a in accounts:
        setup.put_item(TableName=table, Item={"pk": {"S": a}, "bal": {"N": "100"}})
    clients = [make_client(endpoint) for _ in range(8)]
    stop = threading.Event()
    bad = []

    def transfer(i):
        rnd = random.Random(i)
        c = clients[i % 8]
        src, dst = rnd.sample(accounts, 2)
        amt = str(rnd.randint(1, 60))
        try:
            c.transact_write_items(TransactItems=[
                {"Update": {"TableName": table, "Key": {"pk": {"S": src}}, "UpdateExpression": "SET bal = bal - :a",
                            "ConditionExpression": "bal >= :a", "ExpressionAttributeValues": {":a": {"N": amt}}}},
                {"Update": {"TableName": table, "Key": {"pk": {"S": dst}}, "UpdateExpression": "SET bal = bal + :a",
                            "ExpressionAttributeValues": {":a": {"N": amt}}}}])
        except ClientError as e:
            assert e.response["Error"]["Code"] in ("TransactionCanceledException", "TransactionConflictException")

    def audit():
        c = make_client(endpoint)
        while not stop.is_set():
            out = c.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": {"pk": {"S": a}}}}
                                                      for a in accounts])
            bals = [int(r["Item"]["bal"]["N"]) for r in out["Responses"]]
            if sum(bals) != 600 or min(bals) < 0:
                bad.append(bals)

    auditor = threading.Thread(target=audit)
    auditor.start()
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(transfer, range(200)))
    stop.set()
    auditor.join()
    assert bad == []
    final = [int(setup.get_item(TableName=table, Key={"pk": {"S": a}}, ConsistentRead=True)["Item"]["bal"]["N"])
             for a in accounts]
    assert sum(final) == 600 and min(final) >= 0


def test_batch_get_16mb_limit_returns_unprocessed_keys(ddb, table):
    blob = "x" * (400 * 1024 - 20)
    keys = [{"pk": {"S": f"big{i:02d}"}} for i in range(50)]
    for i in range(0, 50, 10):
        ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": {**k, "d": {"S": blob}}}}
                                                   for k in keys[i:i + 10]]})
    out = ddb.batch_get_item(RequestItems={table: {"Keys": keys}})
    got = out["Responses"][table]
    left = out["UnprocessedKeys"].get(table, {}).get("Keys", [])
    # 50 items of ~400 KB are ~20 MB: DynamoDB returns at most 16 MB and hands back the rest
    assert 0 < len(got) < 50 and len(got) + len(left) == 50
    assert sum(len(i["d"]["S"]) for i in got) <= 16 * 1024 * 1024
    again = ddb.batch_get_item(RequestItems={table: {"Keys": left}})
    assert {i["pk"]["S"] for i in got} | {i["pk"]["S"] for i in again["Responses"][table]} == \
        {k["pk"]["S"] for k in keys}
