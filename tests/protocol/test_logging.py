"""ddbd's log: one request line per request (JSON or text) with its id,
client, access key, operation, table, status, error type, latency, bytes
and capacity; --log-level; --log-file reopened on SIGHUP; the trigger
dispatcher's lines as fields and a function's console lines verbatim."""
import json
import os
import re
import signal
import tempfile
import time

import botocore.exceptions
import pytest

from conftest import Ddbd, make_client

pytestmark = pytest.mark.ddbd_only

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def wait_for(cond, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    return cond()


def json_lines(text):
    """Every line as JSON (any line that is not fails the test)."""
    return [json.loads(line) for line in text.splitlines() if line]


def requests_of(lines):
    return [x for x in lines if x["msg"] == "request"]


@pytest.fixture
def started():
    servers = []

    def start(*extra):
        s = Ddbd(extra=list(extra)).start()
        servers.append(s)
        return s

    yield start
    for s in servers:
        if s.proc.poll() is None:
            s.stop()
        s.cleanup()


def make_table(ddb, name, stream=False):
    kw = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}} if stream else {}
    r = ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST", **kw)
    return r["TableDescription"].get("LatestStreamArn")


def test_json_request_lines_carry_every_field(started):
    d = started("--log-format", "json")
    ddb = make_client(d.endpoint)
    make_table(ddb, "logged")
    put = ddb.put_item(TableName="logged", Item={"pk": {"S": "a"}, "v": {"S": "x" * 2000}})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.get_item(TableName="logged", Key={"nope": {"S": "a"}})
    bad_id = e.value.response["ResponseMetadata"]["RequestId"]
    lam = make_client(d.endpoint, "lambda")
    lam.list_event_source_mappings()
    lines = json_lines(wait_for(lambda: d.log().count('"msg":"request"') >= 4 and d.log()))
    for x in lines:
        assert ISO_MS.match(x["time"]) and x["level"] in ("info", "warn", "error", "debug"), x
    assert any("listening on" in x["msg"] for x in lines)
    reqs = requests_of(lines)
    assert [x["op"] for x in reqs] == ["CreateTable", "PutItem", "GetItem", "ListEventSourceMappings"]
    for x in reqs:
        assert x["level"] == "info"
        assert x["access_key"] == "AKIDLOCAL"
        assert re.match(r"^127\.0\.0\.1:\d+$", x["remote"]), x
        assert x["latency_us"] > 0 and x["bytes_out"] > 0
        assert len(x["id"]) == 52
    create, p, g, lst = reqs
    assert p["id"] == put["ResponseMetadata"]["RequestId"]
    assert (p["table"], p["status"], p["error"]) == ("logged", 200, None)
    assert p["bytes_in"] > 2000 and p["capacity"] == 2.0  # 2 KB: two write units
    assert g["id"] == bad_id
    assert (g["table"], g["status"], g["error"], g["capacity"]) == ("logged", 400, "ValidationException", None)
    assert (lst["table"], lst["status"], lst["error"], lst["bytes_in"]) == (None, 200, None, 0)


def test_lambda_errors_and_unnamed_routes(started):
    d = started("--log-format", "json")
    lam = make_client(d.endpoint, "lambda")
    with pytest.raises(botocore.exceptions.ClientError):
        lam.get_event_source_mapping(UUID="8d8d7b2e-0000-4000-8000-000000000000")
    reqs = requests_of(json_lines(wait_for(lambda: '"msg":"request"' in d.log() and d.log())))
    assert [(x["op"], x["status"], x["error"]) for x in reqs] == [
        ("GetEventSourceMapping", 404, "ResourceNotFoundException")]


def test_text_format(started):
    d = started("--log-format", "text")
    make_client(d.endpoint).list_tables()
    text = wait_for(lambda: " request " in d.log() and d.log())
    line = [x for x in text.splitlines() if " request " in x][0]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  request  id=[A-Z0-9]{52} "
                    r"remote=127\.0\.0\.1:\d+ access_key=AKIDLOCAL op=ListTables table=- status=200 "
                    r"error=- latency_us=\d+ bytes_in=2 bytes_out=\d+ capacity=-$", line), line
    assert "INFO  listening on http://" in text
    with pytest.raises(ValueError):
        json.loads(line)


def test_warn_level_hides_request_lines(started):
    d = started("--log-format", "json", "--log-level", "warn")
    ddb = make_client(d.endpoint)
    ddb.list_tables()
    with pytest.raises(botocore.exceptions.ClientError):
        ddb.get_item(TableName="missing", Key={"pk": {"S": "a"}})
    assert d.stop() == 0
    assert d.log() == ""  # info lines (start, requests, stop) are all hidden


def test_bad_log_flags_are_refused(started):
    import subprocess
    from conftest import DDBD
    for args, word in ((["--log-level", "loud"], "--log-level"), (["--log-format", "xml"], "--log-format")):
        r = subprocess.run([DDBD, "--in-memory", *args], capture_output=True, text=True, timeout=10)
        assert r.returncode == 2 and word in r.stderr, r.stderr


def test_log_file_is_reopened_on_sighup(started):
    tmp = tempfile.mkdtemp(prefix="ddbd-log-")
    path = os.path.join(tmp, "ddbd.log")
    d = started("--log-file", path)  # a file: JSON by default
    ddb = make_client(d.endpoint)
    ddb.list_tables()
    assert wait_for(lambda: '"op":"ListTables"' in open(path).read())
    os.rename(path, path + ".1")
    ddb.describe_limits()  # still into the renamed file
    d.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: os.path.exists(path))
    ddb.describe_endpoints()
    assert wait_for(lambda: '"op":"DescribeEndpoints"' in open(path).read())
    old, new = json_lines(open(path + ".1").read()), json_lines(open(path).read())
    assert [x["op"] for x in requests_of(old)] == ["ListTables", "DescribeLimits"]
    assert [x["op"] for x in requests_of(new)] == ["DescribeEndpoints"]
    assert d.log() == ""  # nothing on stderr with a log file
    for f in (path, path + ".1"):
        os.remove(f)
    os.rmdir(tmp)


def test_trigger_delivery_lines(started):
    d = started("--log-format", "json", "--function", "f=cmd:echo said-by-f >&2; cat")
    ddb, lam = make_client(d.endpoint), make_client(d.endpoint, "lambda")
    arn = make_table(ddb, "streamed", stream=True)
    m = lam.create_event_source_mapping(FunctionName="f", EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
                                        BatchSize=10)
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "a"}})
    text = wait_for(lambda: '"msg":"trigger invocation"' in d.log() and "said-by-f" in d.log() and d.log())
    # a function's console line is its own text, in Lambda's format, verbatim
    console = [x for x in text.splitlines() if "said-by-f" in x]
    assert len(console) == 1 and re.match(r"^\S+Z\t[0-9a-f-]{36}\tINFO\tsaid-by-f$", console[0]), console
    lines = json_lines("\n".join(x for x in text.splitlines() if "said-by-f" not in x))
    inv = [x for x in lines if x["msg"] == "trigger invocation"][0]
    assert inv["mapping"] == m["UUID"] and inv["function"].endswith(":function:f")
    assert inv["level"] == "info" and inv["batch"] == 1 and inv["duration_ms"] >= 0 and inv["outcome"] == "OK"
    assert inv["request"] == console[0].split("\t")[1]
    create = [x for x in requests_of(lines) if x["op"] == "CreateEventSourceMapping"][0]
    assert create["status"] == 202 and create["table"] is None


def raw_request(port, data):
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        return s.recv(65536)


def test_client_bytes_are_escaped_and_refused_requests_logged(started):
    d = started("--log-format", "json")
    body = b"{}"
    raw_request(d.port, b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.Get\"It\\em\tX\xff\r\n"
                        b"Authorization: AWS4-HMAC-SHA256 Credential=AK\"ID/20200101/us-east-1/dynamodb/aws4_request, "
                        b"SignedHeaders=host, Signature=00\r\nContent-Length: 2\r\nConnection: close\r\n\r\n" + body)
    raw_request(d.port, b"NOT-HTTP\r\n\r\n")
    reqs = requests_of(json_lines(wait_for(lambda: d.log().count('"msg":"request"') >= 2 and d.log())))
    weird, refused = reqs
    assert weird["op"] == "Get\"It\\em\tX\ufffd" and weird["access_key"] == "AK\"ID"
    assert (weird["status"], weird["error"]) == (400, "UnknownOperationException")
    assert (refused["op"], refused["status"], refused["error"]) == (None, 400, "SerializationException")
