"""REST routes beside X-Amz-Target: the Lambda API's paths under /2015-03-31/.

No Lambda operation is served yet; every path there answers as Lambda answers
for a resource it does not have: 404, x-amzn-ErrorType ResourceNotFoundException
and {"Type":"User","message":"The resource you requested does not exist."},
which boto3's lambda client turns into a ResourceNotFoundException. DynamoDB
requests (X-Amz-Target) and GET / are untouched.
"""
import http.client
import json

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.ddbd_only

AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/lambda/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0123abcd")
NOT_FOUND = "The resource you requested does not exist."


@pytest.fixture(scope="module")
def lam(endpoint):
    return boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x",
                        config=botocore.config.Config(retries={"max_attempts": 0}))


def request(endpoint, method, path, body=None, headers=None):
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    h = {"Authorization": AUTH, "X-Amz-Date": "20260101T000000Z"}
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def test_get_event_source_mapping_unknown_uuid(lam):
    with pytest.raises(ClientError) as e:
        lam.get_event_source_mapping(UUID="14e0db71-0000-4eb5-b481-8945cf9d10c2")
    err = e.value.response
    assert err["Error"]["Code"] == "ResourceNotFoundException"
    assert err["Error"]["Message"] == NOT_FOUND
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert isinstance(e.value, lam.exceptions.ResourceNotFoundException)


def test_other_lambda_operations_not_found(lam):
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.delete_event_source_mapping(UUID="no-such-mapping")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="no-such-function", Payload=b"{}")


def test_error_shape_on_the_wire(endpoint):
    status, headers, data = request(endpoint, "GET", "/2015-03-31/no/such/path?x=%20y")
    assert status == 404
    assert headers["x-amzn-errortype"] == "ResourceNotFoundException"
    assert headers["content-type"] == "application/json"
    assert json.loads(data) == {"Type": "User", "message": NOT_FOUND}


def test_rest_paths_need_a_signature(endpoint):
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    c.request("GET", "/2015-03-31/event-source-mappings/")
    r = c.getresponse()
    body = json.loads(r.read())
    c.close()
    assert r.status == 403
    assert r.getheader("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert body["Type"] == "User"


def test_dynamodb_requests_are_not_rest(endpoint):
    # an X-Amz-Target request is the JSON protocol, whatever its path
    body = b"{}"
    status, headers, data = request(endpoint, "POST", "/2015-03-31/functions", body=body, headers={
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Content-Type": "application/x-amz-json-1.0"})
    assert status == 200
    assert "TableNames" in json.loads(data)
    assert "x-amzn-errortype" not in headers
    # other paths keep DynamoDB's answer to an unknown operation
    status, _, data = request(endpoint, "GET", "/2014-01-01/functions")
    assert status == 400
    assert json.loads(data)["__type"].endswith("#UnknownOperationException")
    status, _, data = request(endpoint, "GET", "/")
    assert status == 200 and data.startswith(b"healthy:")


def test_error_headers_are_whole_after_other_requests(endpoint, ddb, table):
    # the x-amzn-ErrorType line is built in a buffer reused across requests:
    # after other answers it must still end where it ends (it once carried
    # a stray byte from an earlier request)
    import socket
    for i in range(20):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}, "v": {"S": "x" * 300}})
    ddb.scan(TableName=table)
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    for _ in range(3):
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(("GET /2015-03-31/no/such/path HTTP/1.1\r\nHost: x\r\n"
                       f"Authorization: {AUTH}\r\nX-Amz-Date: 20260101T000000Z\r\n\r\n").encode())
            data = b""
            while b"\r\n\r\n" not in data:
                data += s.recv(65536)
        head = data.split(b"\r\n\r\n")[0].split(b"\r\n")
        assert head[0] == b"HTTP/1.1 404 Not Found"
        assert all(b": " in line for line in head[1:]), head
        assert b"x-amzn-ErrorType: ResourceNotFoundException" in head
