"""ConsumedCapacity as DynamoDB documents it: TOTAL and INDEXES (the table's
part and each index's), the index writes a write causes (a put or a delete
of an entry 1, a moved entry 2, an entry left alone 0; 1 KB units of the
entry's size), reads of an index charged to the index, Query and Scan by the
bytes they read (4 KB units, once per page, halved for eventually consistent
reads), BatchGetItem per item, transactions twice, and PartiQL alike.
Checked against DynamoDB Local where it follows the documentation; where it
does not, the test is ddbd_only and says why."""
import os
import itertools

import pytest

_names = itertools.count()
KB = 1024


@pytest.fixture
def make_indexed(ddb):
    """Creates a table pk/sk with a KEYS_ONLY GSI "gsk" on g, an INCLUDE GSI
    "gin" on h projecting p, and an ALL LSI "lsa" on l (all sparse: only
    items with the attribute are in them)."""
    created = []

    def make():
        name = f"cap_{os.getpid()}_{next(_names)}"
        ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"}
                                  for a in ("pk", "sk", "g", "h", "l")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[
                {"IndexName": "gsk", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "KEYS_ONLY"}},
                {"IndexName": "gin", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["p"]}}],
            LocalSecondaryIndexes=[
                {"IndexName": "lsa", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                  {"AttributeName": "l", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "ALL"}}])
        created.append(name)
        return name

    yield make
    for name in created:
        try:
            ddb.delete_table(TableName=name)
        except ddb.exceptions.ResourceNotFoundException:
            pass


@pytest.fixture
def tab(make_indexed):
    return make_indexed()


def S(v):
    return {"S": v}


def key(pk, sk="1"):
    return {"pk": S(pk), "sk": S(sk)}


def item(pk, sk="1", **attrs):
    return {**key(pk, sk), **{k: S(v) for k, v in attrs.items()}}


def cap(table, total, table_units=None, gsi=None, lsi=None):
    """The INDEXES ConsumedCapacity DynamoDB answers: indexes that used
    nothing are left out."""
    c = {"TableName": table, "CapacityUnits": total,
         "Table": {"CapacityUnits": total if table_units is None else table_units}}
    if gsi:
        c["GlobalSecondaryIndexes"] = {k: {"CapacityUnits": v} for k, v in gsi.items()}
    if lsi:
        c["LocalSecondaryIndexes"] = {k: {"CapacityUnits": v} for k, v in lsi.items()}
    return c


def put(ddb, t, it, mode="INDEXES"):
    return ddb.put_item(TableName=t, Item=it, ReturnConsumedCapacity=mode)["ConsumedCapacity"]


def update(ddb, t, k, expr, values=None, mode="INDEXES"):
    kw = {"ExpressionAttributeValues": values} if values else {}
    return ddb.update_item(TableName=t, Key=k, UpdateExpression=expr, ReturnConsumedCapacity=mode,
                           **kw)["ConsumedCapacity"]


# ---- writes: each index entry written ------------------------------------------------


def test_put_charges_each_index_entry_by_its_size(ddb, tab):
    # a 1.5 KB item: 2 units in the table and in the ALL index, 1 in the
    # KEYS_ONLY index (its entry holds the keys alone); the INCLUDE index
    # does not hold it (no h)
    big = "x" * 1500
    assert put(ddb, tab, item("a", g="g1", l="l1", d=big)) == \
        cap(tab, 5.0, 2.0, gsi={"gsk": 1.0}, lsi={"lsa": 2.0})
    # TOTAL: the same sum, without the parts
    assert put(ddb, tab, item("b", g="g1", l="l1", d=big), "TOTAL") == \
        {"TableName": tab, "CapacityUnits": 5.0}
    # NONE (the default): no ConsumedCapacity at all
    assert "ConsumedCapacity" not in ddb.put_item(TableName=tab, Item=item("c", g="g"))


def test_put_outside_sparse_indexes_charges_the_table_alone(ddb, tab):
    assert put(ddb, tab, item("a", d="x" * 3000)) == cap(tab, 3.0)


def test_index_entry_size_counts_its_projected_attributes(ddb, tab):
    # "gin" projects p: its entry is the keys plus 2.5 KB -> 3 units; "gsk"
    # projects nothing beyond the keys -> 1 unit
    assert put(ddb, tab, item("a", g="g", h="h", p="y" * 2500)) == \
        cap(tab, 7.0, 3.0, gsi={"gsk": 1.0, "gin": 3.0})


def test_update_moving_an_index_key_costs_a_delete_and_a_put(ddb, tab):
    ddb.put_item(TableName=tab, Item=item("a", g="g1", l="l1"))
    # g is gsk's key: its entry moves (2 writes); lsa (ALL) holds g as a
    # projected attribute: one write in place
    assert update(ddb, tab, key("a"), "SET g = :v", {":v": S("g2")}) == \
        cap(tab, 4.0, 1.0, gsi={"gsk": 2.0}, lsi={"lsa": 1.0})
    # an LSI's sort key moves alike
    assert update(ddb, tab, key("a"), "SET l = :v", {":v": S("l2")}) == \
        cap(tab, 3.0, 1.0, lsi={"lsa": 2.0})


def test_update_of_an_attribute_an_index_does_not_project(ddb, tab):
    ddb.put_item(TableName=tab, Item=item("a", g="g1", h="h1", l="l1"))
    # d is in lsa (ALL) only; gsk and gin do not hold it: no write there
    assert update(ddb, tab, key("a"), "SET d = :v", {":v": S("x")}) == \
        cap(tab, 2.0, 1.0, lsi={"lsa": 1.0})
    # p is projected into gin (and lsa)
    assert update(ddb, tab, key("a"), "SET p = :v", {":v": S("x")}) == \
        cap(tab, 3.0, 1.0, gsi={"gin": 1.0}, lsi={"lsa": 1.0})


def test_update_in_place_is_charged_the_larger_entry(ddb, tab):
    ddb.put_item(TableName=tab, Item=item("a", l="l1", d="x" * 2500))
    # the lsa entry shrinks from 2.5 KB to almost nothing: 3 units, as the table
    assert update(ddb, tab, key("a"), "SET d = :v", {":v": S("x")}) == \
        cap(tab, 6.0, 3.0, lsi={"lsa": 3.0})


def test_sparse_index_in_and_out(ddb, tab):
    ddb.put_item(TableName=tab, Item=item("a"))
    # not in gsk, and still not: nothing there
    assert update(ddb, tab, key("a"), "SET d = :v", {":v": S("x")}) == cap(tab, 1.0)
    # defining g puts the item in: 1 write
    assert update(ddb, tab, key("a"), "SET g = :v", {":v": S("g")}) == \
        cap(tab, 2.0, 1.0, gsi={"gsk": 1.0})
    # removing it takes the entry out: 1 write
    assert update(ddb, tab, key("a"), "REMOVE g") == cap(tab, 2.0, 1.0, gsi={"gsk": 1.0})


def test_a_write_that_changes_no_entry_writes_no_index(ddb, tab):
    it = item("a", g="g", l="l")
    assert put(ddb, tab, it) == cap(tab, 3.0, 1.0, gsi={"gsk": 1.0}, lsi={"lsa": 1.0})
    # the same item again: the table write is charged, the entries stay as they are
    assert put(ddb, tab, it) == cap(tab, 1.0)


def test_delete_charges_the_index_deletes(ddb, tab):
    ddb.put_item(TableName=tab, Item=item("a", g="g", l="l", d="x" * 1500))
    out = ddb.delete_item(TableName=tab, Key=key("a"), ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == cap(tab, 5.0, 2.0, gsi={"gsk": 1.0}, lsi={"lsa": 2.0})
    # a delete that finds nothing costs the minimum write, and no index write
    out = ddb.delete_item(TableName=tab, Key=key("a"), ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == cap(tab, 1.0)


def test_batch_write_sums_table_and_index_writes_per_table(ddb, make_indexed):
    t1, t2 = make_indexed(), make_indexed()
    ddb.put_item(TableName=t1, Item=item("old", g="g"))
    out = ddb.batch_write_item(RequestItems={
        t1: [{"PutRequest": {"Item": item("n", g="x")}},
             {"DeleteRequest": {"Key": key("old")}}],
        t2: [{"PutRequest": {"Item": item("n", l="l")}}]}, ReturnConsumedCapacity="INDEXES")
    assert sorted(out["ConsumedCapacity"], key=lambda c: c["TableName"]) == sorted(
        [cap(t1, 4.0, 2.0, gsi={"gsk": 2.0}), cap(t2, 2.0, 1.0, lsi={"lsa": 1.0})],
        key=lambda c: c["TableName"])


# ---- reads ------------------------------------------------------------------------


def test_get_item_found_and_missing(ddb, tab):
    ddb.put_item(TableName=tab, Item=item("a", d="x" * 5000))
    get = lambda k, c: ddb.get_item(TableName=tab, Key=k, ConsistentRead=c,  # noqa: E731
                                    ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert get(key("a"), True) == cap(tab, 2.0)   # 5 KB: two 4 KB units
    assert get(key("a"), False) == cap(tab, 1.0)  # halved
    # an item that is not there costs the minimum read
    assert get(key("none"), True) == cap(tab, 1.0)
    assert get(key("none"), False) == cap(tab, 0.5)


def fill(ddb, t, n, size, **attrs):
    for i in range(n):
        ddb.put_item(TableName=t, Item=item("p", f"{i:02d}", d="x" * size, **attrs))


def test_scan_is_charged_by_the_bytes_it_reads(ddb, tab):
    # ten items of about 1 KB: 10 KB read, three 4 KB units (not ten)
    fill(ddb, tab, 10, 1000)
    out = ddb.scan(TableName=tab, ConsistentRead=True, ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == cap(tab, 3.0)
    out = ddb.scan(TableName=tab, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": tab, "CapacityUnits": 1.5}
    # a filter does not change what was read
    out = ddb.scan(TableName=tab, ConsistentRead=True, FilterExpression="attribute_exists(zz)",
                   ReturnConsumedCapacity="TOTAL")
    assert out["Count"] == 0 and out["ConsumedCapacity"]["CapacityUnits"] == 3.0
    # a page of Limit items is charged for those it read
    out = ddb.scan(TableName=tab, ConsistentRead=True, Limit=5, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 2.0


def test_query_is_charged_by_the_bytes_it_reads(ddb, tab):
    fill(ddb, tab, 10, 1000)
    q = dict(TableName=tab, KeyConditionExpression="pk = :p",
             ExpressionAttributeValues={":p": S("p")})
    assert ddb.query(**q, ConsistentRead=True, ReturnConsumedCapacity="INDEXES")[
        "ConsumedCapacity"] == cap(tab, 3.0)
    assert ddb.query(**q, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"] == cap(tab, 1.5)


def test_index_reads_are_charged_to_the_index(ddb, tab):
    # lsa projects everything: its entries are the whole items, ten of
    # about 1 KB, three units strongly consistent, charged to lsa, none to
    # the table
    fill(ddb, tab, 10, 1000, g="g", l="l")
    q = dict(TableName=tab, IndexName="lsa", KeyConditionExpression="pk = :p",
             ExpressionAttributeValues={":p": S("p")})
    out = ddb.query(**q, ConsistentRead=True, ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == cap(tab, 3.0, 0.0, lsi={"lsa": 3.0})
    out = ddb.query(**q, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": tab, "CapacityUnits": 1.5}
    out = ddb.scan(TableName=tab, IndexName="lsa", ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == cap(tab, 1.5, 0.0, lsi={"lsa": 1.5})
    out = ddb.scan(TableName=tab, IndexName="gin", ReturnConsumedCapacity="INDEXES")
    assert out["Count"] == 0  # nobody has h: the read is still gin's
    assert out["ConsumedCapacity"]["Table"] == {"CapacityUnits": 0.0}


@pytest.mark.ddbd_only
def test_global_index_reads_are_charged_by_entry_size(ddb, tab):
    """DynamoDB sizes a global index read by its entries (the projected
    attributes), not by the table's items; DynamoDB Local charges the items'
    size. Ten 1 KB items whose gsk entries hold only their keys: one page of
    small entries, the minimum read, charged to gsk."""
    fill(ddb, tab, 10, 1000, g="g", l="l")
    out = ddb.query(TableName=tab, IndexName="gsk", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": S("g")}, ReturnConsumedCapacity="INDEXES")
    assert out["Count"] == 10
    assert out["ConsumedCapacity"] == cap(tab, 0.5, 0.0, gsi={"gsk": 0.5})
    out = ddb.scan(TableName=tab, IndexName="gsk", ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == cap(tab, 0.5, 0.0, gsi={"gsk": 0.5})


@pytest.mark.ddbd_only
def test_reads_that_find_nothing_cost_the_minimum(ddb, tab):
    """DynamoDB charges a Query or Scan that reads nothing the minimum read
    (0.5 eventually consistent, 1 strongly); DynamoDB Local reports 0."""
    q = dict(TableName=tab, KeyConditionExpression="pk = :p",
             ExpressionAttributeValues={":p": S("none")})
    assert ddb.query(**q, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"] == cap(tab, 0.5)
    assert ddb.query(**q, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")[
        "ConsumedCapacity"]["CapacityUnits"] == 1.0
    assert ddb.scan(TableName=tab, ReturnConsumedCapacity="TOTAL")[
        "ConsumedCapacity"]["CapacityUnits"] == 0.5
    out = ddb.query(TableName=tab, IndexName="gsk", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": S("none")}, ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == cap(tab, 0.5, 0.0, gsi={"gsk": 0.5})


def test_batch_get_rounds_each_item_alone(ddb, make_indexed):
    # DynamoDB's example: items of 1.5 KB and 6.5 KB are 4 KB + 8 KB, three
    # units strongly consistent (not two, as 8 KB together would be)
    t1, t2 = make_indexed(), make_indexed()
    ddb.put_item(TableName=t1, Item=item("a", d="x" * 1500))
    ddb.put_item(TableName=t1, Item=item("b", d="x" * 6500))
    ddb.put_item(TableName=t2, Item=item("a", d="x" * 100))
    out = ddb.batch_get_item(RequestItems={
        t1: {"Keys": [key("a"), key("b")], "ConsistentRead": True},
        t2: {"Keys": [key("a")]}}, ReturnConsumedCapacity="INDEXES")
    assert sorted(out["ConsumedCapacity"], key=lambda c: c["TableName"]) == sorted(
        [cap(t1, 3.0), cap(t2, 0.5)], key=lambda c: c["TableName"])


@pytest.mark.ddbd_only
def test_batch_get_of_a_missing_item_costs_a_get_item(ddb, tab):
    """DynamoDB reads each key of a BatchGetItem as a GetItem of its own, and a
    GetItem that finds nothing costs the minimum read; DynamoDB Local charges
    nothing for the missing keys of a batch (yet the minimum for GetItem)."""
    ddb.put_item(TableName=tab, Item=item("a"))
    out = ddb.batch_get_item(RequestItems={tab: {"Keys": [key("a"), key("none")]}},
                             ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == [{"TableName": tab, "CapacityUnits": 1.0}]


# ---- transactions -----------------------------------------------------------------


@pytest.mark.ddbd_only
def test_transact_write_costs_twice_each_write(ddb, make_indexed):
    """Transactional writes cost twice the write units, index writes included,
    and name them (WriteCapacityUnits). DynamoDB Local charges four times."""
    t1, t2 = make_indexed(), make_indexed()
    ddb.put_item(TableName=t1, Item=item("u", g="g1"))
    ddb.put_item(TableName=t2, Item=item("c"))
    out = ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": t1, "Item": item("a", g="g", l="l", d="x" * 1500)}},
        {"Update": {"TableName": t1, "Key": key("u"), "UpdateExpression": "SET g = :v",
                    "ExpressionAttributeValues": {":v": S("g2")}}},
        {"ConditionCheck": {"TableName": t2, "Key": key("c"),
                            "ConditionExpression": "attribute_exists(pk)"}}],
        ReturnConsumedCapacity="INDEXES")
    w = lambda u: {"CapacityUnits": u, "WriteCapacityUnits": u}  # noqa: E731
    # t1: the put 2 (table) + 1 (gsk) + 2 (lsa), the update 1 (table) + 2 (gsk moved), doubled
    assert out["ConsumedCapacity"] == [
        {"TableName": t1, **w(16.0), "Table": w(6.0), "GlobalSecondaryIndexes": {"gsk": w(6.0)},
         "LocalSecondaryIndexes": {"lsa": w(4.0)}},
        {"TableName": t2, **w(2.0), "Table": w(2.0)}]
    out = ddb.transact_write_items(TransactItems=[
        {"Delete": {"TableName": t1, "Key": key("a")}}], ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == [{"TableName": t1, **w(10.0)}]


def test_transact_get_costs_twice_a_strongly_consistent_read(ddb, make_indexed):
    t1, t2 = make_indexed(), make_indexed()
    ddb.put_item(TableName=t1, Item=item("a", d="x" * 5000))
    ddb.put_item(TableName=t2, Item=item("a"))
    out = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": t1, "Key": key("a")}},
        {"Get": {"TableName": t2, "Key": key("a")}},
        {"Get": {"TableName": t1, "Key": key("none")}}], ReturnConsumedCapacity="TOTAL")
    # t1: 5 KB -> 2 units, doubled, and a missing item's minimum, doubled
    assert out["ConsumedCapacity"] == [
        {"TableName": t1, "CapacityUnits": 6.0, "ReadCapacityUnits": 6.0},
        {"TableName": t2, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}]


@pytest.mark.ddbd_only
def test_transact_get_indexes_names_the_table_part(ddb, tab):
    """With INDEXES the table's part names its units as the total does
    (ReadCapacityUnits); DynamoDB Local leaves that member out of the part."""
    ddb.put_item(TableName=tab, Item=item("a"))
    out = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": tab, "Key": key("a")}}],
                                 ReturnConsumedCapacity="INDEXES")
    r = {"CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}
    assert out["ConsumedCapacity"] == [{"TableName": tab, **r, "Table": r}]


# ---- PartiQL ----------------------------------------------------------------------


@pytest.mark.ddbd_only
def test_partiql_reports_index_capacity_as_the_operations_do(ddb, make_indexed):
    """ExecuteStatement, BatchExecuteStatement and ExecuteTransaction report
    what the equivalent operations do (DynamoDB Local reports nothing)."""
    t1, t2 = make_indexed(), make_indexed()
    ex = lambda st, mode="INDEXES": ddb.execute_statement(  # noqa: E731
        Statement=st, ReturnConsumedCapacity=mode)["ConsumedCapacity"]
    assert ex(f"INSERT INTO \"{t1}\" VALUE {{'pk':'a','sk':'1','g':'g','l':'l'}}") == \
        cap(t1, 3.0, 1.0, gsi={"gsk": 1.0}, lsi={"lsa": 1.0})
    assert ex(f"UPDATE \"{t1}\" SET g = 'g2' WHERE pk = 'a' AND sk = '1'") == \
        cap(t1, 4.0, 1.0, gsi={"gsk": 2.0}, lsi={"lsa": 1.0})
    assert ex(f"SELECT * FROM \"{t1}\".\"gsk\" WHERE g = 'g2'") == cap(t1, 0.5, 0.0, gsi={"gsk": 0.5})
    assert ex(f"SELECT * FROM \"{t1}\" WHERE pk = 'a' AND sk = '1'", "TOTAL") == \
        {"TableName": t1, "CapacityUnits": 0.5}
    out = ddb.batch_execute_statement(Statements=[
        {"Statement": f"INSERT INTO \"{t1}\" VALUE {{'pk':'b','sk':'1','g':'g'}}"},
        {"Statement": f"INSERT INTO \"{t2}\" VALUE {{'pk':'b','sk':'1'}}"},
        {"Statement": f"DELETE FROM \"{t1}\" WHERE pk = 'a' AND sk = '1'"}],
        ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == [cap(t1, 5.0, 2.0, gsi={"gsk": 2.0}, lsi={"lsa": 1.0}),
                                       cap(t2, 1.0)]
    out = ddb.execute_transaction(TransactStatements=[
        {"Statement": f"UPDATE \"{t1}\" SET g = 'g3' WHERE pk = 'b' AND sk = '1'"}],
        ReturnConsumedCapacity="INDEXES")
    w = lambda u: {"CapacityUnits": u, "WriteCapacityUnits": u}  # noqa: E731
    assert out["ConsumedCapacity"] == [
        {"TableName": t1, **w(6.0), "Table": w(2.0), "GlobalSecondaryIndexes": {"gsk": w(4.0)}}]
