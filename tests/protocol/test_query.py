"""Query and Scan: key conditions on S, N and B sort keys, ordering, paging
(Limit and the 1 MB page), filters, projections, Select, parallel scan, SDK
paginators, and the error cases. Checked against DynamoDB Local."""
import base64
import random

import pytest
from botocore.exceptions import ClientError

from conftest import error_of

NUMS = ["-100", "-10.5", "-1", "-0.001", "0", "0.001", "1", "1.5", "2", "10", "10.25", "100", "1e20"]
STRS = ["", "a", "ab", "abc", "b", "Z", "é", "ü", "中文", "😀", "ORDER#2024-01-01", "ORDER#2024-02-15"]
BINS = [b"\x00", b"\x00\x01", b"\x01", b"\x7f", b"\x80", b"\xff", b"\xff\x00", b"ab"]


def sort_key_value(t, v):
    return {t: v}


@pytest.fixture
def typed_table(ddb, make_table):
    """One table per sort-key type, holding one partition 'p' with every sample value."""
    tables = {}

    def make(t):
        if t in tables:
            return tables[t]
        name = make_table(range_key=("sk", t))
        samples = {"N": NUMS, "S": [s for s in STRS if s], "B": BINS}[t]
        for i, v in enumerate(samples):
            ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {t: v}, "i": {"N": str(i)}})
        ddb.put_item(TableName=name, Item={"pk": {"S": "other"}, "sk": {t: samples[0]}})
        tables[t] = (name, samples)
        return tables[t]
    return make


def ordered(t, samples):
    if t == "N":
        from decimal import Decimal
        return sorted(samples, key=Decimal)
    if t == "S":
        return sorted(samples, key=lambda s: s.encode())
    return sorted(samples)


def query_all(ddb, **kw):
    items, start = [], None
    while True:
        if start:
            kw["ExclusiveStartKey"] = start
        out = ddb.query(**kw)
        items += out["Items"]
        start = out.get("LastEvaluatedKey")
        if not start:
            return items


def sk_of(t, item):
    v = item["sk"][t]
    return v


def norm(t, v):
    if t == "N":
        from decimal import Decimal
        return Decimal(v)
    return v


@pytest.mark.parametrize("t", ["N", "S", "B"])
def test_sort_key_order_and_operators(ddb, typed_table, t):
    name, samples = typed_table(t)
    want = ordered(t, samples)
    got = [sk_of(t, i) for i in ddb.query(TableName=name, KeyConditionExpression="pk = :p",
                                          ExpressionAttributeValues={":p": {"S": "p"}})["Items"]]
    assert [norm(t, g) for g in got] == [norm(t, w) for w in want]
    rev = [sk_of(t, i) for i in ddb.query(TableName=name, KeyConditionExpression="pk = :p",
                                          ExpressionAttributeValues={":p": {"S": "p"}},
                                          ScanIndexForward=False)["Items"]]
    assert rev == got[::-1]
    pivot = want[len(want) // 2]
    lo, hi = want[2], want[-3]
    cases = {
        "sk = :v": [w for w in want if norm(t, w) == norm(t, pivot)],
        "sk < :v": [w for w in want if norm(t, w) < norm(t, pivot)],
        "sk <= :v": [w for w in want if norm(t, w) <= norm(t, pivot)],
        "sk > :v": [w for w in want if norm(t, w) > norm(t, pivot)],
        "sk >= :v": [w for w in want if norm(t, w) >= norm(t, pivot)],
    }
    for cond, expect in cases.items():
        for forward in (True, False):
            out = ddb.query(TableName=name, KeyConditionExpression="pk = :p AND " + cond,
                            ExpressionAttributeValues={":p": {"S": "p"}, ":v": {t: pivot}},
                            ScanIndexForward=forward)
            vals = [norm(t, sk_of(t, i)) for i in out["Items"]]
            exp = [norm(t, w) for w in expect]
            assert vals == (exp if forward else exp[::-1]), cond
    out = ddb.query(TableName=name, KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                    ExpressionAttributeValues={":p": {"S": "p"}, ":a": {t: lo}, ":b": {t: hi}})
    assert [norm(t, sk_of(t, i)) for i in out["Items"]] == \
        [norm(t, w) for w in want if norm(t, lo) <= norm(t, w) <= norm(t, hi)]


@pytest.mark.parametrize("t,prefix", [("S", "a"), ("S", "ORDER#2024-"), ("S", "中"), ("S", "zzz"),
                                      ("B", b"\x00"), ("B", b"\xff"), ("B", b"a")])
def test_begins_with(ddb, typed_table, t, prefix):
    name, samples = typed_table(t)
    out = ddb.query(TableName=name, KeyConditionExpression="pk = :p AND begins_with(sk, :x)",
                    ExpressionAttributeValues={":p": {"S": "p"}, ":x": {t: prefix}})
    raw = lambda v: v.encode() if t == "S" else v  # noqa: E731
    want = [w for w in ordered(t, samples) if raw(w).startswith(raw(prefix))]
    assert [sk_of(t, i) for i in out["Items"]] == want
    assert out["Count"] == out["ScannedCount"] == len(want)


def test_number_scales_compare_numerically(ddb, make_table):
    name = make_table(range_key=("sk", "N"))
    for v in ["1", "1.0", "01.000", "1e0"]:
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": v}, "v": {"S": v}})
    out = ddb.query(TableName=name, KeyConditionExpression="pk = :p AND sk = :one",
                    ExpressionAttributeValues={":p": {"S": "p"}, ":one": {"N": "1.00"}})
    assert out["Count"] == 1 and out["Items"][0]["v"] == {"S": "1e0"}


def test_limit_filter_count_and_paging(ddb, make_table):
    name = make_table(range_key=("sk", "N"))
    for i in range(10):
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "odd": {"BOOL": i % 2 == 1}})
    out = ddb.query(TableName=name, KeyConditionExpression="pk = :p", FilterExpression="odd = :t",
                    ExpressionAttributeValues={":p": {"S": "p"}, ":t": {"BOOL": True}}, Limit=3)
    assert out["ScannedCount"] == 3 and out["Count"] == 1
    assert out["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "2"}}
    # Limit equal to what is left still returns a LastEvaluatedKey (no look-ahead)
    out = ddb.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
                    Limit=10)
    assert out["Count"] == 10 and "LastEvaluatedKey" in out
    items = query_all(ddb, TableName=name, KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": "p"}}, Limit=3)
    assert [int(i["sk"]["N"]) for i in items] == list(range(10))
    desc = query_all(ddb, TableName=name, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": "p"}}, Limit=4, ScanIndexForward=False)
    assert [int(i["sk"]["N"]) for i in desc] == list(range(9, -1, -1))
    out = ddb.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
                    Select="COUNT")
    assert out["Count"] == 10 and "Items" not in out


def test_one_megabyte_pages(ddb, make_table):
    name = make_table(range_key=("sk", "N"))
    blob = "x" * (300 * 1024)
    for i in range(8):
        ddb.put_item(TableName=name, Item={"pk": {"S": "big"}, "sk": {"N": str(i)}, "d": {"S": blob}})
    out = ddb.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "big"}})
    assert 3 <= out["Count"] <= 4 and "LastEvaluatedKey" in out
    items = query_all(ddb, TableName=name, KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": "big"}})
    assert [int(i["sk"]["N"]) for i in items] == list(range(8))
    scanned, start = [], None
    while True:
        kw = {"ExclusiveStartKey": start} if start else {}
        page = ddb.scan(TableName=name, **kw)
        assert page["Count"] <= 4
        scanned += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert len(scanned) == 8


def test_writes_between_pages_never_skip_or_repeat(ddb, make_table):
    name = make_table(range_key=("sk", "N"))
    for i in range(0, 20, 2):
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}})
    first = ddb.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
                      Limit=4)
    # insert before and after the page boundary, delete an item already returned
    ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": "7"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": "0"}})
    rest = query_all(ddb, TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
                     ExclusiveStartKey=first["LastEvaluatedKey"])
    got = [int(i["sk"]["N"]) for i in first["Items"] + rest]
    assert got == [0, 2, 4, 6, 7, 8, 10, 12, 14, 16, 18]


def test_projection_and_select(ddb, make_table):
    name = make_table(range_key=("sk", "S"))
    ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": "a"}, "x": {"N": "1"}, "y": {"M": {"z": {"S": "q"}}}})
    out = ddb.query(TableName=name, KeyConditionExpression="pk = :p", ProjectionExpression="x, y.z",
                    ExpressionAttributeValues={":p": {"S": "p"}})
    assert out["Items"] == [{"x": {"N": "1"}, "y": {"M": {"z": {"S": "q"}}}}]
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
                  Select="SPECIFIC_ATTRIBUTES")
    assert error_of(e) == ("ValidationException", "Must specify the AttributesToGet or ProjectionExpression "
                           "when choosing to get SPECIFIC_ATTRIBUTES")
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
                  Select="ALL_ATTRIBUTES", ProjectionExpression="x")
    assert error_of(e) == ("ValidationException",
                           "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES")


def test_consumed_capacity(ddb, make_table):
    name = make_table(range_key=("sk", "N"))
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "d": {"S": "x" * 3000}})
    out = ddb.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
                    ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    assert out["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 3.0}
    out = ddb.scan(TableName=name, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 1.5


def test_legacy_key_conditions_and_query_filter(ddb, make_table):
    name = make_table(range_key=("sk", "N"))
    for i in range(6):
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "v": {"N": str(i % 3)}})
    out = ddb.query(TableName=name, KeyConditions={
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
        "sk": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "2"}]}},
        QueryFilter={"v": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "0"}]}},
        AttributesToGet=["sk"])
    assert out["Items"] == [{"sk": {"N": "3"}}] and out["ScannedCount"] == 4
    out = ddb.scan(TableName=name, ScanFilter={"v": {"ComparisonOperator": "IN",
                                                     "AttributeValueList": [{"N": "1"}, {"N": "2"}]}})
    assert out["Count"] == 4


KEY_ERRORS = [
    ("sk = :s", {":s": {"N": "1"}}, "Query condition missed key schema element"),
    ("pk = :p AND v = :s", {":p": {"S": "p"}, ":s": {"N": "1"}}, "Query condition missed key schema element"),
    ("pk = :p AND sk > :s AND sk < :t", {":p": {"S": "p"}, ":s": {"N": "1"}, ":t": {"N": "3"}},
     "KeyConditionExpressions must only contain one condition per key"),
    ("pk = :p OR sk = :s", {":p": {"S": "p"}, ":s": {"N": "1"}}, "Invalid operator used in KeyConditionExpression: OR"),
    ("pk < :p", {":p": {"S": "p"}}, "Query key condition not supported"),
    ("begins_with(pk, :p)", {":p": {"S": "p"}}, "Query key condition not supported"),
    ("pk = :p AND sk = :s", {":p": {"S": "p"}, ":s": {"S": "1"}},
     "One or more parameter values were invalid: Condition parameter type does not match schema type"),
    ("pk = :p AND begins_with(sk, :s)", {":p": {"S": "p"}, ":s": {"N": "1"}},
     "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: begins_with, operand type: N"),
    ("pk = :p AND sk <> :s", {":p": {"S": "p"}, ":s": {"N": "1"}}, "Invalid operator used in KeyConditionExpression: <>"),
    ("pk = :p AND attribute_exists(sk)", {":p": {"S": "p"}},
     "Invalid operator used in KeyConditionExpression: attribute_exists"),
]


@pytest.mark.parametrize("cond,values,message", KEY_ERRORS)
def test_key_condition_errors(ddb, make_table, cond, values, message):
    name = make_table(range_key=("sk", "N"))
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=name, KeyConditionExpression=cond, ExpressionAttributeValues=values)
    code, msg = error_of(e)
    # ddbd names the missing key element ("...: pk"), as the DynamoDB service does
    assert code == "ValidationException" and msg.startswith(message)


def test_query_request_errors(ddb, make_table):
    name = make_table(range_key=("sk", "N"))
    cases = [
        (dict(ExpressionAttributeValues={":p": {"S": "p"}}),
         "ExpressionAttributeValues can only be specified when using expressions: FilterExpression and "
         "KeyConditionExpression are null"),
        (dict(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}}, IndexName="nope"),
         "The table does not have the specified index: nope"),
        (dict(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
              ExclusiveStartKey={"pk": {"S": "q"}, "sk": {"N": "2"}}),
         "The provided starting key does not match the range key predicate"),
    ]
    for kw, message in cases:
        with pytest.raises(ClientError) as e:
            ddb.query(TableName=name, **kw)
        assert error_of(e) == ("ValidationException", message)


@pytest.mark.parametrize("total", [1, 2, 3, 7, 16])
def test_parallel_scan_partitions_the_table(ddb, make_table, total):
    name = make_table(range_key=("sk", "N"))
    rnd = random.Random(total)
    keys = set()
    for i in range(120):
        pk, sk = f"p{rnd.randrange(40)}", str(i)
        ddb.put_item(TableName=name, Item={"pk": {"S": pk}, "sk": {"N": sk}})
        keys.add((pk, sk))
    seen = []
    for seg in range(total):
        start = None
        while True:
            kw = {"ExclusiveStartKey": start} if start else {}
            out = ddb.scan(TableName=name, Segment=seg, TotalSegments=total, Limit=7, **kw)
            seen += [(i["pk"]["S"], i["sk"]["N"]) for i in out["Items"]]
            start = out.get("LastEvaluatedKey")
            if not start:
                break
    assert len(seen) == len(keys) and set(seen) == keys


def test_scan_groups_partitions_in_sort_order(ddb, make_table):
    name = make_table(range_key=("sk", "N"))
    for p in range(8):
        for s in (3, 1, 2):
            ddb.put_item(TableName=name, Item={"pk": {"S": f"p{p}"}, "sk": {"N": str(s)}})
    items = ddb.scan(TableName=name)["Items"]
    pks = [i["pk"]["S"] for i in items]
    # each partition appears as one contiguous run, in sort-key order
    runs = [pks[0]] + [b for a, b in zip(pks, pks[1:]) if a != b]
    assert len(runs) == len(set(runs)) == 8
    for p in set(pks):
        assert [i["sk"]["N"] for i in items if i["pk"]["S"] == p] == ["1", "2", "3"]


def test_scan_segment_errors(ddb, table):
    for kw, message in [
        (dict(TotalSegments=2), "If total segments is specified, a particular segment must also be specified for this request"),
        (dict(Segment=0), "If segment is specified, total segment must also be specified"),
        (dict(Segment=2, TotalSegments=2), "1 validation error detected: Value '2' at 'segment' failed to satisfy "
                                          "constraint: Member must have value less than or equal to 1"),
        (dict(Segment=0, TotalSegments=1000001), "1 validation error detected: Value '1000001' at 'totalSegments' "
                                                 "failed to satisfy constraint: Member must have value less than or "
                                                 "equal to 1000000"),
    ]:
        with pytest.raises(ClientError) as e:
            ddb.scan(TableName=table, **kw)
        assert error_of(e) == ("ValidationException", message)


def test_scan_filter_on_ttl_style_attribute(ddb, table):
    for i in range(20):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}, "ttl": {"N": str(1000 + i)}})
    out = ddb.scan(TableName=table, FilterExpression="#ttl < :now", ExpressionAttributeNames={"#ttl": "ttl"},
                   ExpressionAttributeValues={":now": {"N": "1005"}})
    assert out["Count"] == 5 and out["ScannedCount"] == 20


def test_boto3_paginators(ddb, make_table):
    name = make_table(range_key=("sk", "N"))
    for i in range(25):
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}})
    pages = list(ddb.get_paginator("query").paginate(
        TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
        PaginationConfig={"PageSize": 10}))
    assert [p["Count"] for p in pages][:3] == [10, 10, 5]
    scanned = [i for p in ddb.get_paginator("scan").paginate(TableName=name, PaginationConfig={"PageSize": 7})
               for i in p["Items"]]
    assert len(scanned) == 25


def test_single_table_access_patterns(ddb, make_table):
    """A seed-style single-table design: users, profiles and orders under USER#id."""
    name = make_table(hash_key=("PK", "S"), range_key=("SK", "S"))
    for u in range(3):
        ddb.put_item(TableName=name, Item={"PK": {"S": f"USER#{u}"}, "SK": {"S": "PROFILE"},
                                           "email": {"S": f"u{u}@example.com"}})
        for d in range(1, 6):
            ddb.put_item(TableName=name, Item={"PK": {"S": f"USER#{u}"}, "SK": {"S": f"ORDER#2024-0{d}-01"},
                                               "total": {"N": str(d * 10)}})
    orders = ddb.query(TableName=name, KeyConditionExpression="PK = :pk AND begins_with(SK, :o)",
                       ExpressionAttributeValues={":pk": {"S": "USER#1"}, ":o": {"S": "ORDER#"}})
    assert orders["Count"] == 5
    latest = ddb.query(TableName=name, KeyConditionExpression="PK = :pk AND begins_with(SK, :o)",
                       ExpressionAttributeValues={":pk": {"S": "USER#1"}, ":o": {"S": "ORDER#"}},
                       ScanIndexForward=False, Limit=1)
    assert latest["Items"][0]["SK"] == {"S": "ORDER#2024-05-01"}
    spring = ddb.query(TableName=name, KeyConditionExpression="PK = :pk AND SK BETWEEN :a AND :b",
                       ExpressionAttributeValues={":pk": {"S": "USER#2"}, ":a": {"S": "ORDER#2024-02"},
                                                  ":b": {"S": "ORDER#2024-04~"}})
    assert [i["SK"]["S"] for i in spring["Items"]] == ["ORDER#2024-02-01", "ORDER#2024-03-01", "ORDER#2024-04-01"]
    big = ddb.query(TableName=name, KeyConditionExpression="PK = :pk AND begins_with(SK, :o)",
                    FilterExpression="#t >= :min", ExpressionAttributeNames={"#t": "total"},
                    ExpressionAttributeValues={":pk": {"S": "USER#0"}, ":o": {"S": "ORDER#"}, ":min": {"N": "30"}})
    assert big["Count"] == 3 and big["ScannedCount"] == 5
    whole = ddb.query(TableName=name, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": "USER#0"}})
    assert whole["Count"] == 6
