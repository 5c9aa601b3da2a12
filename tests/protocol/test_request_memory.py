"""Memory per request is bounded by a multiple of its body and goes back after it.

A 16 MB body of `[0,0,...]` made the cJSON tree 672 MB of RSS (a 64-byte node for every 2
bytes) and kept it after the request (the request arena was only reset when the next request
came). DynamoDB JSON spends at least 3 bytes on every value, so denser text is refused before
it is parsed, and the request's memory is released as soon as its answer is written.
"""
import json
import socket
import time

import pytest

from conftest import Ddbd, make_client
from test_connections import rss_kb, sanitized

pytestmark = pytest.mark.ddbd_only


def send(port, target, body):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810." + target.encode() +
              b"\r\nAuthorization: AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/dynamodb/"
              b"aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: " +
              str(len(body)).encode() + b"\r\n\r\n" + body)
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    n = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
    while len(rest) < n:
        rest += s.recv(65536)
    s.close()
    return int(head.split()[1]), json.loads(rest)


@pytest.fixture
def server():
    d = Ddbd(extra=["--threads", "1"]).start()
    yield d
    assert d.stop() == 0
    d.cleanup()


def test_a_body_denser_than_dynamodb_json_is_refused_cheaply(server):
    body = b'{"TableName":"tbl","Item":[' + b"0," * (8 * 1024 * 1024 - 20) + b"0]}"
    before = rss_kb(server.proc.pid)
    status, doc = send(server.port, "PutItem", body)
    assert status == 400
    assert doc["__type"] == "com.amazon.coral.service#SerializationException"
    assert "values in" in doc["Message"]
    if not sanitized(server.proc.pid):
        # the body itself, not a tree of it (before: +650 MB)
        assert rss_kb(server.proc.pid) - before < 100 * 1024
    make_client(server.endpoint).list_tables()


def test_the_memory_of_a_huge_request_goes_back_after_it(server):
    if sanitized(server.proc.pid):
        pytest.skip("RSS under AddressSanitizer measures its quarantine")
    c = make_client(server.endpoint)
    c.create_table(TableName="memtbl", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   BillingMode="PAY_PER_REQUEST")
    time.sleep(0.3)
    idle = rss_kb(server.proc.pid)
    # 12 MB of valid DynamoDB JSON (a tree of ~200 MB), refused only for its size after parsing
    item = {"pk": {"S": "k"}}
    for i in range(300000):
        item[f"a{i}"] = {"SS": ["xy", "zw"]}
    body = json.dumps({"TableName": "memtbl", "Item": item}).encode()
    assert len(body) > 5 * 1024 * 1024
    status, doc = send(server.port, "PutItem", body)
    assert status == 400 and doc["__type"].endswith("#ValidationException"), doc
    time.sleep(0.5)
    left = rss_kb(server.proc.pid) - idle
    # before, the loop kept the request's arena until its next request
    assert left < 20 * 1024, f"RSS stayed {left // 1024} MB above idle after the request"
    assert c.scan(TableName="memtbl")["Count"] == 0
