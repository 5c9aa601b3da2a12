"""Requests at the edges of DynamoDB's limits that touch many tables and
indexes in one atomic batch: a TransactWriteItems over 65 tables, and one
over three tables with 20 GSIs and 5 LSIs each (every index gaining an
entry). The engine's per-batch statistics must grow with the request; the
statistics and index checker (ddbd --check) agrees afterwards."""
import subprocess

import pytest

from conftest import DDBD, Ddbd, check_cmd, eventually, make_client

pytestmark = pytest.mark.ddbd_only


@pytest.fixture
def server():
    s = Ddbd().start()
    yield s
    s.cleanup()


def stop_and_check(server):
    assert server.stop() == 0, "ddbd did not shut down cleanly"
    check = subprocess.run(check_cmd(server.data_dir), capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "check passed" in check.stdout


def test_transaction_over_65_tables(server):
    c = make_client(server.endpoint)
    names = [f"lim65_{i}" for i in range(65)]
    for name in names:
        c.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST")
    c.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": {"S": "k"}, "v": {"N": str(i)}}}} for i, name in enumerate(names)])
    for i, name in enumerate(names):
        got = c.get_item(TableName=name, Key={"pk": {"S": "k"}}, ConsistentRead=True)
        assert got["Item"] == {"pk": {"S": "k"}, "v": {"N": str(i)}}
        assert c.describe_table(TableName=name)["Table"]["ItemCount"] == 1
    stop_and_check(server)


def index(name, hash_, range_=None):
    ks = [{"AttributeName": hash_, "KeyType": "HASH"}]
    if range_:
        ks.append({"AttributeName": range_, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": ks, "Projection": {"ProjectionType": "ALL"}}


def test_transaction_over_three_tables_with_25_indexes_each(server):
    c = make_client(server.endpoint)
    attrs = [f"g{j}" for j in range(20)] + [f"l{j}" for j in range(5)]
    names = [f"lim_ix_{i}" for i in range(3)]
    for name in names:
        c.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ["PK", "SK", *attrs]],
            BillingMode="PAY_PER_REQUEST",
            GlobalSecondaryIndexes=[index(f"gsi{j}", f"g{j}") for j in range(20)],
            LocalSecondaryIndexes=[index(f"lsi{j}", "PK", f"l{j}") for j in range(5)])
    per_table = 33  # 99 actions: DynamoDB allows up to 100 per transaction
    actions = []
    for name in names:
        for k in range(per_table):
            item = {"PK": {"S": "p"}, "SK": {"S": f"s{k}"}}
            item.update({a: {"S": f"{a}-{k}"} for a in attrs})
            actions.append({"Put": {"TableName": name, "Item": item}})
    c.transact_write_items(TransactItems=actions)
    for name in names:
        # GSIs (and their counts) follow their table eventually, as DynamoDB's do
        t = eventually(lambda: c.describe_table(TableName=name)["Table"],
                       lambda t: all(ix["ItemCount"] == per_table for ix in t["GlobalSecondaryIndexes"]))
        assert t["ItemCount"] == per_table
        assert len(t["GlobalSecondaryIndexes"]) == 20 and len(t["LocalSecondaryIndexes"]) == 5
        for ix in t["GlobalSecondaryIndexes"] + t["LocalSecondaryIndexes"]:
            assert ix["ItemCount"] == per_table, ix["IndexName"]
        got = c.query(TableName=name, IndexName="gsi19", KeyConditionExpression="g19 = :v",
                      ExpressionAttributeValues={":v": {"S": "g19-7"}})
        assert [i["SK"]["S"] for i in got["Items"]] == ["s7"]
    stop_and_check(server)
