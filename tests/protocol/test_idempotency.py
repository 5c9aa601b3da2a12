"""TransactWriteItems idempotency (ClientRequestToken), as DynamoDB documents
it: a token is remembered for 10 minutes after the transaction that used it
succeeded; the same token with the same parameters then succeeds without
applying anything again (however many other transactions ran meanwhile,
however many copies arrive at once, across restarts), with other parameters
it fails with IdempotentParameterMismatchException, and after the window it
is a new request. A failed transaction does not use up its token. Each test
counts with ADD, so a second application shows."""
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from conftest import Ddbd, error_of, make_client

pytestmark = pytest.mark.ddbd_only  # DynamoDB Local does not keep client request tokens


def add(table, key, by=1):
    return {"Update": {"TableName": table, "Key": {"pk": {"S": key}}, "UpdateExpression": "ADD n :d",
                       "ExpressionAttributeValues": {":d": {"N": str(by)}}}}


def counter(client, table, key):
    item = client.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")
    return int(item["n"]["N"]) if item else 0


def make_counter_table(client, name):
    client.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")
    return name


@pytest.fixture(scope="module")
def server():
    """A ddbd of this module's own with several loop threads, so that copies
    of one request really are handled at the same time."""
    s = Ddbd(extra=["--threads", "4"]).start()
    yield s
    s.stop()
    s.cleanup()


@pytest.fixture(scope="module")
def c(server):
    return make_client(server.endpoint)


@pytest.fixture(scope="module")
def aged(c):
    """A table whose counters "money" and "fee" were moved once each with
    tokens transfer-1 and transfer-2, followed by 5,000 other token-bearing
    transactions (more than any fixed-size cache of recent tokens holds)."""
    t = make_counter_table(c, "many_tokens")
    c.transact_write_items(TransactItems=[add(t, "money")], ClientRequestToken="transfer-1")
    c.transact_write_items(TransactItems=[add(t, "fee")], ClientRequestToken="transfer-2")

    def others(w):
        cl = make_client(c.meta.endpoint_url)
        for i in range(w, 5000, 8):
            cl.transact_write_items(TransactItems=[add(t, f"other{i % 50}")],
                                    ClientRequestToken=f"other-{i}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(others, range(8)))
    assert sum(counter(c, t, f"other{k}") for k in range(50)) == 5000
    return t


def test_token_outlives_thousands_of_other_transactions(c, aged):
    c.transact_write_items(TransactItems=[add(aged, "money")], ClientRequestToken="transfer-1")
    assert counter(c, aged, "money") == 1


def test_concurrent_copies_apply_once(c):
    t = make_counter_table(c, "concurrent_tokens")
    rounds, copies = 40, 16
    clients = [make_client(c.meta.endpoint_url) for _ in range(copies)]
    # 100 actions: the copies spend long enough in the engine to overlap
    transfer = [add(t, "money")] + [add(t, f"leg{k}") for k in range(99)]
    for rnd in range(rounds):
        start = threading.Barrier(copies)
        errors = []

        def send(i):
            start.wait()
            try:
                clients[i].transact_write_items(TransactItems=transfer,
                                                ClientRequestToken=f"round-{rnd}")
            except ClientError as e:  # pragma: no cover - reported below
                errors.append(error_of_response(e))

        threads = [threading.Thread(target=send, args=(i,)) for i in range(copies)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == []
        assert counter(c, t, "money") == rnd + 1, f"round {rnd}: applied more than once"


def error_of_response(e):
    return e.response["Error"]["Code"], e.response["Error"].get("Message", "")


def test_other_parameters_mismatch_after_thousands_of_transactions(c, aged):
    with pytest.raises(ClientError) as e:
        c.transact_write_items(TransactItems=[add(aged, "fee", 100)],
                               ClientRequestToken="transfer-2")
    assert error_of(e)[0] == "IdempotentParameterMismatchException"
    assert counter(c, aged, "fee") == 1


def test_other_parameters_mismatch_and_change_nothing(c):
    t = make_counter_table(c, "mismatch_tokens")
    c.transact_write_items(TransactItems=[add(t, "a")], ClientRequestToken="tok-m")
    for other in ([add(t, "a", 2)], [add(t, "b")], [add(t, "a"), add(t, "b")]):
        with pytest.raises(ClientError) as e:
            c.transact_write_items(TransactItems=other, ClientRequestToken="tok-m")
        assert error_of(e) == ("IdempotentParameterMismatchException",
                               "Request with the same client token was previously submitted with "
                               "different request parameters")
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert counter(c, t, "a") == 1 and counter(c, t, "b") == 0
    # the original request is still a replay, and a new token is a new request
    c.transact_write_items(TransactItems=[add(t, "a")], ClientRequestToken="tok-m")
    assert counter(c, t, "a") == 1
    c.transact_write_items(TransactItems=[add(t, "a")], ClientRequestToken="tok-m2")
    assert counter(c, t, "a") == 2


def test_member_order_is_not_a_different_request(c):
    t = make_counter_table(c, "order_tokens")
    item = {"pk": {"S": "p"}, "x": {"S": "1"}, "y": {"N": "2"}}
    c.transact_write_items(TransactItems=[add(t, "a"), {"Put": {"TableName": t, "Item": item}}],
                           ClientRequestToken="tok-o")
    reordered = {"y": {"N": "2"}, "x": {"S": "1"}, "pk": {"S": "p"}}
    c.transact_write_items(TransactItems=[add(t, "a"), {"Put": {"Item": reordered, "TableName": t}}],
                           ClientRequestToken="tok-o")
    assert counter(c, t, "a") == 1
    # the order of the actions is a parameter (it orders CancellationReasons)
    with pytest.raises(ClientError) as e:
        c.transact_write_items(TransactItems=[{"Put": {"TableName": t, "Item": item}}, add(t, "a")],
                               ClientRequestToken="tok-o")
    assert error_of(e)[0] == "IdempotentParameterMismatchException"


def test_replay_reports_read_capacity(c):
    t = make_counter_table(c, "capacity_tokens")
    first = c.transact_write_items(TransactItems=[add(t, "a")], ClientRequestToken="tok-c",
                                   ReturnConsumedCapacity="TOTAL")
    # transactions name their units (WriteCapacityUnits), as DynamoDB does
    assert first["ConsumedCapacity"] == [{"TableName": t, "CapacityUnits": 2.0,
                                          "WriteCapacityUnits": 2.0}]
    again = c.transact_write_items(TransactItems=[add(t, "a")], ClientRequestToken="tok-c",
                                   ReturnConsumedCapacity="TOTAL")
    # DynamoDB: a replay reports the read capacity of reading the items (one
    # strongly consistent read unit per 4 KB), not the writes' capacity
    assert again["ConsumedCapacity"] == [{"TableName": t, "CapacityUnits": 1.0,
                                          "ReadCapacityUnits": 1.0}]
    plain = c.transact_write_items(TransactItems=[add(t, "a")], ClientRequestToken="tok-c")
    assert "ConsumedCapacity" not in plain
    assert counter(c, t, "a") == 1


def test_failed_transaction_does_not_use_its_token(c):
    t = make_counter_table(c, "failed_tokens")
    gated = [add(t, "a"), {"ConditionCheck": {"TableName": t, "Key": {"pk": {"S": "gate"}},
                                              "ConditionExpression": "attribute_exists(pk)"}}]
    with pytest.raises(ClientError) as e:
        c.transact_write_items(TransactItems=gated, ClientRequestToken="tok-f")
    assert error_of(e)[0] == "TransactionCanceledException"
    c.put_item(TableName=t, Item={"pk": {"S": "gate"}})
    c.transact_write_items(TransactItems=gated, ClientRequestToken="tok-f")
    c.transact_write_items(TransactItems=gated, ClientRequestToken="tok-f")
    assert counter(c, t, "a") == 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
def test_tokens_survive_restart(sig):
    first = Ddbd().start()
    try:
        c1 = make_client(first.endpoint)
        t = make_counter_table(c1, "restart_tokens")
        c1.transact_write_items(TransactItems=[add(t, "a")], ClientRequestToken="tok-r")
        first.stop(sig)
        again = Ddbd(data_dir=first.data_dir).start()
        try:
            c2 = make_client(again.endpoint)
            c2.transact_write_items(TransactItems=[add(t, "a")], ClientRequestToken="tok-r")
            assert counter(c2, t, "a") == 1
            with pytest.raises(ClientError) as e:
                c2.transact_write_items(TransactItems=[add(t, "b")], ClientRequestToken="tok-r")
            assert error_of(e)[0] == "IdempotentParameterMismatchException"
            assert counter(c2, t, "b") == 0
        finally:
            again.stop()
            again.cleanup()
    finally:
        first.cleanup()


def test_token_is_forgotten_after_the_window():
    s = Ddbd(extra=["--idempotency-window", "1", "--ttl-interval", "0.2"]).start()
    try:
        cl = make_client(s.endpoint)
        t = make_counter_table(cl, "window_tokens")
        cl.transact_write_items(TransactItems=[add(t, "a")], ClientRequestToken="tok-w")
        cl.transact_write_items(TransactItems=[add(t, "a")], ClientRequestToken="tok-w")
        assert counter(cl, t, "a") == 1
        time.sleep(1.5)
        # a new request now, whatever its parameters: it applies and is
        # remembered afresh
        cl.transact_write_items(TransactItems=[add(t, "a", 5)], ClientRequestToken="tok-w")
        cl.transact_write_items(TransactItems=[add(t, "a", 5)], ClientRequestToken="tok-w")
        assert counter(cl, t, "a") == 6
        with pytest.raises(ClientError) as e:
            cl.transact_write_items(TransactItems=[add(t, "a")], ClientRequestToken="tok-w")
        assert error_of(e)[0] == "IdempotentParameterMismatchException"
    finally:
        s.stop()
        s.cleanup()


def test_window_flag_is_documented():
    import subprocess
    from conftest import DDBD
    out = subprocess.run([DDBD, "--help"], capture_output=True, text=True, check=True).stdout
    assert "--idempotency-window S" in out
