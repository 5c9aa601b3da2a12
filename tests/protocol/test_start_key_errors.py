"""The messages of a Query's or Scan's ExclusiveStartKey errors: the detail
after "The provided starting key is invalid: " is the key check's own. It
used to be formatted into the buffer it was read from (overlapping
vsnprintf) and came out garbled ("...invalid: The provided starting key is
invalid: lid: Type mismatch..."). ddbd_only: DynamoDB Local words these
differently ("Type mismatch for attribute to update"); ddbd keeps its own
wording, the same type of error."""
import pytest
from botocore.exceptions import ClientError

from conftest import error_of

pytestmark = pytest.mark.ddbd_only

PREFIX = "The provided starting key is invalid: "


@pytest.fixture
def keyed(ddb, table_name):
    ddb.create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    yield table_name
    ddb.delete_table(TableName=table_name)


@pytest.mark.parametrize("start,detail", [
    ({"pk": {"N": "1"}, "sk": {"N": "1"}},
     "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
    ({"pk": {"S": "1"}, "sk": {"S": "1"}},
     "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"),
    ({"pk": {"S": "1"}, "x": {"N": "1"}},
     "One or more parameter values were invalid: Missing the key sk in the item"),
])
def test_scan_start_key_messages(ddb, keyed, start, detail):
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName=keyed, ExclusiveStartKey=start)
    assert error_of(e) == ("ValidationException", PREFIX + detail)


def test_index_start_key_message(ddb, keyed):
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName=keyed, IndexName="by_g",
                 ExclusiveStartKey={"pk": {"S": "1"}, "sk": {"N": "1"}, "g": {"N": "1"}})
    assert error_of(e) == ("ValidationException", PREFIX + "The provided key element does not match the schema")


def test_query_start_key_message(ddb, keyed):
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=keyed, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}},
                  ExclusiveStartKey={"pk": {"N": "1"}, "sk": {"N": "1"}})
    assert error_of(e) == ("ValidationException", PREFIX + "One or more parameter values were invalid: Type "
                                                           "mismatch for key pk expected: S actual: N")
