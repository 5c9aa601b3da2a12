"""The client transport of libddbstreams (streams/client.h), driven through build/dc_call:
against a real ddbd (plain and with --auth), and against a small fake HTTP server that
answers what a test scripts (5xx, throttling, bad CRCs, skewed clocks) and serves container
and instance-metadata credentials. The fake checks what the client sent, the SigV4 signature
recomputed here with hashlib/hmac.
"""
import datetime
import email.utils
import hashlib
import hmac
import http.server
import json
import os
import signal
import ssl
import subprocess
import tempfile
import threading
import time
import zlib

import pytest

from conftest import DDBD, Ddbd, free_port

DC_CALL = os.path.join(os.path.dirname(DDBD), "dc_call")
KEY, SECRET = "AKIDCLIENT", "client/secret+1"


def base_env(**extra):
    """An environment with nothing of the caller's AWS settings: no profiles, no IMDS."""
    home = tempfile.mkdtemp(prefix="dc-call-home-")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
           "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": os.path.join(home, "config"),
           "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "credentials")}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def keys_env(key=KEY, secret=SECRET, **extra):
    return base_env(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, **extra)


def dc_call(*args, env=None, stdin=None, timeout=30):
    """(exit code, stdout text, the stderr error JSON or None)."""
    p = subprocess.run([DC_CALL, *args], env=env if env is not None else keys_env(),
                       input=stdin, capture_output=True, timeout=timeout)
    err = None
    if p.returncode != 0:
        lines = p.stderr.decode().strip().splitlines()
        assert lines, "dc_call failed without an error line"
        err = json.loads(lines[-1])
    return p.returncode, p.stdout.decode(), err


# ---- a fake service ----

class Fake:
    """An HTTP/1.1 server on 127.0.0.1: POST / answers from `script` (then `default`), other
    paths from `routes`; every request is recorded."""

    def __init__(self, tls=None):
        self.script, self.default, self.routes, self.requests = [], None, {}, []
        self.scheme = "https" if tls else "http"
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def handle_any(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n) if n else b""
                req = {"method": self.command, "path": self.path, "body": body,
                       "headers": {k.lower(): v for k, v in self.headers.items()},
                       "port": self.client_address[1]}
                fake.requests.append(req)
                if self.command == "POST" and self.path == "/":
                    resp = fake.script.pop(0) if fake.script else fake.default
                    if callable(resp):
                        resp = resp(req)
                else:
                    resp = fake.routes.get((self.command, self.path), (404, {}, b"not found"))
                    if callable(resp):
                        resp = resp(req)
                status, headers, data = resp
                if isinstance(data, (dict, list)):
                    data = json.dumps(data).encode()
                self.send_response_only(status)
                headers = {"Content-Type": "application/x-amz-json-1.0", **headers}
                if self.command == "POST":
                    headers.setdefault("x-amz-crc32", str(zlib.crc32(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}"

    def posts(self):
        return [r for r in self.requests if r["method"] == "POST"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake():
    f = Fake()
    yield f
    f.close()


OK = (200, {}, {"TableNames": []})


def ddb_err(status, type_, message, key="message"):
    return (status, {}, {"__type": "com.amazonaws.dynamodb.v20120810#" + type_, key: message})


# ---- SigV4, recomputed ----

def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def verify_signature(req, secret, region="us-east-1"):
    """Asserts that req's Authorization is the SigV4 signature of what was sent."""
    h = req["headers"]
    algo, rest = h["authorization"].split(" ", 1)
    assert algo == "AWS4-HMAC-SHA256"
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    akid, date, reg, service, term = parts["Credential"].split("/")
    assert (reg, service, term) == (region, "dynamodb", "aws4_request")
    signed = parts["SignedHeaders"].split(";")
    for name in ("host", "x-amz-date", "x-amz-target", "content-type"):
        assert name in signed
    assert signed == sorted(signed)
    amz_date = h["x-amz-date"]
    assert amz_date[:8] == date
    canon = "".join(f"{n}:{' '.join(h[n].split())}\n" for n in signed)
    creq = "\n".join(["POST", "/", "", canon, ";".join(signed), hashlib.sha256(req["body"]).hexdigest()])
    scope = f"{date}/{region}/dynamodb/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    k = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode(), date), region), "dynamodb"), "aws4_request")
    assert parts["Signature"] == hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    return akid, signed


# ---- against ddbd ----

def test_list_tables_against_ddbd(endpoint):
    rc, out, err = dc_call("--endpoint", endpoint, "ListTables", "{}")
    assert rc == 0, err
    assert "TableNames" in json.loads(out)


def test_request_from_stdin_and_a_service_error(endpoint):
    rc, out, err = dc_call("--endpoint", endpoint, "DescribeTable", "-",
                           stdin=b'{"TableName": "dc_call_no_such_table"}')
    assert rc == 1
    assert (err["code"], err["status"], err["type"], err["attempts"]) == \
        ("DC_ESERVICE", 400, "ResourceNotFoundException", 1)


AUTH_CREDENTIALS = f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"


@pytest.fixture(scope="module")
def auth_server():
    fd, path = tempfile.mkstemp(prefix="ddbd-credentials-")
    with os.fdopen(fd, "w") as f:
        f.write(AUTH_CREDENTIALS)
    s = Ddbd(extra=["--auth", path]).start()
    yield s
    rc = s.stop()
    s.cleanup()
    os.unlink(path)
    assert rc == 0


@pytest.mark.ddbd_only
def test_auth_good_key_both_services(auth_server):
    rc, out, err = dc_call("--endpoint", auth_server.endpoint, "ListTables")
    assert rc == 0, err
    rc, out, err = dc_call("--endpoint", auth_server.endpoint, "--streams", "ListStreams")
    assert rc == 0, err
    assert "Streams" in json.loads(out)


@pytest.mark.ddbd_only
def test_auth_good_key_from_a_profile_file(auth_server):
    env = base_env()
    with open(env["AWS_SHARED_CREDENTIALS_FILE"], "w") as f:
        f.write(AUTH_CREDENTIALS)
    rc, _, err = dc_call("--endpoint", auth_server.endpoint, "ListTables", env=env)
    assert rc == 0, err


@pytest.mark.ddbd_only
def test_auth_wrong_key_and_wrong_secret(auth_server):
    rc, _, err = dc_call("--endpoint", auth_server.endpoint, "ListTables",
                         env=keys_env(key="AKIDNOBODY"))
    assert rc == 1
    assert (err["code"], err["type"], err["status"], err["attempts"]) == \
        ("DC_EAUTH", "UnrecognizedClientException", 400, 1)
    rc, _, err = dc_call("--endpoint", auth_server.endpoint, "ListTables",
                         env=keys_env(secret="not-the-secret"))
    assert rc == 1
    assert (err["code"], err["type"], err["attempts"]) == ("DC_EAUTH", "InvalidSignatureException", 1)


# ---- retries, CRC, network ----

def test_5xx_then_success_on_one_connection(fake):
    fake.script = [(500, {}, {"__type": "InternalServerError", "message": "boom"}),
                   (503, {}, b"<html>busy</html>"), OK]
    rc, out, err = dc_call("--endpoint", fake.url, "ListTables")
    assert rc == 0, err
    assert json.loads(out) == {"TableNames": []}
    posts = fake.posts()
    assert len(posts) == 3
    assert len({p["port"] for p in posts}) == 1, "keep-alive: one connection for every attempt"


def test_always_throttled(fake):
    fake.default = ddb_err(400, "ProvisionedThroughputExceededException", "slow down")
    t0 = time.time()
    rc, _, err = dc_call("--endpoint", fake.url, "--max-attempts", "4", "GetItem", "{}")
    assert rc == 1
    assert (err["code"], err["attempts"], err["status"], err["type"], err["message"]) == \
        ("DC_ETHROTTLE", 4, 400, "ProvisionedThroughputExceededException", "slow down")
    assert len(fake.posts()) == 4
    assert time.time() - t0 < 5  # 50 + 100 + 200 ms at most


def test_always_5xx_is_a_service_error(fake):
    fake.default = (500, {}, {"__type": "com.amazonaws.dynamodb#InternalServerError",
                              "Message": "Internal server error"})
    rc, _, err = dc_call("--endpoint", fake.url, "--max-attempts", "2", "GetItem", "{}")
    assert (rc, err["code"], err["attempts"], err["status"], err["type"], err["message"]) == \
        (1, "DC_ESERVICE", 2, 500, "InternalServerError", "Internal server error")


def test_validation_error_is_not_retried(fake):
    fake.default = ddb_err(400, "ValidationException", "One or more parameter values were invalid",
                           key="Message")
    rc, _, err = dc_call("--endpoint", fake.url, "PutItem", "{}")
    assert (err["code"], err["attempts"], err["type"]) == ("DC_ESERVICE", 1, "ValidationException")
    assert err["message"] == "One or more parameter values were invalid"


def test_crc_mismatch(fake):
    fake.default = (200, {"x-amz-crc32": "12345"}, {"TableNames": []})
    rc, _, err = dc_call("--endpoint", fake.url, "--max-attempts", "3", "ListTables")
    assert (rc, err["code"], err["attempts"]) == (1, "DC_ECRC", 3)
    assert len(fake.posts()) == 3


def test_crc_mismatch_once_is_retried(fake):
    fake.script = [(200, {"x-amz-crc32": "1"}, {"TableNames": ["bad"]}), OK]
    rc, out, err = dc_call("--endpoint", fake.url, "ListTables")
    assert rc == 0, err
    assert json.loads(out) == {"TableNames": []}


def test_connection_refused_is_a_network_error_quickly():
    t0 = time.time()
    rc, _, err = dc_call("--endpoint", f"http://127.0.0.1:{free_port()}", "--max-attempts", "3",
                         "ListTables")
    assert (rc, err["code"], err["status"], err["attempts"], err["type"]) == (1, "DC_ENET", 0, 3, "")
    assert time.time() - t0 < 3


def test_abort_ends_the_backoff_promptly(fake):
    fake.default = (500, {}, {"__type": "InternalServerError", "message": "down"})
    p = subprocess.Popen([DC_CALL, "--endpoint", fake.url, "--max-attempts", "100", "ListTables"],
                         env=keys_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)  # past the first attempts, into the longer waits
    t0 = time.time()
    p.send_signal(signal.SIGINT)
    _, stderr = p.communicate(timeout=10)
    assert time.time() - t0 < 0.5
    err = json.loads(stderr.decode().strip().splitlines()[-1])
    assert p.returncode == 1
    assert err["code"] == "DC_EABORTED"


def test_abort_ends_a_transfer_promptly(fake):
    def slow(req):
        time.sleep(5)
        return OK
    fake.default = slow
    p = subprocess.Popen([DC_CALL, "--endpoint", fake.url, "ListTables"], env=keys_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 5
    while not fake.posts() and time.time() < deadline:
        time.sleep(0.02)
    assert fake.posts(), "the request never arrived"
    t0 = time.time()
    p.send_signal(signal.SIGTERM)
    _, stderr = p.communicate(timeout=10)
    assert time.time() - t0 < 0.5
    err = json.loads(stderr.decode().strip().splitlines()[-1])
    assert (p.returncode, err["code"], err["attempts"]) == (1, "DC_EABORTED", 1)


def test_https_verifies_the_peer_against_aws_ca_bundle(tmp_path):
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    f = Fake(tls=(cert, key))
    try:
        f.default = OK
        rc, _, err = dc_call("--endpoint", f.url, "ListTables")
        assert (rc, err["code"], err["attempts"]) == (1, "DC_ENET", 1)  # no retrying a bad peer
        assert "certificate" in err["message"].lower()
        rc, out, err = dc_call("--endpoint", f.url, "ListTables", env=keys_env(AWS_CA_BUNDLE=cert))
        assert rc == 0, err
        verify_signature(f.posts()[-1], SECRET)
    finally:
        f.close()


# ---- what is sent ----

def test_signed_request(fake):
    fake.default = OK
    body = json.dumps({"TableName": "t", "Key": {"pk": {"S": "x" * 1_500_000}}})
    rc, _, err = dc_call("--endpoint", fake.url, "GetItem", "-", stdin=body.encode(),
                         env=keys_env(AWS_SESSION_TOKEN="tok/en=="))
    assert rc == 0, err
    (req,) = fake.posts()
    h = req["headers"]
    assert req["body"] == body.encode()
    assert h["x-amz-target"] == "DynamoDB_20120810.GetItem"
    assert h["content-type"] == "application/x-amz-json-1.0"
    assert h["user-agent"].startswith("ddbstreams/")
    assert h["host"] == fake.url.split("//")[1]
    assert h["x-amz-security-token"] == "tok/en=="
    assert "expect" not in h
    akid, signed = verify_signature(req, SECRET)
    assert akid == KEY
    assert "x-amz-security-token" in signed


def test_streams_target_and_region(fake):
    fake.default = (200, {}, {"Streams": []})
    rc, out, err = dc_call("--endpoint", fake.url, "--streams", "--region", "eu-west-3",
                           "ListStreams")
    assert rc == 0, err
    (req,) = fake.posts()
    assert req["headers"]["x-amz-target"] == "DynamoDBStreams_20120810.ListStreams"
    verify_signature(req, SECRET, region="eu-west-3")


def test_clock_skew_is_corrected_once(fake):
    ahead = time.time() + 3 * 3600
    fake.script = [(400, {"Date": email.utils.formatdate(ahead, usegmt=True)},
                    {"__type": "com.amazon.coral.service#InvalidSignatureException",
                     "message": "Signature expired: 20240101T000000Z is now earlier than ..."}), OK]
    rc, _, err = dc_call("--endpoint", fake.url, "ListTables")
    assert rc == 0, err
    first, second = fake.posts()
    t = datetime.datetime.strptime(second["headers"]["x-amz-date"], "%Y%m%dT%H%M%SZ")
    t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
    assert abs(t - ahead) < 30
    verify_signature(second, SECRET)
    # a service that keeps refusing gets one corrected attempt, not a loop
    fake.requests.clear()
    fake.default = (400, {"Date": email.utils.formatdate(ahead, usegmt=True)},
                    {"__type": "InvalidSignatureException",
                     "message": "Signature not yet current: ..."})
    rc, _, err = dc_call("--endpoint", fake.url, "ListTables")
    assert (err["code"], err["type"], err["attempts"]) == ("DC_EAUTH", "InvalidSignatureException", 2)


def test_endpoint_from_the_environment(fake):
    fake.default = OK
    other = Fake()
    other.default = (200, {}, {"Streams": []})
    try:
        env = keys_env(AWS_ENDPOINT_URL_DYNAMODB=fake.url, AWS_ENDPOINT_URL="http://127.0.0.1:9")
        rc, _, err = dc_call("ListTables", env=env)
        assert rc == 0, err
        assert len(fake.posts()) == 1
        rc, out, err = dc_call("--resolve", env=env)
        assert json.loads(out)["streams_endpoint"] == fake.url  # one server for both
        env["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = other.url
        rc, out, err = dc_call("--resolve", env=env)
        assert json.loads(out) == {"region": "us-east-1", "endpoint": fake.url,
                                   "streams_endpoint": other.url, "custom_endpoint": True,
                                   "credentials": "env"}
        rc, _, err = dc_call("--streams", "ListStreams", env=env)
        assert rc == 0, err
        assert len(other.posts()) == 1 and len(fake.posts()) == 1
    finally:
        other.close()


def test_resolve_without_anything():
    rc, out, err = dc_call("--resolve", env=base_env(AWS_ACCESS_KEY_ID="a", AWS_SECRET_ACCESS_KEY="b"))
    assert rc == 0
    assert json.loads(out) == {"region": "us-east-1",
                               "endpoint": "https://dynamodb.us-east-1.amazonaws.com",
                               "streams_endpoint": "https://streams.dynamodb.us-east-1.amazonaws.com",
                               "custom_endpoint": False, "credentials": "env"}
    rc, _, err = dc_call("--resolve", env=base_env())
    assert (rc, err["code"]) == (1, "DC_ECONFIG")
    assert "no credentials" in err["message"]


# ---- credentials from the container endpoint and from IMDSv2 ----

def creds_doc(key, secret, token, expires_in=3600):
    exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=expires_in)
    return {"AccessKeyId": key, "SecretAccessKey": secret, "Token": token,
            "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_container_credentials(fake):
    fake.default = OK
    fake.routes[("GET", "/creds")] = (200, {}, creds_doc("AKIDCONT", "cont-secret", "cont-token"))
    env = base_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=fake.url + "/creds",
                   AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer abc")
    rc, out, err = dc_call("--endpoint", fake.url, "ListTables", env=env)
    assert rc == 0, err
    (get,) = [r for r in fake.requests if r["method"] == "GET"]
    assert get["headers"]["authorization"] == "Bearer abc"
    (post,) = fake.posts()
    assert verify_signature(post, "cont-secret")[0] == "AKIDCONT"
    assert post["headers"]["x-amz-security-token"] == "cont-token"
    rc, out, _ = dc_call("--endpoint", fake.url, "--resolve", env=env)
    assert json.loads(out)["credentials"] == "container"


def test_expiring_container_credentials_are_refreshed(fake):
    fake.script = [(500, {}, {"__type": "InternalServerError", "message": "x"}), OK]
    fake.routes[("GET", "/creds")] = (200, {}, creds_doc("AKIDSOON", "soon", "t", expires_in=120))
    env = base_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=fake.url + "/creds")
    rc, _, err = dc_call("--endpoint", fake.url, "ListTables", env=env)
    assert rc == 0, err
    gets = [r for r in fake.requests if r["method"] == "GET"]
    assert len(gets) == 3  # at open, then before each of the two attempts (within 5 minutes)


def test_container_full_uri_must_be_local():
    env = base_env(AWS_CONTAINER_CREDENTIALS_FULL_URI="http://example.com/creds")
    rc, _, err = dc_call("--endpoint", "http://127.0.0.1:9", "ListTables", env=env)
    assert (rc, err["code"]) == (1, "DC_ECONFIG")


def test_imds_v2_credentials(fake):
    fake.default = OK

    def token(req):
        ok = req["headers"].get("x-aws-ec2-metadata-token-ttl-seconds")
        return (200, {}, b"IMDSTOKEN") if ok else (400, {}, b"")

    def authed(body):
        return lambda req: ((200, {}, body) if req["headers"].get("x-aws-ec2-metadata-token") ==
                            "IMDSTOKEN" else (401, {}, b""))

    base = "/latest/meta-data/iam/security-credentials/"
    fake.routes[("PUT", "/latest/api/token")] = token
    fake.routes[("GET", base)] = authed(b"my-role\n")
    doc = {"Code": "Success", **creds_doc("AKIDIMDS", "imds-secret", "imds-token")}
    fake.routes[("GET", base + "my-role")] = authed(doc)
    env = base_env(AWS_EC2_METADATA_DISABLED=None, AWS_EC2_METADATA_SERVICE_ENDPOINT=fake.url + "/")
    rc, _, err = dc_call("--endpoint", fake.url, "ListTables", env=env)
    assert rc == 0, err
    (post,) = fake.posts()
    assert verify_signature(post, "imds-secret")[0] == "AKIDIMDS"
    assert post["headers"]["x-amz-security-token"] == "imds-token"
    rc, out, _ = dc_call("--endpoint", fake.url, "--resolve", env=env)
    assert json.loads(out)["credentials"] == "imds"
