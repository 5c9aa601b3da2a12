"""DynamoDB's validation messages, byte for byte, at every place that writes one.

The messages come from the helpers in query/params.c (vlist_not_null,
vlist_len, vlist_enum, p_error_*); these cases pin the text each request gets,
including the quoting of long values (cut at 100, 200 or 300 bytes) and the
order of several errors in one message. Sent as raw JSON, so that botocore's
model does not refuse the invalid requests first.
"""
import http.client
import json

import pytest

pytestmark = pytest.mark.ddbd_only

AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0123abcd")

LONG = "x" * 400
K = {"pk": {"S": "a"}}


def ks(*names):
    return [{"AttributeName": n, "KeyType": t} for n, t in names]
AD = [{"AttributeName": "pk", "AttributeType": "S"}]


def base(t, billing="PAY_PER_REQUEST"):
    """A valid CreateTable request for table t."""
    req = {"TableName": t, "KeySchema": ks(("pk", "HASH")), "AttributeDefinitions": AD}
    if billing:
        req["BillingMode"] = billing
    return req


CASES = [
    ("put_no_item", "put_item", lambda t: {"TableName": t}),
    ("put_bad_return_values", "put_item",
     lambda t: {"TableName": t, "Item": K, "ReturnValues": "X" * 150}),
    ("put_bad_rcc", "put_item",
     lambda t: {"TableName": t, "Item": K, "ReturnConsumedCapacity": "X" * 150}),
    ("put_bad_on_failure", "put_item",
     lambda t: {"TableName": t, "Item": K,
      "ConditionExpression": "attribute_exists(pk)", "ReturnValuesOnConditionCheckFailure": "X" * 150}),
    ("put_bad_conditional_operator", "put_item",
     lambda t: {"TableName": t, "Item": K,
      "Expected": {"pk": {"Exists": False}}, "ConditionalOperator": "XOR"}),
    ("get_no_key", "get_item", lambda t: {"TableName": t}),
    ("get_empty_attributes_to_get", "get_item",
     lambda t: {"TableName": t, "Key": K, "AttributesToGet": []}),
    ("table_name_short", "get_item", lambda t: {"TableName": "a!", "Key": K}),
    ("table_name_long", "get_item", lambda t: {"TableName": LONG, "Key": K}),
    ("table_name_null", "get_item", lambda t: {"Key": K}),
    ("scan_bad_select", "scan", lambda t: {"TableName": t, "Select": "Y" * 150}),
    ("scan_limit_zero", "scan", lambda t: {"TableName": t, "Limit": 0}),
    ("scan_segments_bad", "scan", lambda t: {"TableName": t, "Segment": -1, "TotalSegments": 0}),
    ("scan_segments_big", "scan",
     lambda t: {"TableName": t, "Segment": 1, "TotalSegments": 2000000}),
    ("scan_segment_past_total", "scan",
     lambda t: {"TableName": t, "Segment": 3, "TotalSegments": 3}),
    ("batch_get_empty", "batch_get_item", lambda t: {"RequestItems": {}}),
    ("transact_write_null", "transact_write_items", lambda t: {}),
    ("transact_write_empty", "transact_write_items", lambda t: {"TransactItems": []}),
    ("transact_write_too_many", "transact_write_items",
     lambda t: {"TransactItems": [{"Put": {"TableName": t,
      "Item": {"pk": {"S": str(i)}}}} for i in range(101)]}),
    ("transact_write_long_token", "transact_write_items",
     lambda t: {"TransactItems": [{"Put": {"TableName": t,
      "Item": K}}], "ClientRequestToken": "t" * 37}),
    ("transact_write_empty_token", "transact_write_items",
     lambda t: {"TransactItems": [{"Put": {"TableName": t, "Item": K}}], "ClientRequestToken": ""}),
    ("transact_check_no_condition", "transact_write_items",
     lambda t: {"TransactItems": [{"ConditionCheck": {"TableName": t, "Key": K}}]}),
    ("transact_get_no_get", "transact_get_items",
     lambda t: {"TransactItems": [{"Get": {"TableName": t, "Key": K}}, {}]}),
    ("transact_get_too_many", "transact_get_items",
     lambda t: {"TransactItems": [{"Get": {"TableName": t,
      "Key": {"pk": {"S": str(i)}}}} for i in range(101)]}),
    ("create_nulls", "create_table", lambda t: {"TableName": "ab"}),
    ("create_bad_members", "create_table", lambda t: {
        "TableName": t,
        "KeySchema": [{"AttributeName": "", "KeyType": "X"}, {"KeyType": "RANGE"},
                      {"AttributeName": LONG}],
        "AttributeDefinitions": [{"AttributeName": "", "AttributeType": "Q"},
                                 {"AttributeType": "S"}, {"AttributeName": LONG}],
        "BillingMode": "Z" * 150, "TableClass": "C" * 150}),
    ("create_throughput", "create_table",
     lambda t: {**base(t, None), "ProvisionedThroughput": {"ReadCapacityUnits": 0}}),
    ("create_throughput_w", "create_table",
     lambda t: {**base(t, None), "ProvisionedThroughput": {"WriteCapacityUnits": -3}}),
    ("create_gsi_keyschema", "create_table",
     lambda t: {**base(t), "GlobalSecondaryIndexes": [{"IndexName": "gsi",
      "KeySchema": [], "Projection": {"ProjectionType": "ALL"}}]}),
    ("create_gsi_no_projection", "create_table",
     lambda t: {**base(t), "GlobalSecondaryIndexes": [{"IndexName": "gsi",
      "KeySchema": ks(("pk", "HASH"))}]}),
    ("create_gsi_bad_projection", "create_table",
     lambda t: {**base(t), "GlobalSecondaryIndexes": [{"IndexName": "gsi",
      "KeySchema": ks(("pk", "HASH")), "Projection": {"ProjectionType": "P" * 150}}]}),
    ("create_bad_tags", "create_table", lambda t: {
        **base(t), "Tags": [{"Key": ""}, {"Value": "v"}, {"Key": "", "Value": "v"},
                            {"Key": "k" * 300, "Value": "v" * 300}]}),
    ("update_bad_billing", "update_table", lambda t: {"TableName": t, "BillingMode": "Q" * 150}),
    ("tag_no_arn", "tag_resource", lambda t: {"Tags": [{"Key": "k", "Value": "v"}]}),
    ("tag_empty_arn", "tag_resource",
     lambda t: {"ResourceArn": "", "Tags": [{"Key": "k", "Value": "v"}]}),
    ("tag_long_arn", "tag_resource",
     lambda t: {"ResourceArn": "a" * 1300, "Tags": [{"Key": "k", "Value": "v"}]}),
    ("tag_no_tags", "tag_resource",
     lambda t: {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/" + t}),
    ("untag_no_keys", "untag_resource",
     lambda t: {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/" + t}),
    ("ttl_spec_empty", "update_time_to_live",
     lambda t: {"TableName": t, "TimeToLiveSpecification": {}}),
    ("legacy_bad_action", "update_item",
     lambda t: {"TableName": t, "Key": K, "AttributeUpdates": {"a": {"Action": "MERGE"}}}),
    ("legacy_bad_operator", "scan",
     lambda t: {"TableName": t, "ScanFilter": {"a": {"ComparisonOperator": "LIKE"}}}),
    ("stream_arn_short", "streams.describe_stream", lambda t: {"StreamArn": "arn:aws:dynamodb"}),
    ("shard_iterator_args", "streams.get_shard_iterator",
     lambda t: {"StreamArn": "arn:aws:dynamodb:us-east-1:000000000000:table/" + t +
                "/stream/2026-01-01T00:00:00.000", "SequenceNumber": "1"}),
]


EXPECTED = {
    'put_no_item': (
        ("1 validation error detected: Value null at 'item' failed to satisfy "
        'constraint: Member must not be null')),
    'put_bad_return_values': (
        ("1 validation error detected: Value '") + 'X' * 100 + ("' at 'returnValues' failed to satisfy constraint: Member must satisfy enum "
        'value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]')),
    'put_bad_rcc': (
        ("1 validation error detected: Value '") + 'X' * 100 + ("' at 'returnConsumedCapacity' failed to satisfy constraint: Member must "
        'satisfy enum value set: [INDEXES, TOTAL, NONE]')),
    'put_bad_on_failure': (
        ("1 validation error detected: Value '") + 'X' * 150 + ("' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: "
        'Member must satisfy enum value set: [ALL_OLD, NONE]')),
    'put_bad_conditional_operator': (
        ("1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to "
        'satisfy constraint: Member must satisfy enum value set: [AND, OR]')),
    'get_no_key': (
        ("1 validation error detected: Value null at 'key' failed to satisfy "
        'constraint: Member must not be null')),
    'get_empty_attributes_to_get': (
        ("1 validation error detected: Value '[]' at 'attributesToGet' failed to "
        'satisfy constraint: Member must have length greater than or equal to 1')),
    'table_name_short': (
        ("2 validation errors detected: Value 'a!' at 'tableName' failed to satisfy "
        'constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; '
        "Value 'a!' at 'tableName' failed to satisfy constraint: Member must have "
        'length greater than or equal to 3')),
    'table_name_long': (
        ("1 validation error detected: Value '") + 'x' * 300 + ("' at 'tableName' failed to satisfy constraint: Member must have length less "
        'than or equal to 255')),
    'table_name_null': (
        ("1 validation error detected: Value null at 'tableName' failed to satisfy "
        'constraint: Member must not be null')),
    'scan_bad_select': (
        ("1 validation error detected: Value '") + 'Y' * 100 + ("' at 'select' failed to satisfy constraint: Member must satisfy enum value "
        'set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]')),
    'scan_limit_zero': (
        ("1 validation error detected: Value '0' at 'limit' failed to satisfy "
        'constraint: Member must have value greater than or equal to 1')),
    'scan_segments_bad': (
        ("2 validation errors detected: Value '-1' at 'segment' failed to satisfy "
        "constraint: Member must have value greater than or equal to 0; Value '0' at "
        "'totalSegments' failed to satisfy constraint: Member must have value greater "
        'than or equal to 1')),
    'scan_segments_big': (
        ("1 validation error detected: Value '2000000' at 'totalSegments' failed to "
        'satisfy constraint: Member must have value less than or equal to 1000000')),
    'scan_segment_past_total': (
        ("1 validation error detected: Value '3' at 'segment' failed to satisfy "
        'constraint: Member must have value less than or equal to 2')),
    'batch_get_empty': (
        ("1 validation error detected: Value '{}' at 'requestItems' failed to satisfy "
        'constraint: Member must have length greater than or equal to 1')),
    'transact_write_null': (
        ("1 validation error detected: Value null at 'transactItems' failed to satisfy "
        'constraint: Member must not be null')),
    'transact_write_empty': (
        ("1 validation error detected: Value '[...]' at 'transactItems' failed to "
        'satisfy constraint: Member must have length greater than or equal to 1')),
    'transact_write_too_many': (
        ("1 validation error detected: Value '[...]' at 'transactItems' failed to "
        'satisfy constraint: Member must have length less than or equal to 100')),
    'transact_write_long_token': (
        ("1 validation error detected: Value '") + 't' * 37 + ("' at 'clientRequestToken' failed to satisfy constraint: Member must have "
        'length less than or equal to 36')),
    'transact_write_empty_token': (
        ("1 validation error detected: Value '' at 'clientRequestToken' failed to "
        'satisfy constraint: Member must have length less than or equal to 36')),
    'transact_check_no_condition': (
        ("1 validation error detected: Value null at 'conditionExpression' failed to "
        'satisfy constraint: Member must not be null')),
    'transact_get_no_get': (
        ("1 validation error detected: Value null at 'transactItems.2.member.get' "
        'failed to satisfy constraint: Member must not be null')),
    'transact_get_too_many': (
        ("1 validation error detected: Value '[...]' at 'transactItems' failed to "
        'satisfy constraint: Member must have length less than or equal to 100')),
    'create_nulls': (
        ("3 validation errors detected: Value 'ab' at 'tableName' failed to satisfy "
        'constraint: Member must have length greater than or equal to 3; Value null at '
        "'keySchema' failed to satisfy constraint: Member must not be null; Value null "
        "at 'attributeDefinitions' failed to satisfy constraint: Member must not be "
        'null')),
    'create_bad_members': (
        ("13 validation errors detected: Value '' at "
        "'attributeDefinitions.1.member.attributeName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; Value 'Q' at "
        "'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: "
        'Member must satisfy enum value set: [B, N, S]; Value null at '
        "'attributeDefinitions.2.member.attributeName' failed to satisfy constraint: "
        "Member must not be null; Value '") + 'x' * 300 + ("' at 'attributeDefinitions.3.member.attributeName' failed to satisfy "
        'constraint: Member must have length less than or equal to 255; Value null at '
        "'attributeDefinitions.3.member.attributeType' failed to satisfy constraint: "
        "Member must not be null; Value '' at 'keySchema.1.member.attributeName' ")),
    'create_throughput': (
        ("2 validation errors detected: Value '0' at "
        "'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: "
        'Member must have value greater than or equal to 1; Value null at '
        "'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: "
        'Member must not be null')),
    'create_throughput_w': (
        ('2 validation errors detected: Value null at '
        "'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: "
        "Member must not be null; Value '-3' at "
        "'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: "
        'Member must have value greater than or equal to 1')),
    'create_gsi_keyschema': (
        ("1 validation error detected: Value '[...]' at 'keySchema' failed to satisfy "
        'constraint: Member must have length less than or equal to 2')),
    'create_gsi_no_projection': (
        ("1 validation error detected: Value null at 'projection' failed to satisfy "
        'constraint: Member must not be null')),
    'create_gsi_bad_projection': (
        ("1 validation error detected: Value '") + 'P' * 100 + ("' at 'projection.projectionType' failed to satisfy constraint: Member must "
        'satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]')),
    'create_bad_tags': (
        ("5 validation errors detected: Value null at 'tags.1.member.value' failed to "
        'satisfy constraint: Member must not be null; Value null at '
        "'tags.2.member.key' failed to satisfy constraint: Member must not be null; "
        "Value '' at 'tags.3.member.key' failed to satisfy constraint: Member must "
        "have length greater than or equal to 1; Value '") + 'k' * 200 + ("' at 'tags.4.member.key' failed to satisfy constraint: Member must have "
        "length less than or equal to 128; Value '") + 'v' * 200 + ("' at 'tags.4.member.value' failed to satisfy constraint: Member must have "
        'length less than or equal to 256')),
    'update_bad_billing': (
        ("1 validation error detected: Value '") + 'Q' * 100 + ("' at 'billingMode' failed to satisfy constraint: Member must satisfy enum "
        'value set: [PROVISIONED, PAY_PER_REQUEST]')),
    'tag_no_arn': (
        ("1 validation error detected: Value null at 'resourceArn' failed to satisfy "
        'constraint: Member must not be null')),
    'tag_empty_arn': (
        ("1 validation error detected: Value '' at 'resourceArn' failed to satisfy "
        'constraint: Member must have length greater than or equal to 1')),
    'tag_long_arn': (
        ("1 validation error detected: Value '") + 'a' * 200 + ("' at 'resourceArn' failed to satisfy constraint: Member must have length less "
        'than or equal to 1283')),
    'tag_no_tags': (
        ("1 validation error detected: Value null at 'tags' failed to satisfy "
        'constraint: Member must not be null')),
    'untag_no_keys': (
        ("1 validation error detected: Value null at 'tagKeys' failed to satisfy "
        'constraint: Member must not be null')),
    'legacy_bad_action': (
        "1 validation error detected: Value 'MERGE' at 'attributeUpdates.a.member.action' "
        "failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"),
    'legacy_bad_operator': (
        "1 validation error detected: Value 'LIKE' at 'ScanFilter.a.member.comparisonOperator' "
        "failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, "
        "LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"),
    'stream_arn_short': (
        "1 validation error detected: Value 'arn:aws:dynamodb' at 'streamArn' failed to satisfy "
        "constraint: Member must have length greater than or equal to 37"),
    'shard_iterator_args': (
        "3 validation errors detected: Value null at 'shardId' failed to satisfy constraint: "
        "Member must not be null; Value null at 'shardIteratorType' failed to satisfy "
        "constraint: Member must not be null; Value '1' at 'sequenceNumber' failed to satisfy "
        "constraint: Member must have length greater than or equal to 21"),
    'ttl_spec_empty': (
        ("2 validation errors detected: Value null at 'timeToLiveSpecification.enabled' "
        'failed to satisfy constraint: Member must not be null; Value null at '
        "'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member "
        'must not be null')),
}


def call(endpoint, op, body):
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    prefix = "DynamoDB_20120810."
    if op.startswith("streams."):
        prefix, op = "DynamoDBStreams_20120810.", op[len("streams."):]
    target = prefix + "".join(w.capitalize() for w in op.split("_"))
    c.request("POST", "/", body=json.dumps(body), headers={
        "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0",
        "Authorization": AUTH, "X-Amz-Date": "20260101T000000Z"})
    r = c.getresponse()
    data = json.loads(r.read())
    c.close()
    return r.status, data


@pytest.mark.parametrize("name,op,params", CASES, ids=[c[0] for c in CASES])
def test_validation_message(endpoint, table, name, op, params):
    status, data = call(endpoint, op, params(table))
    assert status == 400
    assert data["__type"].endswith("#ValidationException")
    assert data["message"] == EXPECTED[name]
