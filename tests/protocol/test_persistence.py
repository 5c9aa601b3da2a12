"""Durability: tables and items survive a clean restart, and kill -9 right
after acknowledged writes loses nothing (they are in RocksDB's WAL)."""
import signal

import pytest

from conftest import Ddbd, make_client

pytestmark = pytest.mark.ddbd_only

KS = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
AD = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}]


def fill(client, n):
    client.create_table(TableName="durable", KeySchema=KS, AttributeDefinitions=AD,
                        BillingMode="PAY_PER_REQUEST", Tags=[{"Key": "k", "Value": "v"}])
    for i in range(n):
        client.put_item(TableName="durable", Item={"pk": {"S": f"p{i % 7}"}, "sk": {"N": str(i)},
                                                   "v": {"S": "x" * (i % 50)}})
    client.delete_item(TableName="durable", Key={"pk": {"S": "p0"}, "sk": {"N": "0"}})


def verify(client, n):
    desc = client.describe_table(TableName="durable")["Table"]
    assert desc["ItemCount"] == n - 1
    for i in range(1, n):
        item = client.get_item(TableName="durable",
                               Key={"pk": {"S": f"p{i % 7}"}, "sk": {"N": str(i)}})["Item"]
        assert item["v"] == {"S": "x" * (i % 50)}
    assert "Item" not in client.get_item(TableName="durable", Key={"pk": {"S": "p0"}, "sk": {"N": "0"}})


def write_crash_and_verify(n, sig, extra=()):
    """Writes n items, stops ddbd with sig, restarts it on the same data and checks."""
    server = Ddbd(extra=extra).start()
    try:
        fill(make_client(server.endpoint), n)
        rc = server.stop(sig)
        assert rc == (0 if sig == signal.SIGTERM else -signal.SIGKILL)
        again = Ddbd(data_dir=server.data_dir).start()
        try:
            verify(make_client(again.endpoint), n)
        finally:
            again.stop()
            again.cleanup()
    finally:
        server.cleanup()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
def test_restart_keeps_everything(sig):
    write_crash_and_verify(200, sig)


def test_sync_mode_restart():
    write_crash_and_verify(20, signal.SIGKILL, extra=["--sync"])


def test_in_memory_keeps_nothing():
    server = Ddbd(extra=["--in-memory"]).start()
    try:
        c = make_client(server.endpoint)
        fill(c, 3)
        verify(c, 3)
        server.stop()
        again = Ddbd(data_dir=server.data_dir, extra=["--in-memory"]).start()
        try:
            assert make_client(again.endpoint).list_tables()["TableNames"] == []
        finally:
            again.stop()
            again.cleanup()
    finally:
        server.cleanup()


def test_port_in_use_fails_cleanly():
    server = Ddbd().start()
    try:
        import subprocess
        from conftest import DDBD
        proc = subprocess.run([DDBD, "--port", str(server.port), "--in-memory"], capture_output=True,
                              timeout=10)
        assert proc.returncode == 1
        assert b"cannot listen" in proc.stderr
    finally:
        server.stop()
        server.cleanup()


def test_bad_flag():
    import subprocess
    from conftest import DDBD
    proc = subprocess.run([DDBD, "--bogus"], capture_output=True, timeout=10)
    assert proc.returncode == 2
    assert b"unknown option" in proc.stderr
