"""The HTTP/JSON protocol layer: targets, bodies, errors, headers, connections.

DynamoDB Local answers most malformed requests with a 500 InternalFailure; the
real service answers them with 4xx errors (SerializationException,
UnknownOperationException, MissingAuthenticationTokenException), which is what
ddbd does, so those tests are ddbd_only.
"""
import http.client
import json
import socket
import time
import zlib

import pytest

# us-east-1, the region of the suite's boto3 clients: tables are per region
# (test_regions.py), and raw requests reach the tables the clients made
AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0123abcd")
AUTH_EU_WEST_2 = AUTH.replace("us-east-1", "eu-west-2")


def raw(endpoint, body, target="DynamoDB_20120810.ListTables",
        ctype="application/x-amz-json-1.0", auth=AUTH, method="POST", conn=None):
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    c = conn or http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"X-Amz-Date": "20260101T000000Z"}
    if target is not None:
        headers["X-Amz-Target"] = target
    if ctype is not None:
        headers["Content-Type"] = ctype
    if auth is not None:
        headers["Authorization"] = auth
    c.request(method, "/", body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    if conn is None:
        c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def error_type(data):
    doc = json.loads(data)
    return doc["__type"].split("#")[-1], doc.get("message", doc.get("Message"))


def test_list_tables_raw_and_crc32(endpoint):
    status, headers, data = raw(endpoint, b"{}")
    assert status == 200
    assert "TableNames" in json.loads(data)
    assert int(headers["x-amz-crc32"]) == zlib.crc32(data)
    assert len(headers["x-amzn-requestid"]) >= 20
    assert headers["content-type"].startswith("application/x-amz-json-1.0")


def test_request_ids_differ(endpoint):
    ids = {raw(endpoint, b"{}")[1]["x-amzn-requestid"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize("ctype", ["application/x-amz-json-1.0", "application/x-amz-json-1.1",
                                   "application/json"])
def test_content_types_accepted(endpoint, ctype):
    status, _, data = raw(endpoint, b"{}", ctype=ctype)
    assert status == 200, data


def test_unknown_operation(endpoint):
    status, _, data = raw(endpoint, b"{}", target="DynamoDB_20120810.Foo")
    assert status == 400
    assert error_type(data)[0] == "UnknownOperationException"


@pytest.mark.ddbd_only
def test_missing_target(endpoint):
    status, _, data = raw(endpoint, b"{}", target=None)
    assert status == 400
    assert error_type(data)[0] == "UnknownOperationException"


@pytest.mark.ddbd_only
@pytest.mark.parametrize("body", [b"{bad", b"", b"[]", b"42", b'"x"'])
def test_malformed_body_is_serialization_exception(endpoint, body):
    status, headers, data = raw(endpoint, body)
    assert status == 400
    assert error_type(data)[0] == "SerializationException"
    assert int(headers["x-amz-crc32"]) == zlib.crc32(data)


@pytest.mark.ddbd_only
@pytest.mark.parametrize("body", [b'{"TableName": 5}', b'{"TableName": ["t"]}', b'{"TableName": {}}'])
def test_wrong_member_type_is_serialization_exception(endpoint, body):
    status, _, data = raw(endpoint, body, target="DynamoDB_20120810.DescribeTable")
    assert status == 400
    assert error_type(data)[0] == "SerializationException"


@pytest.mark.ddbd_only
def test_missing_authorization(endpoint):
    # DynamoDB requires a SigV4 signature; DynamoDB Local answers the same way.
    status, _, data = raw(endpoint, b"{}", auth=None)
    assert status == 400
    assert error_type(data) == ("MissingAuthenticationTokenException",
                                "Request must contain either a valid (registered) AWS access key "
                                "ID or X.509 certificate.")


@pytest.mark.ddbd_only
def test_garbage_authorization(endpoint):
    status, _, data = raw(endpoint, b"{}", auth="garbage")
    assert status == 400
    assert error_type(data)[0] == "IncompleteSignatureException"


@pytest.mark.ddbd_only
def test_region_from_credential_scope(endpoint):
    name = "region_scope_probe"
    body = json.dumps({"TableName": name, "BillingMode": "PAY_PER_REQUEST",
                       "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                       "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    status, _, data = raw(endpoint, body.encode(), target="DynamoDB_20120810.CreateTable",
                          auth=AUTH_EU_WEST_2)
    assert status == 200, data
    arn = json.loads(data)["TableDescription"]["TableArn"]
    assert arn == f"arn:aws:dynamodb:eu-west-2:000000000000:table/{name}"
    raw(endpoint, json.dumps({"TableName": name}).encode(), target="DynamoDB_20120810.DeleteTable",
        auth=AUTH_EU_WEST_2)


def test_keep_alive_many_requests_one_connection(endpoint):
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    for _ in range(20):
        status, _, _ = raw(endpoint, b"{}", conn=conn)
        assert status == 200
    conn.close()


def _read_responses(sock, count):
    """Reads count HTTP responses (with Content-Length) from sock."""
    buf = b""
    out = []
    while len(out) < count:
        chunk = sock.recv(65536)
        assert chunk, "connection closed early"
        buf += chunk
        while b"\r\n\r\n" in buf:
            head, rest = buf.split(b"\r\n\r\n", 1)
            length = 0
            for line in head.split(b"\r\n")[1:]:
                k, v = line.split(b":", 1)
                if k.strip().lower() == b"content-length":
                    length = int(v)
            if len(rest) < length:
                break
            out.append((head, rest[:length]))
            buf = rest[length:]
    return out


@pytest.mark.ddbd_only
def test_pipelined_requests_answered_in_order(endpoint):
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    reqs = b""
    targets = ["ListTables", "Foo", "DescribeLimits"]
    for t in targets:
        body = b"{}"
        reqs += (f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.{t}\r\n"
                 f"Content-Type: application/x-amz-json-1.0\r\nAuthorization: {AUTH}\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(reqs)
        responses = _read_responses(s, 3)
    assert b"TableNames" in responses[0][1]
    assert b"UnknownOperationException" in responses[1][1]
    assert b"AccountMaxReadCapacityUnits" in responses[2][1]


@pytest.mark.ddbd_only
def test_pipelined_large_responses_to_a_slow_reader(endpoint, table, ddb):
    """Responses bigger than the socket takes at once: the server writes what
    fits and queues the rest, pauses reading a client that does not read (8 MB
    of unsent output), and resumes when it does. Every answer arrives whole,
    in order, with its CRC."""
    for i in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}, "v": {"S": chr(97 + i) * 380_000}})
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    body = json.dumps({"TableName": table}).encode()
    n = 30  # ~34 MB of answers
    req = (f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.Scan\r\n"
           f"Content-Type: application/x-amz-json-1.0\r\nAuthorization: {AUTH}\r\n"
           f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        s.settimeout(30)
        s.connect((host, int(port)))
        s.sendall(req * n)
        time.sleep(0.5)  # not reading: the server's output backs up
        responses = _read_responses(s, n)
    first = responses[0][1]
    assert len(first) > 1_100_000
    assert sorted(it["v"]["S"][0] for it in json.loads(first)["Items"]) == ["a", "b", "c"]
    for head, data in responses:
        assert head.startswith(b"HTTP/1.1 200")
        crc = [ln for ln in head.split(b"\r\n") if ln.lower().startswith(b"x-amz-crc32:")][0]
        assert int(crc.split(b":")[1]) == zlib.crc32(data)
        assert data == first


@pytest.mark.ddbd_only
def test_chunked_request_body(endpoint):
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    req = (f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
           f"Authorization: {AUTH}\r\nTransfer-Encoding: chunked\r\n\r\n"
           "1\r\n{\r\n1\r\n}\r\n0\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(req)
        (head, body), = _read_responses(s, 1)
    assert head.startswith(b"HTTP/1.1 200")
    assert b"TableNames" in body


@pytest.mark.ddbd_only
def test_oversized_body_rejected_and_server_survives(endpoint):
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall((f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\n"
                   f"Authorization: {AUTH}\r\nContent-Length: {17 * 1024 * 1024}\r\n\r\n").encode())
        data = s.recv(65536)
    assert data.startswith(b"HTTP/1.1 413")
    status, _, _ = raw(endpoint, b"{}")
    assert status == 200


@pytest.mark.ddbd_only
def test_garbage_on_the_socket_gets_400(endpoint):
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"\x00\x01\x02 not http\r\n\r\n")
        data = s.recv(65536)
    assert data.startswith(b"HTTP/1.1 400")
    assert raw(endpoint, b"{}")[0] == 200


@pytest.mark.ddbd_only
def test_client_disconnect_mid_body(endpoint):
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    for _ in range(5):
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{{\"a\"".encode())
    assert raw(endpoint, b"{}")[0] == 200


@pytest.mark.ddbd_only
def test_health_check(endpoint):
    status, _, data = raw(endpoint, None, method="GET", target=None, auth=None, ctype=None)
    assert status == 200
    assert data.startswith(b"healthy: dynamodb.")
