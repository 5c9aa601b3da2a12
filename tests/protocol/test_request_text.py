"""Request bodies must be JSON text as RFC 8259 defines it: UTF-8, escaped control characters,
one value and nothing after it. Anything else is a SerializationException and stores nothing.

Before, invalid UTF-8 was stored and echoed raw, after which boto3's get_item/scan of that table
raised UnicodeDecodeError for every reader. DynamoDB answers such bodies with a 400
SerializationException; DynamoDB Local answers a 500 InternalFailure for invalid UTF-8 and raw
control characters and silently accepts overlong forms (decoding them) and trailing bytes, so
these tests follow DynamoDB, not the oracle, and are ddbd_only.
"""
import json

import pytest

from test_protocol import raw

pytestmark = pytest.mark.ddbd_only


BAD = [
    (b"a\xff\xfeb", "never valid in UTF-8"),
    (b"a\xc0\xafb", "overlong form of '/'"),
    (b"a\xed\xa0\x80b", "a UTF-16 surrogate encoded in UTF-8"),
    (b"a\xf4\x90\x80\x80b", "past U+10FFFF"),
    (b"a\xe2\x82", "cut short"),
    (b"a\x01b", "raw control character"),
    (b"a\nb", "raw newline"),
]


@pytest.mark.parametrize("text,why", BAD, ids=[w for _, w in BAD])
def test_bad_text_in_a_value_is_refused_and_stores_nothing(endpoint, ddb, table, text, why):
    body = b'{"TableName":"' + table.encode() + b'","Item":{"pk":{"S":"' + text + b'"}}}'
    status, _, data = raw(endpoint, body, target="DynamoDB_20120810.PutItem")
    assert status == 400, why
    assert json.loads(data)["__type"] == "com.amazon.coral.service#SerializationException"
    assert ddb.scan(TableName=table)["Count"] == 0  # and every reader still decodes the table


def test_bad_text_in_an_attribute_name_is_refused(endpoint, ddb, table):
    body = (b'{"TableName":"' + table.encode() + b'","Item":{"pk":{"S":"x"},"a\xffb":{"S":"1"}}}')
    status, _, data = raw(endpoint, body, target="DynamoDB_20120810.PutItem")
    assert status == 400
    assert json.loads(data)["__type"].endswith("#SerializationException")
    assert ddb.scan(TableName=table)["Count"] == 0


@pytest.mark.parametrize("tail", [b" xyz", b"{}", b'"x"'])
def test_bytes_after_the_object_are_refused(endpoint, ddb, table, tail):
    body = b'{"TableName":"' + table.encode() + b'","Item":{"pk":{"S":"x"}}}' + tail
    status, _, data = raw(endpoint, body, target="DynamoDB_20120810.PutItem")
    assert status == 400
    assert json.loads(data)["__type"].endswith("#SerializationException")
    assert ddb.scan(TableName=table)["Count"] == 0


def test_valid_text_of_every_length_and_trailing_white_space_are_accepted(endpoint, ddb, table):
    value = "é€😀\ud7ff\ue000\U0010ffff"
    body = json.dumps({"TableName": table, "Item": {"pk": {"S": value}}}, ensure_ascii=False)
    status, _, data = raw(endpoint, body.encode() + b" \r\n\t", target="DynamoDB_20120810.PutItem")
    assert status == 200, data
    assert ddb.get_item(TableName=table, Key={"pk": {"S": value}})["Item"]["pk"]["S"] == value


def test_strings_keep_their_nul_characters(ddb, make_table):
    # cJSON ends strings at NUL: "a\0one" and "a\0two" were one key, the
    # second put overwriting the first
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a\x00one"}, "v": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "a\x00two"}, "v": {"N": "2"},
                                       "x\x00y": {"SS": ["q\x00", "q"]}})
    items = sorted(ddb.scan(TableName=name)["Items"], key=lambda i: i["pk"]["S"])
    assert [i["pk"]["S"] for i in items] == ["a\x00one", "a\x00two"]
    assert set(items[1]["x\x00y"]["SS"]) == {"q\x00", "q"}
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "a\x00one"}})["Item"]
    assert got == {"pk": {"S": "a\x00one"}, "v": {"N": "1"}}
    # names through ExpressionAttributeNames and in update paths keep them too
    ddb.update_item(TableName=name, Key={"pk": {"S": "a\x00one"}}, UpdateExpression="SET #n = :v",
                    ExpressionAttributeNames={"#n": "m\x00n"},
                    ExpressionAttributeValues={":v": {"S": "z\x00"}})
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "a\x00one"}},
                       ProjectionExpression="#n", ExpressionAttributeNames={"#n": "m\x00n"})
    assert got["Item"] == {"m\x00n": {"S": "z\x00"}}
    # an escaped backslash followed by u0000 is six characters, not a NUL
    ddb.put_item(TableName=name, Item={"pk": {"S": "\\u0000"}})
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "\\u0000"}})["Item"]["pk"]["S"] == "\\u0000"
    assert ddb.scan(TableName=name)["Count"] == 3


def test_a_table_name_is_validated_on_its_full_bytes(ddb):
    # "tbl\0x" created the table "tbl"
    with pytest.raises(Exception) as e:
        ddb.create_table(TableName="tbl\x00x", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert "tbl" not in ddb.list_tables()["TableNames"]
