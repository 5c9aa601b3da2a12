"""Compressed request and response bodies, CORS and request-head bounds in ddbd's HTTP layer.

What DynamoDB does, as far as it is known (the tests of ScyllaDB's Alternator run against AWS,
test/alternator/test_compressed_request.py): a gzip body is inflated; an unknown Content-Encoding,
a body that is not valid gzip (broken, truncated or empty) all get a 500 InternalServerError; a
body that inflates past the 16 MB limit gets 413 (after a fix to DynamoDB). DynamoDB Local
(asked on port 8241) ignores Content-Encoding and answers a compressed body with a 500
InternalFailure. They differ, and a 500 tells the SDKs to retry what will never succeed, so ddbd
answers a client's mistake with a 400 SerializationException (as for a body that is not JSON) and
an oversized decoding with the 413 of an oversized plain body.
"""
import gzip
import http.client
import json
import os
import socket
import subprocess
import tempfile
import zlib

import boto3
import botocore
import pytest

from conftest import Ddbd, make_client
from test_connections import rss_kb, sanitized

pytestmark = pytest.mark.ddbd_only

AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0")
SER = "com.amazon.coral.service#SerializationException"


@pytest.fixture(scope="module")
def server():
    d = Ddbd(extra=["--threads", "1"]).start()
    yield d
    assert d.stop() == 0
    d.cleanup()


@pytest.fixture(scope="module")
def tbl(server):
    ddb = make_client(server.endpoint)
    ddb.create_table(TableName="enc", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    return "enc"


def call(server, target, body, headers=None, method="POST", url="/"):
    """(status, headers, raw body bytes) of one request on a new connection."""
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    h = {"Content-Type": "application/x-amz-json-1.0", "Authorization": AUTH}
    if target:
        h["X-Amz-Target"] = "DynamoDB_20120810." + target
    h.update(headers or {})
    c.request(method, url, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def put(tbl, pk, extra=""):
    return json.dumps({"TableName": tbl, "Item": {"pk": {"S": pk}, "v": {"S": "x" + extra}}}).encode()


def stored(server, tbl, pk):
    return "Item" in make_client(server.endpoint).get_item(TableName=tbl, Key={"pk": {"S": pk}})


@pytest.mark.parametrize("enc,codec", [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),                                   # zlib-wrapped, as RFC 9110 says
    ("deflate", lambda b: zlib.compress(b)[2:-4]),                # raw deflate, as some clients send
    ("x-gzip", gzip.compress),
    ("GZIP", gzip.compress),
    ("identity", lambda b: b),
    ("identity, gzip", gzip.compress),
])
def test_a_compressed_body_is_inflated_before_it_is_handled(server, tbl, enc, codec):
    pk = f"ok-{enc}-{len(codec(b'abc'))}"
    st, _, data = call(server, "PutItem", codec(put(tbl, pk)), {"Content-Encoding": enc})
    assert st == 200, data
    assert stored(server, tbl, pk)


def test_two_gzip_members_back_to_back_are_one_body(server, tbl):
    body = put(tbl, "two-members")
    st, _, data = call(server, "PutItem", gzip.compress(body[:10]) + gzip.compress(body[10:]),
                       {"Content-Encoding": "gzip"})
    assert st == 200, data
    assert stored(server, tbl, "two-members")


@pytest.mark.parametrize("enc,body,what", [
    ("br", None, "unknown coding"),
    ("garbage", None, "unknown coding"),
    ("gzip, deflate", None, "stacked codings"),
    ("gzip", "plain", "not gzip at all"),
    ("gzip", "truncated", "truncated"),
    ("gzip", "junk", "junk after the stream"),
    ("deflate", "plain", "not deflate"),
    ("deflate", "truncated", "truncated"),
    ("gzip", "empty", "empty"),
    ("deflate", "empty", "empty"),
])
def test_a_body_that_cannot_be_decoded_is_a_400_and_nothing_is_done(server, tbl, enc, body, what):
    pk = f"bad-{enc}-{body}"
    plain = put(tbl, pk)
    data = {None: gzip.compress(plain), "plain": plain, "empty": b"",
            "truncated": (gzip.compress if enc == "gzip" else zlib.compress)(plain)[:-5],
            "junk": gzip.compress(plain) + b"junk"}[body]
    st, h, raw = call(server, "PutItem", data, {"Content-Encoding": enc})
    # DynamoDB: 500 InternalServerError; ddbd: 400, not retryable (see the module's comment)
    assert st == 400, (what, raw)
    doc = json.loads(raw)
    assert doc["__type"] == SER
    assert "Content-Encoding" in doc["Message"] or "Encoding" in doc["Message"]
    assert not stored(server, tbl, pk)


def test_a_body_that_inflates_past_the_limit_is_the_413_of_a_plain_one(server, tbl):
    # a valid PutItem padded with spaces to 17 MB: tiny compressed, too large inflated
    plain = put(tbl, "too-big")
    plain = plain[:-1] + b" " * (17 * 1024 * 1024) + plain[-1:]
    st, _, raw = call(server, "PutItem", gzip.compress(plain, 1), {"Content-Encoding": "gzip"})
    assert st == 413
    assert json.loads(raw)["__type"] == SER
    assert "too large" in json.loads(raw)["Message"]
    assert not stored(server, tbl, "too-big")
    # the plain body of that size: the same answer
    st2, _, raw2 = call(server, "PutItem", plain)
    assert st2 == 413 and json.loads(raw2)["__type"] == SER


def test_a_zip_bomb_costs_no_more_memory_than_the_limit(server, tbl):
    z = zlib.compressobj(1, zlib.DEFLATED, 31)
    chunk = b"\0" * (8 << 20)
    parts = [z.compress(chunk) for _ in range(128)]  # 1 GB of zeros
    bomb = b"".join(parts) + z.flush()
    assert len(bomb) < 8 << 20
    before = rss_kb(server.proc.pid)
    st, _, raw = call(server, "PutItem", bomb, {"Content-Encoding": "gzip"})
    assert st == 413, raw
    if not sanitized(server.proc.pid):
        # the compressed body and at most the limit's worth of output, not 1 GB
        assert rss_kb(server.proc.pid) - before < 64 * 1024
    make_client(server.endpoint).list_tables()


def big_table(server, tbl):
    ddb = make_client(server.endpoint)
    for i in range(20):
        ddb.put_item(TableName=tbl, Item={"pk": {"S": f"big{i}"}, "v": {"S": "y" * 200}})


@pytest.mark.parametrize("accept,want", [
    ("gzip", "gzip"),
    ("gzip, deflate, br", "gzip"),
    ("deflate", "deflate"),
    ("deflate, gzip;q=0", "deflate"),
    ("gzip;q=0", None),
    ("gzip; q=0.000, deflate;q=0", None),
    ("*", "gzip"),
    ("*, gzip;q=0", "deflate"),
    ("identity", None),
    ("br", None),
])
def test_a_response_is_compressed_as_accepted_with_the_crc_of_the_bytes_sent(server, tbl, accept,
                                                                             want):
    big_table(server, tbl)
    st, h, raw = call(server, "Scan", json.dumps({"TableName": tbl}).encode(),
                      {"Accept-Encoding": accept})
    assert st == 200
    assert h.get("content-encoding") == want
    assert int(h["content-length"]) == len(raw)
    # botocore checks x-amz-crc32 over the raw bytes it receives, before any decoding
    assert int(h["x-amz-crc32"]) == zlib.crc32(raw)
    plain = {"gzip": gzip.decompress, "deflate": zlib.decompress, None: lambda b: b}[want](raw)
    assert json.loads(plain)["Count"] >= 20


def test_a_small_response_stays_uncompressed(server):
    st, h, raw = call(server, "ListTables", b"{}", {"Accept-Encoding": "gzip"})
    assert st == 200 and "content-encoding" not in h
    assert int(h["x-amz-crc32"]) == zlib.crc32(raw)


def test_errors_get_or_stay_uncompressed_and_well_formed(server):
    st, h, raw = call(server, "NoSuchOp", b"{}", {"Accept-Encoding": "gzip"})
    assert st == 400 and json.loads(raw)["__type"]
    st, h, raw = call(server, None, None, {"Accept-Encoding": "gzip"}, method="GET", url="/metrics")
    assert st == 200
    text = gzip.decompress(raw) if h.get("content-encoding") == "gzip" else raw
    assert b"ddb_" in text and int(h["x-amz-crc32"]) == zlib.crc32(raw)
    st, h, raw = call(server, None, None, {"Accept-Encoding": "gzip"}, method="GET", url="/")
    assert st == 200 and int(h["content-length"]) == len(raw)


def test_pipelined_compressed_requests_and_responses_keep_their_order(server, tbl):
    big_table(server, tbl)
    scan = json.dumps({"TableName": tbl}).encode()
    reqs = b""
    for i in range(3):
        body = gzip.compress(put(tbl, f"pipe{i}")) if i != 1 else gzip.compress(scan)
        target = "Scan" if i == 1 else "PutItem"
        reqs += (f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.{target}\r\n"
                 f"Authorization: {AUTH}\r\nContent-Encoding: gzip\r\nAccept-Encoding: gzip\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    s.sendall(reqs)
    f = s.makefile("rb")
    got = []
    for i in range(3):
        line = f.readline()
        assert line.startswith(b"HTTP/1.1 200"), line
        h = {}
        while (l := f.readline()) != b"\r\n":
            k, _, v = l.decode().partition(":")
            h[k.strip().lower()] = v.strip()
        raw = f.read(int(h["content-length"]))
        assert int(h["x-amz-crc32"]) == zlib.crc32(raw)
        got.append(gzip.decompress(raw) if h.get("content-encoding") == "gzip" else raw)
    s.close()
    assert json.loads(got[0]) == {} and json.loads(got[2]) == {}
    assert json.loads(got[1])["Count"] >= 20


def test_boto3_accepts_a_compressed_response_and_its_crc(server, tbl):
    big_table(server, tbl)
    # legacy retries: the mode in which botocore checks x-amz-crc32 (of the raw bytes)
    ddb = boto3.client("dynamodb", endpoint_url=server.endpoint, region_name="us-east-1",
                       aws_access_key_id="AKIDLOCAL", aws_secret_access_key="secret",
                       config=botocore.config.Config(retries={"mode": "legacy", "max_attempts": 1}))
    seen = []

    def accept_gzip(request, **kw):
        request.headers["Accept-Encoding"] = "gzip"

    # botocore does not decode bodies: its parser is handed the body inflated, while the
    # crc32 check still reads the raw bytes of the HTTP response (http_response.content)
    factory = ddb._endpoint._response_parser_factory
    make_parser = factory.create_parser

    def create_parser(protocol):
        parser = make_parser(protocol)
        parse = parser.parse

        def inflating_parse(response_dict, shape):
            enc = response_dict["headers"].get("content-encoding")
            seen.append(enc)
            if enc == "gzip":
                response_dict = dict(response_dict, body=gzip.decompress(response_dict["body"]))
            return parse(response_dict, shape)
        parser.parse = inflating_parse
        return parser

    factory.create_parser = create_parser
    ddb.meta.events.register("before-sign.dynamodb.*", accept_gzip)
    got = ddb.scan(TableName=tbl)
    assert got["Count"] >= 20 and seen[-1] == "gzip"


def gzip_requests(client, sent):
    """Makes client gzip every request body before it is signed, as botocore's request
    compression does (this botocore predates it): the signature covers the compressed bytes."""
    def compress(request, **kw):
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        request.data = gzip.compress(body)
        request.headers["Content-Encoding"] = "gzip"
        sent.append(len(request.data))
    client.meta.events.register("before-sign.dynamodb.*", compress)


def test_boto3_gzipped_requests_are_understood(server, tbl):
    ddb = make_client(server.endpoint)
    sent = []
    gzip_requests(ddb, sent)
    ddb.put_item(TableName=tbl, Item={"pk": {"S": "boto-gz"}, "v": {"S": "z" * 3000}})
    assert sent and sent[-1] < 1000
    assert stored(server, tbl, "boto-gz")


def write_credentials():
    fd, path = tempfile.mkstemp(prefix="ddbd-credentials-")
    with os.fdopen(fd, "w") as f:
        f.write("[default]\naws_access_key_id = AKIDCORS\naws_secret_access_key = corssecret\n")
    return path


def test_a_browser_preflight_is_answered_without_a_signature_even_with_auth():
    path = write_credentials()
    s = Ddbd(extra=["--auth", path]).start()
    try:
        out = subprocess.run(
            ["curl", "-s", "-i", "-X", "OPTIONS", f"{s.endpoint}/any/path",
             "-H", "Origin: http://app.example:3000",
             "-H", "Access-Control-Request-Method: POST",
             "-H", "Access-Control-Request-Headers: content-type,x-amz-target,authorization"],
            capture_output=True, timeout=30, check=True).stdout.decode()
        head = out.split("\r\n\r\n")[0].lower()
        assert head.startswith("http/1.1 200")
        assert "access-control-allow-origin: http://app.example:3000" in head
        assert "access-control-allow-methods: get, post, put, delete, options" in head
        assert "access-control-allow-headers: content-type,x-amz-target,authorization" in head
        assert "access-control-max-age:" in head
        # without Access-Control-Request-Headers: the SDK's headers
        st, h, _ = call(s, None, None, {"Origin": "http://x"}, method="OPTIONS", url="/")
        assert st == 200
        assert "x-amz-security-token" in h["access-control-allow-headers"]
        assert "amz-sdk-invocation-id" in h["access-control-allow-headers"]
        # a normal request still needs its signature; its refusal carries CORS headers
        st, h, raw = call(s, "ListTables", b"{}", {"Origin": "http://app.example:3000"})
        assert st == 400 and "Signature" in json.loads(raw)["__type"]
        assert h["access-control-allow-origin"] == "http://app.example:3000"
        # a signed gzip request: the signature is over the bytes sent, the compressed ones
        ddb = boto3.client("dynamodb", endpoint_url=s.endpoint, region_name="us-east-1",
                           aws_access_key_id="AKIDCORS", aws_secret_access_key="corssecret",
                           config=botocore.config.Config(retries={"max_attempts": 0}))
        sent = []
        gzip_requests(ddb, sent)
        assert ddb.list_tables()["TableNames"] == [] and sent
    finally:
        assert s.stop() == 0
        s.cleanup()
        os.unlink(path)


def test_every_response_to_a_request_with_an_origin_carries_cors_headers(server):
    st, h, _ = call(server, "ListTables", b"{}", {"Origin": "https://console.example"})
    assert st == 200
    assert h["access-control-allow-origin"] == "https://console.example"
    expose = h["access-control-expose-headers"].lower()
    for name in ("x-amzn-requestid", "x-amz-crc32", "x-amz-id-2", "date"):
        assert name in expose
    st, h, _ = call(server, "ListTables", b"{}")
    assert "access-control-allow-origin" not in h  # no Origin, no CORS


def raw_exchange(server, head):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    s.sendall(head)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def test_an_oversized_header_block_is_refused_and_the_connection_closed(server):
    head = (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
            b"X-Big: " + b"a" * (20 * 1024) + b"\r\nContent-Length: 2\r\n\r\n{}")
    data = raw_exchange(server, head)  # returns only once the server closed it
    assert data.startswith(b"HTTP/1.1 431")
    assert b"Connection: close" in data
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(3000))
    data = raw_exchange(server, b"POST / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert data.startswith(b"HTTP/1.1 431")
    make_client(server.endpoint).list_tables()


def test_an_oversized_request_line_is_refused_and_the_connection_closed(server):
    data = raw_exchange(server, b"GET /" + b"a" * (9 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 414")
    body = data.split(b"\r\n\r\n", 1)[1]
    assert json.loads(body)["__type"] == SER
    make_client(server.endpoint).list_tables()
