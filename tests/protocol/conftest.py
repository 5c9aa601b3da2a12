"""Fixtures of the protocol tests: a real ddbd (or any endpoint) and clients.

With DDB_ENDPOINT set (e.g. DynamoDB Local at http://127.0.0.1:8199) every test
runs against that endpoint, which is how we check the tests themselves against
the oracle; tests marked ddbd_only are then skipped. Otherwise one ddbd is
started for the session from $DDBD (default build/ddbd) on a free port with a
temporary data directory.
"""
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import boto3
import botocore.config
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DDBD = os.environ.get("DDBD", os.path.join(REPO, "build", "ddbd"))
# DDB_ENDPOINT names the server the tests run against; it is DynamoDB Local
# (the oracle, whose own deviations some tests allow for) unless
# DDB_ENDPOINT_DDBD says it is a ddbd (tools/cluster_suite.sh's).
ORACLE = bool(os.environ.get("DDB_ENDPOINT")) and not os.environ.get("DDB_ENDPOINT_DDBD")
# How long after a write its stream record may take to show (seconds).
# DynamoDB's records appear a moment after their writes; the RocksDB
# backend's at once (0), the redis-cluster backend's once every bucket's
# clock has passed them (tools/cluster_suite.sh sets it).
STREAM_SETTLE = float(os.environ.get("DDB_STREAM_SETTLE", "0"))


def pytest_configure(config):
    config.addinivalue_line("markers", "ddbd_only: needs its own ddbd process (skipped against other endpoints)")
    config.addinivalue_line("markers", "rocksdb(why): needs the RocksDB store (skipped, saying why, when the "
                                       "tests run on the redis-cluster backend)")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("DDB_ENDPOINT"):
        skip = pytest.mark.skip(reason="ddbd_only test: DDB_ENDPOINT points elsewhere")
        for item in items:
            if "ddbd_only" in item.keywords:
                item.add_marker(skip)
    if os.environ.get("DDB_TEST_CLUSTER") or os.environ.get("DDB_ENDPOINT_DDBD"):
        for item in items:
            m = item.get_closest_marker("rocksdb")
            if m:
                item.add_marker(pytest.mark.skip(reason="RocksDB store only: " + m.args[0]))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"ddbd did not start listening on port {port}")


# DDB_TEST_CLUSTER: a redis-cluster:// URL every ddbd the tests start
# stores in instead of a data directory (tools/cluster_suite.sh).
CLUSTER = os.environ.get("DDB_TEST_CLUSTER")


def flush_cluster():
    """Empties the cluster of DDB_TEST_CLUSTER (every master's keys), but for
    its counter of table and index ids: ids are never reused, as on a cluster
    never flushed, so a front end still running (the session's) cannot take
    a new table for one it knew before the flush."""
    for hp in CLUSTER.split("://", 1)[1].split(","):
        host, port = hp.rsplit(":", 1)
        last_id = subprocess.run(["redis-cli", "-c", "-h", host, "-p", port, "get", "{ddb:cat}id"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        nodes = subprocess.run(["redis-cli", "-h", host, "-p", port, "cluster", "nodes"],
                               capture_output=True, text=True, check=True).stdout
        for line in nodes.splitlines():
            f = line.split()
            if "master" in f[2] and "fail" not in f[2]:
                h, p = f[1].split("@")[0].rsplit(":", 1)
                subprocess.run(["redis-cli", "-h", h, "-p", p, "flushall"], capture_output=True, check=True)
        if last_id.isdigit():
            subprocess.run(["redis-cli", "-c", "-h", host, "-p", port, "set", "{ddb:cat}id", last_id],
                           capture_output=True, check=True)
        return


class Ddbd:
    """One ddbd process on its own port and data directory."""

    def __init__(self, data_dir=None, extra=(), cwd=None, env=None):
        self.port = free_port()
        self.cwd, self.env = cwd, env
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="ddbd-test-")
        self.extra = list(extra)
        self.proc = None
        self.restarted = False

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        if CLUSTER:
            # on the cluster backend the cluster is the store: a new data
            # directory stands for an empty cluster
            if self.own_dir and not self.restarted:
                flush_cluster()
            self.restarted = True
            args = [DDBD, "--port", str(self.port), "--store", CLUSTER, *self.extra]
        else:
            args = [DDBD, "--port", str(self.port), "--data-dir", self.data_dir, *self.extra]
        # stderr to a file, not a pipe: a server that logs (trigger
        # deliveries) must never block on a pipe nobody reads
        self.log_file = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stderr=self.log_file, stdout=subprocess.DEVNULL, cwd=self.cwd,
                                     env=self.env)
        wait_for_port(self.port)
        return self

    def log(self):
        """Everything ddbd has written to stderr so far."""
        self.log_file.flush()
        self.log_file.seek(0)
        return self.log_file.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Stops the server; returns its exit code."""
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def endpoint():
    if os.environ.get("DDB_ENDPOINT"):
        yield os.environ["DDB_ENDPOINT"]
        return
    server = Ddbd().start()
    yield server.endpoint
    rc = server.stop()
    log = server.log()
    server.cleanup()
    assert rc == 0, "ddbd did not shut down cleanly on SIGTERM:\n" + log[-4000:]


def make_client(endpoint, service="dynamodb"):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDLOCAL",
        aws_secret_access_key="secret",
        config=botocore.config.Config(retries={"max_attempts": 0}, parameter_validation=False),
    )


@pytest.fixture(scope="session")
def ddb(endpoint):
    return make_client(endpoint)


_names = itertools.count()


@pytest.fixture
def table_name(request):
    """A unique table name for this test."""
    base = "".join(ch if ch.isalnum() else "_" for ch in request.node.name)[:40]
    return f"{base}_{os.getpid()}_{next(_names)}"


@pytest.fixture
def make_table(ddb, request):
    """Creates tables (pk S hash key by default) and deletes them after the test."""
    created = []

    def make(name=None, hash_key=("pk", "S"), range_key=None, **kw):
        name = name or f"t_{os.getpid()}_{next(_names)}"
        schema = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
        defs = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
        if range_key:
            schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
            defs.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
        kw.setdefault("BillingMode", "PAY_PER_REQUEST")
        ddb.create_table(TableName=name, KeySchema=schema, AttributeDefinitions=defs, **kw)
        created.append(name)
        return name

    yield make
    for name in created:
        try:
            ddb.delete_table(TableName=name)
        except ddb.exceptions.ResourceNotFoundException:
            pass


@pytest.fixture
def table(make_table):
    """A table with a string hash key `pk`."""
    return make_table()


def error_of(excinfo):
    """(code, message) of a botocore ClientError."""
    err = excinfo.value.response["Error"]
    return err["Code"], err.get("Message", "")


def eventually(read, ok, timeout=5.0):
    """read() again until ok(result) holds (or timeout s pass), returning the
    last result. For reads of a GSI after a write: DynamoDB's GSIs are
    eventually consistent, as the redis-cluster backend's are (applied from
    the change feed); the RocksDB backend's are synchronous, so there the
    first read already holds."""
    deadline = time.monotonic() + timeout
    while True:
        got = read()
        if ok(got) or time.monotonic() > deadline:
            return got
        time.sleep(0.01)


def check_cmd(data_dir):
    """ddbd --check of a test's ddbd: its data directory, or on the cluster
    backend (DDB_TEST_CLUSTER) the cluster."""
    if CLUSTER:
        return [DDBD, "--check", "--store", CLUSTER]
    return [DDBD, "--check", "--data-dir", data_dir]


def scan_all(c, **kw):
    """Every item a Scan with kw returns, page after page."""
    items, start = [], None
    while True:
        page = c.scan(**kw, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items
