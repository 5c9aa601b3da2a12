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


@pytest.mark.rocksdb("--in-memory is the RocksDB store's")
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


@pytest.mark.parametrize("threads", ["1", "3"])
def test_port_in_use_fails_cleanly(threads):
    """Also when both servers share ports among their threads (SO_REUSEPORT):
    a second ddbd must not silently take half of the first one's connections."""
    server = Ddbd(extra=["--threads", "3"]).start()
    try:
        import subprocess
        from conftest import DDBD
        proc = subprocess.run([DDBD, "--port", str(server.port), "--in-memory", "--threads", threads],
                              capture_output=True, timeout=10)
        assert proc.returncode == 1
        assert b"cannot listen" in proc.stderr
    finally:
        server.stop()
        server.cleanup()


def test_many_threads_serve_one_engine_atomically():
    """--threads 4: connections land on four loops; 32 clients each adding 1
    ten times to one counter end at exactly 320, and conditional creates of
    one key let exactly one through."""
    import threading
    server = Ddbd(extra=["--threads", "4"]).start()
    try:
        c = make_client(server.endpoint)
        c.create_table(TableName="counters", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST")
        wins, errors = [], []

        def client(i):
            cc = make_client(server.endpoint)
            try:
                for _ in range(10):
                    cc.update_item(TableName="counters", Key={"pk": {"S": "n"}}, UpdateExpression="ADD v :one",
                                   ExpressionAttributeValues={":one": {"N": "1"}})
                try:
                    cc.put_item(TableName="counters", Item={"pk": {"S": "once"}, "by": {"N": str(i)}},
                                ConditionExpression="attribute_not_exists(pk)")
                    wins.append(i)
                except cc.exceptions.ConditionalCheckFailedException:
                    pass
            except Exception as ex:
                errors.append(ex)

        ts = [threading.Thread(target=client, args=(i,)) for i in range(32)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert not errors, errors
        assert c.get_item(TableName="counters", Key={"pk": {"S": "n"}})["Item"]["v"] == {"N": "320"}
        assert len(wins) == 1
        assert server.stop() == 0
    finally:
        server.cleanup()


def test_bad_flag():
    import subprocess
    from conftest import DDBD
    proc = subprocess.run([DDBD, "--bogus"], capture_output=True, timeout=10)
    assert proc.returncode == 2
    assert b"unknown option" in proc.stderr


def test_kill_during_transaction_load_keeps_transactions_whole():
    """kill -9 while transfers run: after restart every transfer is either
    fully applied or absent, so the total is unchanged."""
    import threading
    from botocore.exceptions import ClientError, EndpointConnectionError
    server = Ddbd().start()
    try:
        c = make_client(server.endpoint)
        c.create_table(TableName="bank", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST")
        for i in range(4):
            c.put_item(TableName="bank", Item={"pk": {"S": f"a{i}"}, "bal": {"N": "1000"}})
        done = threading.Event()
        committed = []

        def load(seed):
            w = make_client(server.endpoint)
            n = seed
            while not done.is_set():
                n += 1
                src, dst = f"a{n % 4}", f"a{(n + 1) % 4}"
                try:
                    w.transact_write_items(TransactItems=[
                        {"Update": {"TableName": "bank", "Key": {"pk": {"S": src}},
                                    "UpdateExpression": "SET bal = bal - :a", "ConditionExpression": "bal >= :a",
                                    "ExpressionAttributeValues": {":a": {"N": "7"}}}},
                        {"Update": {"TableName": "bank", "Key": {"pk": {"S": dst}},
                                    "UpdateExpression": "SET bal = bal + :a",
                                    "ExpressionAttributeValues": {":a": {"N": "7"}}}},
                        {"Put": {"TableName": "bank", "Item": {"pk": {"S": f"tx#{seed}#{n}"}}}}])
                    committed.append(f"tx#{seed}#{n}")
                except (ClientError, EndpointConnectionError, Exception):  # noqa: B014 - the server dies mid-flight
                    if done.is_set():
                        return

        threads = [threading.Thread(target=load, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        import time
        deadline = time.time() + 30
        while len(committed) < 50 and time.time() < deadline:
            time.sleep(0.01)
        assert len(committed) >= 50, "the transfer load did not get going"
        server.stop(signal.SIGKILL)
        done.set()
        for t in threads:
            t.join()
        again = Ddbd(data_dir=server.data_dir).start()
        try:
            c2 = make_client(again.endpoint)
            bals = [int(c2.get_item(TableName="bank", Key={"pk": {"S": f"a{i}"}})["Item"]["bal"]["N"]) for i in range(4)]
            assert sum(bals) == 4000 and min(bals) >= 0
            # every acknowledged transfer survived (its marker was written in the same transaction)
            for tx in committed:
                assert "Item" in c2.get_item(TableName="bank", Key={"pk": {"S": tx}}), tx
        finally:
            again.stop()
            again.cleanup()
    finally:
        server.cleanup()
