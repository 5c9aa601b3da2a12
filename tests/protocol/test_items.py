"""PutItem, GetItem, DeleteItem: every attribute type, number normalization,
ReturnValues, ConsumedCapacity, and the validation of items and keys."""
import pytest
from botocore.exceptions import ClientError

from conftest import error_of

ALL_TYPES = {
    "pk": {"S": "all-types"},
    "s": {"S": "héllo wörld ✓"},
    "empty": {"S": ""},
    "n": {"N": "-12.5"},
    "b": {"B": b"\x00\x01\xffbinary"},
    "ss": {"SS": ["a", "b", "c"]},
    "ns": {"NS": ["1", "2.5", "-3"]},
    "bs": {"BS": [b"\x01", b"\x02\x03"]},
    "m": {"M": {"nested": {"M": {"deep": {"L": [{"S": "x"}, {"N": "1"}]}}}, "t": {"BOOL": True}}},
    "l": {"L": [{"S": "a"}, {"NULL": True}, {"BOOL": False}, {"L": []}, {"M": {}}]},
    "t": {"BOOL": True},
    "f": {"BOOL": False},
    "z": {"NULL": True},
}


def sets_as_sorted(item):
    out = {}
    for k, v in item.items():
        (t, val), = v.items()
        out[k] = {t: sorted(val)} if t in ("SS", "NS", "BS") else v
    return out


def test_put_get_every_type(ddb, table):
    ddb.put_item(TableName=table, Item=ALL_TYPES)
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "all-types"}})["Item"]
    assert sets_as_sorted(got) == sets_as_sorted(ALL_TYPES)


def test_get_missing_item_has_no_item_member(ddb, table):
    out = ddb.get_item(TableName=table, Key={"pk": {"S": "nothing"}})
    assert "Item" not in out


@pytest.mark.parametrize("given,stored", [
    ("1.50", "1.5"), ("1e2", "100"), ("1E+2", "100"), ("-0", "0"), ("0.000", "0"), ("007", "7"),
    ("1.5e-3", "0.0015"), ("-12.500", "-12.5"), ("1E+30", "1000000000000000000000000000000"),
    ("1e-130", "0." + "0" * 129 + "1"),
    ("9.9999999999999999999999999999999999999E+125", "99999999999999999999999999999999999999" + "0" * 88),
    (".5", "0.5"), ("5.", "5"), ("+3", "3"),
])
def test_number_normalization(ddb, table, given, stored):
    ddb.put_item(TableName=table, Item={"pk": {"S": "n"}, "v": {"N": given}, "s": {"NS": [given]}})
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "n"}})["Item"]
    assert got["v"] == {"N": stored}
    assert got["s"] == {"NS": [stored]}


@pytest.mark.parametrize("key_type,value", [("N", "42.0"), ("B", b"\x00\xff"), ("S", "ключ")])
def test_key_types_roundtrip(ddb, make_table, key_type, value):
    name = make_table(hash_key=("h", key_type), range_key=("r", "N"))
    key = {"h": {key_type: value}, "r": {"N": "-1.5"}}
    ddb.put_item(TableName=name, Item={**key, "x": {"S": "y"}})
    # the number key matches numerically: 42 == 42.0, -1.50 == -1.5
    lookup = {"h": {key_type: "42" if key_type == "N" else value}, "r": {"N": "-1.50"}}
    got = ddb.get_item(TableName=name, Key=lookup)["Item"]
    assert got["x"] == {"S": "y"}
    if key_type == "N":
        assert got["h"] == {"N": "42"}


def test_put_overwrites_and_return_values(ddb, table):
    out = ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, "v": {"N": "1"}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in out
    out = ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, "v": {"N": "2"}}, ReturnValues="ALL_OLD")
    assert out["Attributes"] == {"pk": {"S": "k"}, "v": {"N": "1"}}
    out = ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, "w": {"S": "x"}}, ReturnValues="NONE")
    assert "Attributes" not in out
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"] == {"pk": {"S": "k"}, "w": {"S": "x"}}


def test_delete_item_and_return_values(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "d"}, "v": {"S": "old"}})
    out = ddb.delete_item(TableName=table, Key={"pk": {"S": "d"}}, ReturnValues="ALL_OLD")
    assert out["Attributes"] == {"pk": {"S": "d"}, "v": {"S": "old"}}
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "d"}})
    out = ddb.delete_item(TableName=table, Key={"pk": {"S": "d"}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in out


def test_item_count_and_size(ddb, table):
    for i in range(10):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}, "v": {"S": "abcd"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "k0"}, "v": {"S": "ab"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "k9"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "absent"}})
    desc = ddb.describe_table(TableName=table)["Table"]
    assert desc["ItemCount"] == 9
    # each item: "pk"(2) + "k<i>"(2) + "v"(1) + value bytes
    assert desc["TableSizeBytes"] == 8 * (2 + 2 + 1 + 4) + (2 + 2 + 1 + 2)


def test_consistent_read_and_consumed_capacity(ddb, table):
    big = "x" * 3000
    out = ddb.put_item(TableName=table, Item={"pk": {"S": "c"}, "d": {"S": big}},
                       ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 3.0,
                                       "Table": {"CapacityUnits": 3.0}}
    out = ddb.get_item(TableName=table, Key={"pk": {"S": "c"}}, ConsistentRead=True,
                       ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.0}
    out = ddb.get_item(TableName=table, Key={"pk": {"S": "c"}}, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 0.5
    out = ddb.delete_item(TableName=table, Key={"pk": {"S": "c"}}, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 3.0


def test_attributes_to_get(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": {"N": "1"}, "y": {"N": "2"}})
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "a"}}, AttributesToGet=["x", "nope"])["Item"]
    assert got == {"x": {"N": "1"}}


def test_item_size_limit(ddb, table):
    # 400 KB = 409600 bytes counted as name + value bytes
    name_overhead = len("pk") + len("a") + len("d")
    ok = "x" * (409600 - name_overhead)
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "d": {"S": ok}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=table, Item={"pk": {"S": "b"}, "d": {"S": ok + "x"}})
    assert error_of(e) == ("ValidationException", "Item size has exceeded the maximum allowed size")
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "b"}})


ITEM_ERRORS_ORACLE = [
    # (item, message) with DynamoDB Local's exact words
    ({"pk": {"S": ""}}, "One or more parameter values are not valid. The AttributeValue for a key "
                        "attribute cannot contain an empty string value. Key: pk"),
    ({"pk": {"S": "a"}, "s": {"SS": []}}, "One or more parameter values were invalid: An string set  may not be empty"),
    ({"pk": {"S": "a"}, "s": {"SS": ["a", "a"]}},
     "One or more parameter values were invalid: Input collection [a, a] contains duplicates"),
    ({"pk": {"S": "a"}, "s": {"N": "1e126"}},
     "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ({"pk": {"S": "a"}, "s": {"N": "abc"}}, "A value provided cannot be converted into a number"),
    ({"pk": {"S": "a"}, "s": {"NULL": False}},
     "One or more parameter values were invalid: Null attribute value types must have the value of true"),
]


@pytest.mark.parametrize("item,message", ITEM_ERRORS_ORACLE)
def test_item_validation_oracle_messages(ddb, table, item, message):
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=table, Item=item)
    assert error_of(e) == ("ValidationException", message)
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "a"}})


ITEM_ERRORS_SERVICE = [
    # The service's words where DynamoDB Local words it differently (its variant in the comment).
    ({"pk": {"N": "1"}},  # DDB Local: "...Type mismatch for key"
     "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
    ({"x": {"S": "1"}},  # DDB Local: "One of the required keys was not given a value"
     "One or more parameter values were invalid: Missing the key pk in the item"),
    ({"pk": {"S": "a"}, "s": {"N": "1234567890123456789012345678901234567890"}},
     # DDB Local: "DynamoDB only supports precision up to 38 digits"
     "Attempting to store more than 38 significant digits in a Number"),
    ({"pk": {"S": "a"}, "s": {"N": "1e-131"}},
     "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
    ({"pk": {"S": "x" * 2049}},  # DDB Local: "Hash primary key values must be under 2048 bytes..."
     "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"),
    ({"pk": {"S": "a"}, "v": {"S": "a", "N": "1"}},
     "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"),
    ({"pk": {"S": "a"}, "v": {}},
     "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
]


@pytest.mark.ddbd_only
@pytest.mark.parametrize("item,message", ITEM_ERRORS_SERVICE)
def test_item_validation_service_messages(ddb, table, item, message):
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=table, Item=item)
    assert error_of(e) == ("ValidationException", message)


def test_nesting_limit(ddb, table):
    def nest(n):
        v = {"S": "x"}
        for _ in range(n):
            v = {"L": [v]}
        return v
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": nest(31)})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": nest(32)})
    assert error_of(e) == ("ValidationException", "Nesting Levels have exceeded supported limits: "
                           "Attributes in the item have nested levels beyond supported limit")


def test_range_key_table(ddb, make_table):
    name = make_table(range_key=("sk", "S"))
    ddb.put_item(TableName=name, Item={"pk": {"S": "u"}, "sk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "u"}, "sk": {"S": "b"}, "v": {"N": "2"}})
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "u"}, "sk": {"S": "b"}})["Item"]["v"] == {"N": "2"}
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName=name, Key={"pk": {"S": "u"}})
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=name, Item={"pk": {"S": "u"}})
    assert error_of(e)[0] == "ValidationException"


@pytest.mark.parametrize("key", [{"pk": {"S": "a"}, "x": {"S": "b"}}, {"pk": {"N": "1"}}, {"x": {"S": "a"}}])
def test_bad_keys_on_get_and_delete(ddb, table, key):
    for op in (ddb.get_item, ddb.delete_item):
        with pytest.raises(ClientError) as e:
            op(TableName=table, Key=key)
        assert error_of(e)[0] == "ValidationException"


@pytest.mark.ddbd_only
def test_bad_key_message(ddb, table):
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName=table, Key={"pk": {"S": "a"}, "x": {"S": "b"}})
    assert error_of(e) == ("ValidationException", "The provided key element does not match the schema")


def test_missing_table(ddb):
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="no_such_table_here", Item={"pk": {"S": "a"}})
    assert error_of(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="no_such_table_here", Key={"pk": {"S": "a"}})
    assert error_of(e)[0] == "ResourceNotFoundException"


@pytest.mark.ddbd_only
def test_put_return_values_other_than_all_old(ddb, table):
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=table, Item={"pk": {"S": "a"}}, ReturnValues="ALL_NEW")
    assert error_of(e) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE")
