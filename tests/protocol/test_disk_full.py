"""A full disk under ddbd: writes fail with InternalServerError while reads keep
working, writes resume by themselves once space is freed, nothing acknowledged is
lost, and a ddbd started on a full disk runs read-only and says so.

The data directory is a 24 MB tmpfs mounted for the test (skipped where mounting
is not permitted); a filler file takes every free byte.
"""
import errno
import os
import signal
import subprocess
import tempfile
import time

import boto3
import botocore.config
import botocore.exceptions
import pytest

from conftest import DDBD, Ddbd

pytestmark = [pytest.mark.ddbd_only, pytest.mark.rocksdb('it fills the disk under a RocksDB data directory')]

BIG = 300_000  # bytes of one big item: about 30 of them overflow RocksDB's WAL preallocation


@pytest.fixture
def small_fs():
    """A 24 MB tmpfs; yields (mount point, list the test appends its servers to).
    The servers are killed and the tmpfs unmounted even when the test fails."""
    mnt = tempfile.mkdtemp(prefix="ddbd-diskfull-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt],
                       capture_output=True, text=True)
    if r.returncode != 0:
        os.rmdir(mnt)
        pytest.skip(f"cannot mount a small tmpfs for the data directory: {r.stderr.strip()}")
    servers = []
    try:
        yield mnt, servers
    finally:
        for s in servers:
            s.cleanup()
        subprocess.run(["umount", mnt], capture_output=True)
        if os.path.ismount(mnt):
            subprocess.run(["umount", "-l", mnt], capture_output=True)
        os.rmdir(mnt)


def client(server):
    return boto3.client(
        "dynamodb",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDLOCAL",
        aws_secret_access_key="secret",
        # a hang is a failure too: a refused write must be answered promptly
        config=botocore.config.Config(retries={"max_attempts": 0}, connect_timeout=5,
                                      read_timeout=10),
    )


def fill(mnt):
    """Writes a filler file until the filesystem has no byte left; returns its path."""
    path = os.path.join(mnt, "filler")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            chunk = b"\0" * size
            while True:
                try:
                    os.write(fd, chunk)
                except OSError as e:
                    assert e.errno == errno.ENOSPC, e
                    break
    finally:
        os.close(fd)
    return path


def create_table(ddb, name):
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])


def put(ddb, table, pk, size=10):
    """'ok', 'closed' (connection closed unanswered) or the error's (code, message)."""
    try:
        ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "v": {"S": "x" * size}})
        return "ok"
    except botocore.exceptions.ClientError as e:
        err = e.response["Error"]
        return err["Code"], err.get("Message", ""), e.response["ResponseMetadata"]["HTTPStatusCode"]
    except (botocore.exceptions.ConnectionClosedError, botocore.exceptions.EndpointConnectionError):
        return "closed"


def start(mnt, servers, extra=()):
    s = Ddbd(data_dir=os.path.join(mnt, "data"), extra=extra)
    servers.append(s)
    return s.start()


def startup_lines(server):
    """ddbd's stderr up to its listening line."""
    deadline = time.time() + 10
    text = server.log()
    while "listening on" not in text and time.time() < deadline and server.proc.poll() is None:
        time.sleep(0.02)
        text = server.log()
    return text[:text.index("listening on")] + text[text.index("listening on"):].split("\n")[0] + "\n" \
        if "listening on" in text else text


def assert_refused(result):
    assert result != "ok" and result != "closed", result
    code, message, status = result
    assert (code, status) == ("InternalServerError", 500), result
    return message


# --sync flushes and fsyncs the WAL in one call
@pytest.mark.parametrize("extra", [(), ("--sync",)], ids=["default", "sync"])
def test_disk_full_writes_fail_reads_work_and_writes_resume(small_fs, extra):
    mnt, servers = small_fs
    srv = start(mnt, servers, extra)
    ddb = client(srv)
    table = "diskfull"
    create_table(ddb, table)
    acked = {}
    for i in range(10):
        assert put(ddb, table, f"small{i}") == "ok"
        acked[f"small{i}"] = 10
    filler = fill(mnt)

    # write big items until the store cannot write; the round whose WAL flush
    # failed goes unanswered (closed), never acknowledged
    results = []
    for i in range(100):
        r = put(ddb, table, f"big{i}", BIG)
        results.append(r)
        if r == "ok":
            acked[f"big{i}"] = BIG
        elif r != "closed":
            break
    assert srv.proc.poll() is None, "ddbd died when the disk filled"
    message = assert_refused(results[-1])
    assert "disk is full" in message, message
    assert results.count("closed") <= 3, results
    # every write is refused now, promptly, and the server stays up
    for i in range(5):
        assert "disk is full" in assert_refused(put(ddb, table, f"refused{i}"))
    assert srv.proc.poll() is None
    # reads keep working
    for pk in ("small0", "small9"):
        item = ddb.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True)["Item"]
        assert item["v"]["S"] == "x" * 10
    assert ddb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"

    # free the space: writes resume without a restart (RocksDB's recovery polls
    # the free space every 5 seconds)
    os.remove(filler)
    deadline = time.time() + 15
    while (r := put(ddb, table, "after0")) != "ok":
        assert r == "closed" or "disk is full" in assert_refused(r), r
        assert time.time() < deadline, f"writes did not resume after freeing space: {r}"
        time.sleep(0.2)
    acked["after0"] = 10
    for i in range(1, 5):
        assert put(ddb, table, f"after{i}", 1000) == "ok"
        acked[f"after{i}"] = 1000
    assert srv.stop() == 0

    # everything acknowledged before and after is there after a clean restart
    srv = start(mnt, servers, extra)
    ddb = client(srv)
    for pk, size in acked.items():
        item = ddb.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")
        assert item is not None, f"acknowledged item {pk} lost"
        assert len(item["v"]["S"]) == size
    assert srv.stop() == 0
    check = subprocess.run([DDBD, "--check", "--data-dir", os.path.join(mnt, "data")],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr


def test_start_on_full_disk_runs_read_only(small_fs):
    mnt, servers = small_fs
    srv = start(mnt, servers)
    ddb = client(srv)
    table = "readonly"
    create_table(ddb, table)
    for i in range(5):
        assert put(ddb, table, f"k{i}") == "ok"
    assert srv.stop() == 0
    filler = fill(mnt)

    srv = start(mnt, servers)
    err = startup_lines(srv)
    assert "READ-ONLY" in err and "disk is full" in err, err
    ddb = client(srv)
    item = ddb.get_item(TableName=table, Key={"pk": {"S": "k3"}})["Item"]
    assert item["v"]["S"] == "x" * 10
    assert len(ddb.scan(TableName=table)["Items"]) == 5
    assert "read-only" in assert_refused(put(ddb, table, "new"))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        create_table(ddb, "readonly2")
    assert e.value.response["Error"]["Code"] == "InternalServerError"
    assert srv.proc.poll() is None
    assert srv.stop() == 0

    # with space again a restart writes
    os.remove(filler)
    srv = start(mnt, servers)
    ddb = client(srv)
    assert put(ddb, table, "new") == "ok"
    assert len(ddb.scan(TableName=table)["Items"]) == 6
    assert srv.stop() == 0
