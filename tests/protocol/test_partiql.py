"""PartiQL: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction
through boto3 and the AWS CLI. Every answer here was checked against DynamoDB
Local (the AWS emulator); where Local differs from DynamoDB's documentation
the test follows the documentation and says so."""
import base64
import json
import shutil
import subprocess
import os
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import Ddbd, error_of, make_client
from test_protocol import raw


def s(v):
    return {"S": v}


def n(v):
    return {"N": str(v)}


@pytest.fixture
def ctable(make_table):
    """pk S, sk N."""
    return make_table(range_key=("sk", "N"))


def es(ddb, stmt, **kw):
    out = ddb.execute_statement(Statement=stmt, **kw)
    out.pop("ResponseMetadata", None)
    return out


def es_error(ddb, stmt, **kw):
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement=stmt, **kw)
    return error_of(e)


def fill(ddb, t, pks=("a",), sks=range(1, 6)):
    for p in pks:
        for k in sks:
            es(ddb, f"INSERT INTO \"{t}\" VALUE {{'pk': '{p}', 'sk': {k}, 'v': {k * 10}}}")


# ---- ExecuteStatement: SELECT -----------------------------------------------------


def test_select_by_full_key(ddb, ctable):
    fill(ddb, ctable)
    out = es(ddb, f'SELECT * FROM "{ctable}" WHERE pk = \'a\' AND sk = 2')
    assert out == {"Items": [{"pk": s("a"), "sk": n(2), "v": n(20)}]}
    assert es(ddb, f'SELECT * FROM "{ctable}" WHERE pk = \'a\' AND sk = 9') == {"Items": []}
    out = es(ddb, f'SELECT v FROM "{ctable}" WHERE pk = \'a\' AND sk = 3',
             ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
    assert out["Items"] == [{"v": n(30)}]
    # DynamoDB documents ConsumedCapacity when asked; DynamoDB Local never returns it
    assert out["ConsumedCapacity"] == {"TableName": ctable, "CapacityUnits": 1.0}


def test_select_partition_sort_conditions_and_order(ddb, ctable):
    fill(ddb, ctable, pks=("a", "b"))
    out = es(ddb, f'SELECT sk FROM "{ctable}" WHERE pk = \'a\' AND sk BETWEEN 2 AND 4 '
                  'ORDER BY sk DESC')
    assert [i["sk"]["N"] for i in out["Items"]] == ["4", "3", "2"]
    out = es(ddb, f'SELECT sk FROM "{ctable}" WHERE pk = \'b\' AND sk > 3')
    assert [i["sk"]["N"] for i in out["Items"]] == ["4", "5"]
    out = es(ddb, f'SELECT sk FROM "{ctable}" WHERE pk IN [\'b\', \'a\'] AND sk < 3')
    assert [i["sk"]["N"] for i in out["Items"]] == ["1", "2", "1", "2"]


def test_select_begins_with_like_the_issue(ddb, make_table):
    t = make_table(hash_key=("PK", "S"), range_key=("SK", "S"))
    for sk in ("ORDER#1", "ORDER#2", "PROFILE"):
        ddb.put_item(TableName=t, Item={"PK": s("USER#1"), "SK": s(sk)})
    out = es(ddb, f'SELECT * FROM "{t}" WHERE PK = \'USER#1\' AND begins_with(SK, \'ORDER#\')')
    assert [i["SK"]["S"] for i in out["Items"]] == ["ORDER#1", "ORDER#2"]


def test_select_on_an_index(ddb, table_name):
    ddb.create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "email", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by_email", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}]}])
    try:
        ddb.put_item(TableName=table_name, Item={"pk": s("u1"), "email": s("x@y")})
        ddb.put_item(TableName=table_name, Item={"pk": s("u2"), "email": s("z@y")})
        out = es(ddb, f'SELECT pk FROM "{table_name}"."by_email" WHERE email = \'x@y\'')
        assert out["Items"] == [{"pk": s("u1")}]
        assert es_error(ddb, f'SELECT * FROM "{table_name}"."nope" WHERE email = \'x\'')[0] == \
            "ValidationException"
    finally:
        ddb.delete_table(TableName=table_name)


def test_scan_with_filter_pages_through_next_token(ddb, ctable):
    fill(ddb, ctable, pks=("a", "b", "c"), sks=range(1, 5))
    stmt = f'SELECT pk, sk FROM "{ctable}" WHERE v >= 20'
    seen, token, pages = [], None, 0
    while True:
        kw = {"NextToken": token} if token else {}
        out = es(ddb, stmt, Limit=3, **kw)
        pages += 1
        seen += [(i["pk"]["S"], i["sk"]["N"]) for i in out["Items"]]
        token = out.get("NextToken")
        if not token:
            break
        # DynamoDB documents LastEvaluatedKey beside NextToken (DynamoDB Local omits it)
        assert set(out["LastEvaluatedKey"]) == {"pk", "sk"}
    assert sorted(seen) == sorted((p, str(k)) for p in "abc" for k in range(2, 5))
    assert pages >= 4  # Limit counts the items read, as Scan's does


def test_in_on_the_partition_key_pages_across_queries(ddb, ctable):
    fill(ddb, ctable, pks=("a", "b", "c"), sks=range(1, 4))
    stmt = f'SELECT pk, sk FROM "{ctable}" WHERE pk IN [\'c\', \'a\']'
    seen, token = [], None
    for _ in range(10):
        out = es(ddb, stmt, Limit=2, **({"NextToken": token} if token else {}))
        seen += [(i["pk"]["S"], i["sk"]["N"]) for i in out["Items"]]
        token = out.get("NextToken")
        if not token:
            break
    assert seen == [("c", "1"), ("c", "2"), ("c", "3"), ("a", "1"), ("a", "2"), ("a", "3")]


def test_next_token_of_another_statement_is_refused(ddb, ctable):
    fill(ddb, ctable)
    out = es(ddb, f'SELECT * FROM "{ctable}" WHERE pk = \'a\'', Limit=1)
    assert es_error(ddb, f'SELECT * FROM "{ctable}" WHERE pk = \'b\'',
                    NextToken=out["NextToken"]) == ("ValidationException", "Invalid NextToken")
    assert es_error(ddb, f'SELECT * FROM "{ctable}"', NextToken="garbage") == \
        ("ValidationException", "Invalid NextToken")


def test_parameters(ddb, ctable):
    fill(ddb, ctable)
    out = es(ddb, f'SELECT v FROM "{ctable}" WHERE pk = ? AND sk = ?', Parameters=[s("a"), n(4)])
    assert out["Items"] == [{"v": n(40)}]
    es(ddb, f'INSERT INTO "{ctable}" VALUE {{\'pk\': ?, \'sk\': ?, \'l\': ?}}',
       Parameters=[s("p"), n(1), {"L": [s("x")]}])
    assert ddb.get_item(TableName=ctable, Key={"pk": s("p"), "sk": n(1)})["Item"]["l"] == \
        {"L": [s("x")]}
    assert es_error(ddb, f'SELECT * FROM "{ctable}" WHERE pk = ?') == (
        "ValidationException", "Number of parameters in request and statement don't match.")


# ---- ExecuteStatement: writes ---------------------------------------------------------


def test_insert_and_duplicate(ddb, ctable):
    stmt = f'INSERT INTO "{ctable}" VALUE {{\'pk\': \'a\', \'sk\': 1, \'x\': <<\'t\'>>}}'
    assert es(ddb, stmt) == {"Items": []}
    # DynamoDB documents DuplicateItemException; DynamoDB Local's __type is "DuplicateItem"
    assert es_error(ddb, stmt) == ("DuplicateItemException", "Duplicate primary key exists in table")
    assert ddb.get_item(TableName=ctable, Key={"pk": s("a"), "sk": n(1)})["Item"]["x"] == {"SS": ["t"]}


def test_update_set_remove_arithmetic_list_append_returning(ddb, ctable):
    ddb.put_item(TableName=ctable, Item={"pk": s("a"), "sk": n(1), "c": n(5), "l": {"L": [n(1)]},
                                         "gone": s("x")})
    out = es(ddb, f'UPDATE "{ctable}" SET c = c + 2 SET l = list_append(l, [2]) REMOVE gone '
                  f'WHERE pk = \'a\' AND sk = 1 RETURNING ALL NEW *')
    assert out["Items"] == [{"pk": s("a"), "sk": n(1), "c": n(7), "l": {"L": [n(1), n(2)]}}]
    out = es(ddb, f'UPDATE "{ctable}" SET c = c - 1 WHERE pk = \'a\' AND sk = 1 RETURNING MODIFIED OLD *')
    assert out["Items"] == [{"c": n(7)}]
    assert es(ddb, f'UPDATE "{ctable}" SET c = 0 WHERE pk = \'a\' AND sk = 1') == {"Items": []}


def test_update_of_a_missing_item_fails(ddb, ctable):
    # PartiQL's UPDATE needs the item to exist (DynamoDB Local agrees)
    assert es_error(ddb, f'UPDATE "{ctable}" SET x = 1 WHERE pk = \'zz\' AND sk = 1') == \
        ("ConditionalCheckFailedException", "The conditional request failed")
    assert "Item" not in ddb.get_item(TableName=ctable, Key={"pk": s("zz"), "sk": n(1)})


def test_where_conditions_on_writes(ddb, ctable, endpoint):
    ddb.put_item(TableName=ctable, Item={"pk": s("a"), "sk": n(1), "x": n(1)})
    assert es_error(ddb, f'UPDATE "{ctable}" SET x = 2 WHERE pk = \'a\' AND sk = 1 AND x = 5') == \
        ("ConditionalCheckFailedException", "The conditional request failed")
    assert es_error(ddb, f'DELETE FROM "{ctable}" WHERE pk = \'a\' AND sk = 1 AND x IS MISSING')[0] == \
        "ConditionalCheckFailedException"
    # ReturnValuesOnConditionCheckFailure (this boto3 does not know it yet: raw)
    body = json.dumps({"Statement": f'UPDATE "{ctable}" SET x = 2 WHERE pk = \'a\' AND sk = 1 AND x = 5',
                       "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})
    st, _, data = raw(endpoint, body, target="DynamoDB_20120810.ExecuteStatement")
    doc = json.loads(data)
    assert st == 400 and doc["__type"].endswith("#ConditionalCheckFailedException")
    assert doc["Item"] == {"pk": s("a"), "sk": n(1), "x": n(1)}
    out = es(ddb, f'DELETE FROM "{ctable}" WHERE pk = \'a\' AND sk = 1 AND x = 1 RETURNING ALL OLD *')
    assert out["Items"] == [{"pk": s("a"), "sk": n(1), "x": n(1)}]
    # deleting a missing item is no error
    assert es(ddb, f'DELETE FROM "{ctable}" WHERE pk = \'a\' AND sk = 1') == {"Items": []}


@pytest.mark.parametrize("stmt,kind,message", [
    ("SELECT * FROM \"no_such_partiql_table\"", "ResourceNotFoundException",
     # DynamoDB Local: "Cannot do operations on a non-existent table"
     "Requested resource not found"),
    ("EXISTS(SELECT * FROM \"{t}\" WHERE pk = 'a' AND sk = 1)", "ValidationException",
     "EXISTS can only be used in ExecuteTransaction write requests."),
    ("SELEC", "ValidationException", "Unsupported operation: VariableReference"),
    ("DELETE FROM \"{t}\" WHERE pk = 'a'", "ValidationException", None),
    ("SELECT * FROM \"{t}\" WHERE pk = 1 AND sk = 1", "ValidationException", None),
    ("", "ValidationException", "1 validation error detected: Value '' at 'statement' failed to "
                                "satisfy constraint: Member must have length greater than or equal to 1"),
])
def test_statement_errors(ddb, ctable, stmt, kind, message):
    got = es_error(ddb, stmt.replace("{t}", ctable))
    assert got[0] == kind
    if message:
        assert got[1] == message


def test_write_capacity(ddb, ctable):
    out = es(ddb, f'INSERT INTO "{ctable}" VALUE {{\'pk\': \'c\', \'sk\': 1}}',
             ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": ctable, "CapacityUnits": 1.0}


# ---- BatchExecuteStatement --------------------------------------------------------


def test_batch_reads(ddb, ctable):
    fill(ddb, ctable, sks=(1,))
    out = ddb.batch_execute_statement(Statements=[
        {"Statement": f'SELECT * FROM "{ctable}" WHERE pk = \'a\' AND sk = 1'},
        {"Statement": f'SELECT * FROM "{ctable}" WHERE pk = ? AND sk = ?', "Parameters": [s("a"), n(9)]},
        {"Statement": 'SELECT * FROM "no_such_partiql_table" WHERE pk = \'a\' AND sk = 1'},
        {"Statement": f'SELECT * FROM "{ctable}" WHERE pk = \'a\''},
    ], ReturnConsumedCapacity="TOTAL")
    r = out["Responses"]
    assert r[0] == {"TableName": ctable, "Item": {"pk": s("a"), "sk": n(1), "v": n(10)}}
    assert r[1] == {"TableName": ctable}
    assert r[2] == {"Error": {"Code": "ResourceNotFound", "Message": "Requested resource not found"}}
    assert r[3] == {"Error": {"Code": "ValidationError", "Message": "Only single item select is supported"}}
    assert out["ConsumedCapacity"] == [{"TableName": ctable, "CapacityUnits": 1.0}]


def test_batch_writes_fail_one_by_one(ddb, ctable):
    fill(ddb, ctable, sks=(1, 2))
    out = ddb.batch_execute_statement(Statements=[
        {"Statement": f'INSERT INTO "{ctable}" VALUE {{\'pk\': \'a\', \'sk\': 1}}'},
        {"Statement": f'INSERT INTO "{ctable}" VALUE {{\'pk\': \'b\', \'sk\': 1}}'},
        {"Statement": f'UPDATE "{ctable}" SET y = 1 WHERE pk = \'q\' AND sk = 1'},
        {"Statement": f'UPDATE "{ctable}" SET y = 2 WHERE pk = \'a\' AND sk = 2 RETURNING ALL NEW *'},
    ])
    r = out["Responses"]
    assert r[0] == {"TableName": ctable, "Error": {"Code": "DuplicateItem",
                                                   "Message": "Duplicate primary key exists in table"}}
    assert r[1] == {"TableName": ctable}
    assert r[2] == {"TableName": ctable, "Error": {"Code": "ConditionalCheckFailed",
                                                   "Message": "The conditional request failed"}}
    assert r[3] == {"TableName": ctable, "Item": {"pk": s("a"), "sk": n(2), "v": n(20), "y": n(2)}}
    assert ddb.get_item(TableName=ctable, Key={"pk": s("b"), "sk": n(1)})["Item"]


@pytest.mark.parametrize("stmts,message", [
    (lambda t: [f'SELECT * FROM "{t}" WHERE pk = \'a\' AND sk = 1',
                f'INSERT INTO "{t}" VALUE {{\'pk\': \'b\', \'sk\': 1}}'],
     "Read and write requests together in the same batch is not supported."),
    (lambda t: [f'INSERT INTO "{t}" VALUE {{\'pk\': \'b\', \'sk\': 1}}',
                f'DELETE FROM "{t}" WHERE pk = \'b\' AND sk = 1'],
     "Provided list of item keys contains duplicates"),
])
def test_batch_errors(ddb, ctable, stmts, message):
    with pytest.raises(ClientError) as e:
        ddb.batch_execute_statement(Statements=[{"Statement": x} for x in stmts(ctable)])
    assert error_of(e) == ("ValidationException", message)
    assert ddb.scan(TableName=ctable)["Count"] == 0


def test_batch_size_limit(ddb, ctable):
    with pytest.raises(ClientError) as e:
        ddb.batch_execute_statement(Statements=[
            {"Statement": f'SELECT * FROM "{ctable}" WHERE pk = \'a\' AND sk = {i}'} for i in range(26)])
    assert error_of(e)[0] == "ValidationException"
    assert "statements" in error_of(e)[1]


# ---- ExecuteTransaction -----------------------------------------------------------------


def raw_tx(endpoint, stmts):
    """ExecuteTransaction sent raw: the CancellationReasons body, which this
    botocore may not model."""
    body = json.dumps({"TransactStatements": [{"Statement": x} for x in stmts]})
    st, _, data = raw(endpoint, body, target="DynamoDB_20120810.ExecuteTransaction")
    return st, json.loads(data)


def test_transaction_all_or_nothing_with_reasons(ddb, ctable, endpoint):
    fill(ddb, ctable, sks=(1, 2))
    st, doc = raw_tx(endpoint, [
        f'INSERT INTO "{ctable}" VALUE {{\'pk\': \'a\', \'sk\': 1}}',
        f'INSERT INTO "{ctable}" VALUE {{\'pk\': \'d\', \'sk\': 1}}',
        f'UPDATE "{ctable}" SET y = 1 WHERE pk = \'q\' AND sk = 1',
        f'EXISTS(SELECT * FROM "{ctable}" WHERE pk = \'a\' AND sk = 2 AND v = 20)',
    ])
    assert st == 400 and doc["__type"].endswith("#TransactionCanceledException")
    assert doc["Message"] == ("Transaction cancelled, please refer cancellation reasons for specific "
                              "reasons [ValidationError, None, ConditionalCheckFailed, None]")
    # DynamoDB Local words an INSERT's duplicate key in a transaction so
    assert doc["CancellationReasons"] == [
        {"Code": "ValidationError", "Message": "Duplicate primary key exists in table"},
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "None"}]
    assert "Item" not in ddb.get_item(TableName=ctable, Key={"pk": s("d"), "sk": n(1)})
    out = ddb.execute_transaction(TransactStatements=[
        {"Statement": f'INSERT INTO "{ctable}" VALUE {{\'pk\': \'d\', \'sk\': 1}}'},
        {"Statement": f'UPDATE "{ctable}" SET v = v + 1 WHERE pk = \'a\' AND sk = 1'},
        {"Statement": f'EXISTS(SELECT * FROM "{ctable}" WHERE pk = \'a\' AND sk = 2 AND w IS MISSING)'},
    ], ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"][0]["TableName"] == ctable
    got = ddb.get_item(TableName=ctable, Key={"pk": s("a"), "sk": n(1)})["Item"]
    assert got["v"] == n(11)
    assert "Item" in ddb.get_item(TableName=ctable, Key={"pk": s("d"), "sk": n(1)})


def test_transaction_exists_fails(ddb, ctable, endpoint):
    st, doc = raw_tx(endpoint, [
        f'INSERT INTO "{ctable}" VALUE {{\'pk\': \'d\', \'sk\': 1}}',
        f'EXISTS(SELECT * FROM "{ctable}" WHERE pk = \'a\' AND sk = 1 AND v = 1)',
    ])
    assert st == 400
    assert [r["Code"] for r in doc["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]
    assert ddb.scan(TableName=ctable)["Count"] == 0


def test_transaction_idempotent_token(ddb, ctable):
    stmts = [{"Statement": f'UPDATE "{ctable}" SET v = v + 1 WHERE pk = \'a\' AND sk = 1'}]
    fill(ddb, ctable, sks=(1,))
    ddb.execute_transaction(TransactStatements=stmts, ClientRequestToken="pq-token-1")
    ddb.execute_transaction(TransactStatements=stmts, ClientRequestToken="pq-token-1")
    assert ddb.get_item(TableName=ctable, Key={"pk": s("a"), "sk": n(1)})["Item"]["v"] == n(11)
    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(ClientRequestToken="pq-token-1", TransactStatements=[
            {"Statement": f'UPDATE "{ctable}" SET v = v + 5 WHERE pk = \'a\' AND sk = 1'}])
    assert error_of(e)[0] == "IdempotentParameterMismatchException"


def test_transaction_reads(ddb, ctable):
    fill(ddb, ctable, sks=(1,))
    out = ddb.execute_transaction(TransactStatements=[
        {"Statement": f'SELECT v FROM "{ctable}" WHERE pk = \'a\' AND sk = 1'},
        {"Statement": f'SELECT * FROM "{ctable}" WHERE pk = ? AND sk = 1', "Parameters": [s("zz")]},
    ])
    assert out["Responses"] == [{"Item": {"v": n(10)}}, {}]


@pytest.mark.parametrize("stmts,message", [
    (lambda t: [f'SELECT * FROM "{t}" WHERE pk = \'a\''],
     "Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must "
     "specify the primary key in the where clause."),
    (lambda t: [f'SELECT * FROM "{t}" WHERE pk = \'a\' AND sk = 1',
                f'INSERT INTO "{t}" VALUE {{\'pk\': \'b\', \'sk\': 1}}'],
     "ExecuteTransaction API does not support both read and write operations in the same request."),
    (lambda t: [f'INSERT INTO "{t}" VALUE {{\'pk\': \'b\', \'sk\': 1}}',
                f'UPDATE "{t}" SET x = 1 WHERE pk = \'a\' AND sk = 1 RETURNING ALL NEW *'],
     "Validation failed in TransactStatements[1]: RETURNING clause is not supported in "
     "ExecuteTransaction."),
    (lambda t: [f'INSERT INTO "{t}" VALUE {{\'pk\': \'b\', \'sk\': 1}}',
                f'DELETE FROM "{t}" WHERE pk = \'b\' AND sk = 1'],
     "Transaction request cannot include multiple operations on one item"),
])
def test_transaction_errors(ddb, ctable, stmts, message):
    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(TransactStatements=[{"Statement": x} for x in stmts(ctable)])
    assert error_of(e) == ("ValidationException", message)
    assert ddb.scan(TableName=ctable)["Count"] == 0


# ---- the request log, /metrics, the AWS CLI ------------------------------------------------------


@pytest.mark.ddbd_only
def test_log_and_metrics_name_the_operations():
    d = Ddbd(extra=["--log-format", "json"]).start()
    try:
        c = make_client(d.endpoint)
        c.create_table(TableName="pq_log", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST")
        c.execute_statement(Statement="INSERT INTO \"pq_log\" VALUE {'pk': 'a'}")
        c.batch_execute_statement(Statements=[{"Statement": "SELECT * FROM \"pq_log\" WHERE pk = 'a'"}])
        c.execute_transaction(TransactStatements=[{"Statement": "SELECT * FROM \"pq_log\" WHERE pk = 'a'"}])
        with urllib.request.urlopen(d.endpoint + "/metrics", timeout=10) as r:
            text = r.read().decode()
        for op in ("ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"):
            assert f'operation="{op}",status="200"' in text
        deadline = time.time() + 10
        while time.time() < deadline and d.log().count('"ExecuteTransaction"') < 1:
            time.sleep(0.05)
        reqs = [json.loads(x) for x in d.log().splitlines() if '"msg":"request"' in x]
        ops = {x["op"]: x for x in reqs}
        for op in ("ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"):
            assert ops[op]["table"] == "pq_log"
    finally:
        d.stop()
        d.cleanup()


@pytest.mark.skipif(shutil.which("aws") is None, reason="AWS CLI not installed")
def test_aws_cli_execute_statement(endpoint, make_table):
    t = make_table(hash_key=("PK", "S"), range_key=("SK", "S"))
    make_client(endpoint).put_item(TableName=t, Item={"PK": s("USER#1"), "SK": s("ORDER#1")})
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDLOCAL", AWS_SECRET_ACCESS_KEY="secret",
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_EC2_METADATA_DISABLED="true")
    proc = subprocess.run(
        ["aws", "dynamodb", "--endpoint-url", endpoint, "--output", "json", "execute-statement",
         "--statement", f"SELECT * FROM \"{t}\" WHERE PK = 'USER#1' AND begins_with(SK, 'ORDER#')"],
        capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["Items"] == [{"PK": s("USER#1"), "SK": s("ORDER#1")}]


def test_batch_condition_failure_returns_the_item(ddb, ctable, endpoint):
    # ReturnValuesOnConditionCheckFailure per statement (raw: this boto3 does not model it);
    # DynamoDB documents BatchStatementError.Item for it, DynamoDB Local leaves it out
    fill(ddb, ctable, sks=(1,))
    body = json.dumps({"Statements": [
        {"Statement": f'UPDATE "{ctable}" SET v = 0 WHERE pk = \'a\' AND sk = 1 AND v = 99',
         "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
        {"Statement": f'DELETE FROM "{ctable}" WHERE pk = \'a\' AND sk = 2'}]})
    st, _, data = raw(endpoint, body, target="DynamoDB_20120810.BatchExecuteStatement")
    assert st == 200
    assert json.loads(data)["Responses"] == [
        {"TableName": ctable, "Error": {"Code": "ConditionalCheckFailed",
                                        "Message": "The conditional request failed",
                                        "Item": {"pk": s("a"), "sk": n(1), "v": n(10)}}},
        {"TableName": ctable}]


def test_empty_parameters_refused(ddb, ctable, endpoint):
    # the API model's bound (boto3 enforces it client-side); DynamoDB Local accepts []
    body = json.dumps({"Statement": f'SELECT * FROM "{ctable}"', "Parameters": []})
    st, _, data = raw(endpoint, body, target="DynamoDB_20120810.ExecuteStatement")
    assert st == 400
    assert json.loads(data)["message"] == (
        "1 validation error detected: Value '[]' at 'parameters' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1")
