"""ddbd --auth FILE: every request's SigV4 signature is verified against the keys of a
~/.aws/credentials file, with AWS's errors (DynamoDB: 400 and com.amazon.coral.service#...;
the Lambda API: 403 and x-amzn-ErrorType). Requests AWS's SDKs sign (boto3) and requests
signed here by hand (to send a wrong date, a presigned URL, a malformed header) both.
"""
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.parse

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import DDBD, Ddbd

pytestmark = pytest.mark.ddbd_only

KEY1, SECRET1 = "AKIDAUTHONE", "secret/one+XYZ"
KEY2, SECRET2 = "AKIDAUTHTWO", "second-secret"
CREDENTIALS = f"""# ddbd test keys
[default]
aws_access_key_id = {KEY1}
aws_secret_access_key = {SECRET1}

; a second profile, with a session token ddbd ignores
[other]
aws_access_key_id={KEY2}
aws_secret_access_key={SECRET2}
aws_session_token = ignored
region = eu-west-1
"""

MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.")
UNRECOGNIZED = "The security token included in the request is invalid."
MISSING = "Request must contain either a valid (registered) AWS access key ID or X.509 certificate."
CORAL = "com.amazon.coral.service#"


def write_credentials(text):
    fd, path = tempfile.mkstemp(prefix="ddbd-credentials-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


@pytest.fixture(scope="module")
def server():
    path = write_credentials(CREDENTIALS)
    s = Ddbd(extra=["--auth", path, "--function", "proc=cmd:cat"]).start()
    yield s
    rc = s.stop()
    s.cleanup()
    os.unlink(path)
    assert rc == 0, "ddbd --auth did not shut down cleanly"


def client(server, service="dynamodb", key=KEY1, secret=SECRET1, region="us-east-1"):
    return boto3.client(service, endpoint_url=server.endpoint, region_name=region,
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=botocore.config.Config(retries={"max_attempts": 0}))


def code_msg(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


# ---- a SigV4 signer of our own, to send what no SDK sends ----

def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(secret, date, region, service):
    k = _hmac(("AWS4" + secret).encode(), date)
    return _hmac(_hmac(_hmac(k, region), service), "aws4_request")


def amz(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def canonical(method, path, query, headers, signed, body):
    names = signed.split(";")
    lines = "".join(f"{n}:{headers[n].strip()}\n" for n in names)
    q = "&".join(sorted(f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
                        for k, v in query))
    return "\n".join([method, path, q, lines, signed, hashlib.sha256(body).hexdigest()])


def string_to_sign(amz_date, scope, creq):
    return "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])


def sign(server, target, body, t=None, key=KEY1, secret=SECRET1, service="dynamodb"):
    """Headers of a DynamoDB JSON request signed at time t (default now)."""
    amz_date = amz(time.time() if t is None else t)
    host = server.endpoint.split("//")[1]
    headers = {"host": host, "x-amz-date": amz_date, "x-amz-target": target,
               "content-type": "application/x-amz-json-1.0"}
    signed = "content-type;host;x-amz-date;x-amz-target"
    scope = f"{amz_date[:8]}/us-east-1/{service}/aws4_request"
    sts = string_to_sign(amz_date, scope, canonical("POST", "/", [], headers, signed, body))
    sig = hmac.new(signing_key(secret, amz_date[:8], "us-east-1", service), sts.encode(),
                   hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, "
                                f"SignedHeaders={signed}, Signature={sig}")
    return headers


def send(server, method, url, headers, body=b""):
    host, port = server.endpoint.split("//")[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    c.putrequest(method, url, skip_host=True, skip_accept_encoding=True)
    for k, v in headers.items():
        c.putheader(k, v)
    c.putheader("Content-Length", str(len(body)))
    c.endheaders(body)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def ddb_error(data):
    d = json.loads(data)
    return d["__type"], d["message"]


LIST = "DynamoDB_20120810.ListTables"


# ---- SDK clients ----

def test_boto3_with_the_right_key(server):
    ddb = client(server)
    ddb.create_table(TableName="auth_t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    ddb.put_item(TableName="auth_t", Item={"pk": {"S": "a b/c?=&"}, "v": {"S": "x" * 5000}})
    got = ddb.get_item(TableName="auth_t", Key={"pk": {"S": "a b/c?=&"}})
    assert got["Item"]["v"]["S"] == "x" * 5000


def test_second_profile_key_works(server):
    assert "TableNames" in client(server, key=KEY2, secret=SECRET2).list_tables()


def test_region_still_comes_from_the_scope(server):
    # tables are per region (test_regions.py): eu-west-1 has its own
    c = client(server, region="eu-west-1")
    c.create_table(TableName="auth_t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   BillingMode="PAY_PER_REQUEST")
    arn = c.describe_table(TableName="auth_t")["Table"]["TableArn"]
    assert arn.startswith("arn:aws:dynamodb:eu-west-1:")
    c.delete_table(TableName="auth_t")


def test_wrong_secret_is_invalid_signature(server):
    with pytest.raises(ClientError) as e:
        client(server, secret="not-the-secret").list_tables()
    assert code_msg(e) == ("InvalidSignatureException", MISMATCH, 400)


def test_wrong_secret_on_the_wire(server):
    h = sign(server, LIST, b"{}", secret="wrong")
    status, _, data = send(server, "POST", "/", h, b"{}")
    assert status == 400
    assert ddb_error(data) == (CORAL + "InvalidSignatureException", MISMATCH)


def test_unknown_access_key_is_unrecognized_client(server):
    with pytest.raises(ClientError) as e:
        client(server, key="AKIDNOBODY").list_tables()
    assert code_msg(e) == ("UnrecognizedClientException", UNRECOGNIZED, 400)
    status, _, data = send(server, "POST", "/", sign(server, LIST, b"{}", key="AKIDNOBODY"), b"{}")
    assert (status, ddb_error(data)) == (400, (CORAL + "UnrecognizedClientException", UNRECOGNIZED))


def test_no_authorization_is_missing_token(server):
    status, _, data = send(server, "POST", "/", {"x-amz-target": LIST, "host": "h"}, b"{}")
    assert status == 400
    assert ddb_error(data) == (CORAL + "MissingAuthenticationTokenException", MISSING)


@pytest.mark.parametrize("auth,msg", [
    ("AWS4-HMAC-SHA256 Credential=AKIDAUTHONE/20240101/us-east-1/dynamodb/aws4_request",
     "Authorization header requires 'Signature' parameter. Authorization header requires "
     "'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 "
     "Credential=AKIDAUTHONE/20240101/us-east-1/dynamodb/aws4_request"),
    ("AWS4-HMAC-SHA256 Credential=AKIDAUTHONE/20240101/us-east-1/dynamodb, SignedHeaders=host, "
     "Signature=00",
     "Credential must have exactly 5 slash-delimited elements, e.g. "
     "keyid/date/region/service/term, got 'AKIDAUTHONE/20240101/us-east-1/dynamodb'"),
    ("AWS4-HMAC-SHA256 Credential=AKIDAUTHONE/20240101/us-east-1/dynamodb/aws5_request, "
     "SignedHeaders=host, Signature=00",
     "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "),
    ("AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=00",
     "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: "
     "'AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=00'."),
])
def test_malformed_is_incomplete_signature(server, auth, msg):
    h = {"host": "h", "x-amz-target": LIST, "x-amz-date": amz(time.time()), "authorization": auth}
    status, _, data = send(server, "POST", "/", h, b"{}")
    assert status == 400
    assert ddb_error(data) == (CORAL + "IncompleteSignatureException", msg)


def test_no_date_is_incomplete_signature(server):
    auth = ("AWS4-HMAC-SHA256 Credential=AKIDAUTHONE/20240101/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=00")
    status, _, data = send(server, "POST", "/", {"host": "h", "x-amz-target": LIST,
                                                 "authorization": auth}, b"{}")
    assert status == 400
    assert ddb_error(data) == (CORAL + "IncompleteSignatureException",
                               "Authorization header requires existence of either a 'X-Amz-Date' "
                               "or a 'Date' header. Authorization=" + auth)


def _times(msg, pattern):
    m = re.fullmatch(pattern, msg)
    assert m, msg
    return [datetime.datetime.strptime(g, "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() for g in m.groups()]


def test_twenty_minutes_old_is_expired(server):
    t = int(time.time()) - 20 * 60
    status, _, data = send(server, "POST", "/", sign(server, LIST, b"{}", t=t), b"{}")
    assert status == 400
    typ, msg = ddb_error(data)
    assert typ == CORAL + "InvalidSignatureException"
    sent, edge, now = _times(msg, r"Signature expired: (\w+) is now earlier than (\w+) "
                                  r"\((\w+) - 15 min\.\)")
    assert sent == t and edge == now - 900 and abs(now - time.time()) < 5


def test_twenty_minutes_ahead_is_not_yet_current(server):
    t = int(time.time()) + 20 * 60
    status, _, data = send(server, "POST", "/", sign(server, LIST, b"{}", t=t), b"{}")
    assert status == 400
    typ, msg = ddb_error(data)
    assert typ == CORAL + "InvalidSignatureException"
    sent, edge, now = _times(msg, r"Signature not yet current: (\w+) is still later than (\w+) "
                                  r"\((\w+) \+ 15 min\.\)")
    assert sent == t and edge == now + 900 and abs(now - time.time()) < 5


def test_ten_minutes_off_is_accepted(server):
    for t in (time.time() - 600, time.time() + 600):
        status, _, data = send(server, "POST", "/", sign(server, LIST, b"{}", t=t), b"{}")
        assert status == 200, data


def test_date_header_instead_of_x_amz_date(server):
    """Without X-Amz-Date the request time is the Date header's (IMF-fixdate)."""
    import email.utils
    t = int(time.time())
    amz_date = amz(t)
    host = server.endpoint.split("//")[1]
    headers = {"host": host, "date": email.utils.formatdate(t, usegmt=True), "x-amz-target": LIST}
    signed = "date;host;x-amz-target"
    scope = f"{amz_date[:8]}/us-east-1/dynamodb/aws4_request"
    sts = string_to_sign(amz_date, scope, canonical("POST", "/", [], headers, signed, b"{}"))
    sig = hmac.new(signing_key(SECRET1, amz_date[:8], "us-east-1", "dynamodb"), sts.encode(),
                   hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={KEY1}/{scope}, "
                                f"SignedHeaders={signed}, Signature={sig}")
    status, _, data = send(server, "POST", "/", headers, b"{}")
    assert status == 200, data


def test_a_changed_body_does_not_match(server):
    h = sign(server, LIST, b"{}")
    status, _, data = send(server, "POST", "/", h, b'{"Limit": 1}')
    assert (status, ddb_error(data)) == (400, (CORAL + "InvalidSignatureException", MISMATCH))


def test_wrong_service_in_scope(server):
    h = sign(server, LIST, b"{}", service="lambda")
    status, _, data = send(server, "POST", "/", h, b"{}")
    assert status == 400
    assert ddb_error(data) == (CORAL + "InvalidSignatureException",
                               "Credential should be scoped to correct service: 'dynamodb'. ")


def test_presigned_dynamodb_request(server):
    """The query-string form: X-Amz-* parameters instead of an Authorization header."""
    t = amz(time.time())
    host = server.endpoint.split("//")[1]
    scope = f"{t[:8]}/us-east-1/dynamodb/aws4_request"
    query = [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", f"{KEY2}/{scope}"),
             ("X-Amz-Date", t), ("X-Amz-Expires", "300"),
             ("X-Amz-SignedHeaders", "host;x-amz-target")]
    headers = {"host": host, "x-amz-target": LIST}
    creq = canonical("POST", "/", query, headers, "host;x-amz-target", b"{}")
    sig = hmac.new(signing_key(SECRET2, t[:8], "us-east-1", "dynamodb"),
                   string_to_sign(t, scope, creq).encode(), hashlib.sha256).hexdigest()
    url = "/?" + urllib.parse.urlencode(query + [("X-Amz-Signature", sig)])
    status, _, data = send(server, "POST", url, headers, b"{}")
    assert status == 200, data
    assert "TableNames" in json.loads(data)
    bad = "/?" + urllib.parse.urlencode(query + [("X-Amz-Signature", "0" * 64)])
    status, _, data = send(server, "POST", bad, headers, b"{}")
    assert (status, ddb_error(data)) == (400, (CORAL + "InvalidSignatureException", MISMATCH))


def test_streams_client_is_verified(server):
    streams = client(server, "dynamodbstreams")
    assert any(s["TableName"] == "auth_t" for s in streams.list_streams()["Streams"])
    with pytest.raises(ClientError) as e:
        client(server, "dynamodbstreams", secret="wrong").list_streams()
    assert code_msg(e) == ("InvalidSignatureException", MISMATCH, 400)


def test_lambda_client_is_verified(server):
    lam = client(server, "lambda")
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []
    with pytest.raises(ClientError) as e:
        client(server, "lambda", secret="wrong").list_event_source_mappings()
    code, msg, status = code_msg(e)
    assert (code, status) == ("InvalidSignatureException", 403)
    assert msg.startswith(MISMATCH + "\n\nThe Canonical String for this request should have been\n"
                          "'GET\n/2015-03-31/event-source-mappings/\n")
    with pytest.raises(ClientError) as e:
        client(server, "lambda", key="AKIDNOBODY").list_event_source_mappings()
    assert code_msg(e) == ("UnrecognizedClientException", UNRECOGNIZED, 403)


def test_lambda_presigned_url(server):
    lam = client(server, "lambda", key=KEY2, secret=SECRET2)
    url = lam.generate_presigned_url("list_event_source_mappings", ExpiresIn=60)
    parts = urllib.parse.urlsplit(url)
    status, headers, data = send(server, "GET", f"{parts.path}?{parts.query}",
                                 {"host": parts.netloc})
    assert status == 200, data
    assert json.loads(data)["EventSourceMappings"] == []
    tampered = parts.query.replace("X-Amz-Expires=60", "X-Amz-Expires=61")
    status, headers, data = send(server, "GET", f"{parts.path}?{tampered}", {"host": parts.netloc})
    assert status == 403
    assert headers["x-amzn-errortype"] == "InvalidSignatureException"


def test_health_check_needs_no_signature(server):
    status, _, data = send(server, "GET", "/", {"host": "h"})
    assert status == 200 and data.startswith(b"healthy:")


# ---- the file ----

@pytest.mark.parametrize("text,why", [
    ("# nothing\n[default]\nregion = us-east-1\n", "no access key in it"),
    ("[default]\naws_access_key_id = AKID\n", "has aws_access_key_id but no aws_secret_access_key"),
    ("aws_access_key_id = AKID\n", "line 1: a key before any [profile]"),
    ("[a]\naws_access_key_id=K\naws_secret_access_key=1\n[b]\naws_access_key_id=K\n"
     "aws_secret_access_key=2\n", "access key id K has two different secrets"),
])
def test_a_bad_file_refuses_to_start(text, why):
    path = write_credentials(text)
    try:
        r = subprocess.run([DDBD, "--port", "0", "--in-memory", "--auth", path],
                           capture_output=True, timeout=10)
        assert r.returncode == 2
        assert f"ddbd: --auth {path}: " in r.stderr.decode()
        assert why in r.stderr.decode()
        assert "not starting" in r.stderr.decode()
    finally:
        os.unlink(path)


def test_an_unreadable_file_refuses_to_start():
    r = subprocess.run([DDBD, "--port", "0", "--in-memory", "--auth", "/nonexistent/credentials"],
                       capture_output=True, timeout=10)
    assert r.returncode == 2
    assert ("ddbd: --auth /nonexistent/credentials: cannot read it: No such file or directory; "
            "not starting") in r.stderr.decode()


# ---- without --auth ----

def test_without_auth_any_well_formed_credential_is_accepted(endpoint):
    c = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                     aws_access_key_id="ANYONE", aws_secret_access_key="anything",
                     config=botocore.config.Config(retries={"max_attempts": 0}))
    assert "TableNames" in c.list_tables()
    host = endpoint.split("//")[1]
    h = {"host": host, "x-amz-target": LIST, "authorization":
         "AWS4-HMAC-SHA256 Credential=X/20000101/us-east-1/dynamodb/aws4_request, "
         "SignedHeaders=host, Signature=bogus"}
    status, _, data = send(type("S", (), {"endpoint": endpoint}), "POST", "/", h, b"{}")
    assert status == 200, data
