"""DynamoDB's limit of 32 levels of nesting in an item holds on every write
path, updates included. An update used to be able to nest an item deeper
(SET a.b.….z = :deep): the write answered 200 and the stored record could then
never be read, updated or deleted (500 "corrupt item record"), and --check
failed. Messages are DynamoDB's, as DynamoDB Local answers them."""
import subprocess

import botocore.exceptions
import pytest

from conftest import DDBD, Ddbd, check_cmd, error_of, make_client

PUT_MSG = ("Nesting Levels have exceeded supported limits: Attributes in the item have nested "
           "levels beyond supported limit")
UPDATE_MSG = "Nesting Levels have exceeded supported limits"


def nest(levels, kind="M", leaf=None):
    """A value of `levels` maps (or lists) around a string: as an attribute,
    its string sits at level levels + 1."""
    v = leaf or {"S": "leaf"}
    for _ in range(levels):
        v = {"M": {"x": v}} if kind == "M" else {"L": [v]}
    return v


def set_at(ddb, table, levels, value):
    """SET x.x.….x (a path of `levels` names) = :v."""
    return ddb.update_item(TableName=table, Key={"pk": {"S": "a"}},
                           UpdateExpression="SET " + ".".join(["#x"] * levels) + " = :v",
                           ExpressionAttributeNames={"#x": "x"}, ExpressionAttributeValues={":v": value})


def run_sequence(ddb, table):
    """The fuzzer's sequence: a 31-level put, a 32-level SET of a 31-level
    value (the item would nest 63 levels), a 63-level SET (94)."""
    item = {"pk": {"S": "a"}, "x": nest(31)}
    ddb.put_item(TableName=table, Item=item)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        set_at(ddb, table, 32, nest(31))
    assert error_of(e) == ("ValidationException", UPDATE_MSG)
    # DynamoDB refuses the path itself ("The document path has too many
    # nesting levels"); ddbd finds no such path in the item: both refuse
    with pytest.raises(botocore.exceptions.ClientError) as e:
        set_at(ddb, table, 63, nest(31))
    assert error_of(e)[0] == "ValidationException"
    # the item is as it was put, and every operation still works on it
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "a"}}, ConsistentRead=True)["Item"] == item
    assert ddb.scan(TableName=table)["Items"] == [item]
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    assert ddb.scan(TableName=table, ConsistentRead=True)["Items"] == []


def test_update_cannot_nest_an_item_beyond_the_limit(ddb, table):
    run_sequence(ddb, table)


@pytest.mark.ddbd_only
def test_the_data_directory_checks_clean_after_the_sequence():
    server = Ddbd().start()
    try:
        c = make_client(server.endpoint)
        c.create_table(TableName="nest", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST")
        run_sequence(c, "nest")
        c.put_item(TableName="nest", Item={"pk": {"S": "a"}, "x": nest(31)})
        with pytest.raises(botocore.exceptions.ClientError):
            set_at(c, "nest", 32, nest(31))
        assert server.stop() == 0
        check = subprocess.run(check_cmd(server.data_dir), capture_output=True,
                               text=True, timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "check passed" in check.stdout
    finally:
        server.cleanup()


def test_update_at_the_limit_is_accepted(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": nest(31)})
    set_at(ddb, table, 32, {"S": "new leaf"})  # a scalar at level 32
    set_at(ddb, table, 31, nest(1))  # a map at 31 holding a scalar at 32
    set_at(ddb, table, 2, nest(30))
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]
    assert got["x"] == nest(31)


def test_deep_value_at_a_shallow_path_is_refused(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": nest(31)})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        set_at(ddb, table, 2, nest(31))
    assert error_of(e) == ("ValidationException", UPDATE_MSG)
    # the refused update left the item alone
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]["x"] == nest(31)


def test_list_append_result_beyond_the_limit_is_refused(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": nest(30)})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_item(TableName=table, Key={"pk": {"S": "a"}},
                        UpdateExpression="SET " + ".".join(["x"] * 31) + " = list_append(:a, :b)",
                        ExpressionAttributeValues={":a": {"L": []}, ":b": {"L": [{"L": [{"S": "q"}]}]}})
    assert error_of(e) == ("ValidationException", UPDATE_MSG)


@pytest.mark.ddbd_only
def test_add_below_the_limit_is_refused(ddb, table):
    """ddbd accepts an empty map at level 32 in a PutItem (DynamoDB Local
    refuses a map or list at that level, hence ddbd_only); ADD must not
    create a number under it, at level 33. DynamoDB refuses the 33-level path
    in the expression itself, and so now does ddbd (issue #21)."""
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": nest(31, leaf={"M": {}})})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_item(TableName=table, Key={"pk": {"S": "a"}},
                        UpdateExpression="ADD " + ".".join(["x"] * 33) + " :one",
                        ExpressionAttributeValues={":one": {"N": "1"}})
    assert error_of(e) == ("ValidationException", "Invalid UpdateExpression: The document path has too "
                           "many nesting levels; nesting levels: 33")
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]["x"] == nest(31, leaf={"M": {}})


def test_put_paths_refuse_a_deep_item(ddb, table):
    deep = {"pk": {"S": "b"}, "x": nest(32)}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.put_item(TableName=table, Item=deep)
    assert error_of(e) == ("ValidationException", PUT_MSG)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": deep}}]})
    assert error_of(e) == ("ValidationException", PUT_MSG)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": deep}}])
    assert error_of(e) == ("ValidationException", PUT_MSG)
    assert ddb.scan(TableName=table)["Items"] == []


@pytest.mark.ddbd_only
def test_transaction_update_beyond_the_limit_is_cancelled(ddb, table):
    """TransactWriteItems' documentation lists "a similar validation error
    occurs because of changes made by the transaction" among the reasons of a
    TransactionCanceledException (reason ValidationError); DynamoDB Local
    answers a plain ValidationException instead. ddbd follows the
    documentation (hence ddbd_only); either way nothing is written."""
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": nest(31)})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": table, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET #x.#x = :v",
                        "ExpressionAttributeNames": {"#x": "x"}, "ExpressionAttributeValues": {":v": nest(31)}}},
            {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}}}}])
    assert error_of(e)[0] == "TransactionCanceledException"
    reasons = e.value.response["CancellationReasons"]
    assert reasons[0] == {"Code": "ValidationError", "Message": UPDATE_MSG}
    assert reasons[1]["Code"] == "None"
    items = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
    assert items == [{"pk": {"S": "a"}, "x": nest(31)}]
