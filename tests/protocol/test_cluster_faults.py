"""The cluster backend under faults (issue #22): three ddbd front ends on one
local Redis Cluster (3 masters x 2 replicas, writes acknowledged after WAIT
saw a replica) carry a load of transfers between accounts (TransactWriteItems
across buckets) and of PutItems of fresh keys, while a master is killed with
kill -9, and then a front end is. Afterwards the accounts still hold the
same total, every PutItem that was answered 200 is there, no item stays
held by the dead front end's transactions once they are abandoned (any other
front end finishes them), the GSI converges to exactly the table (the dead
front end's applier leases pass on), and the stream has every acknowledged
write: an INSERT for every put, and for every account a chain of balances
changing by one from 100 to its balance before the final check; and
`ddbd --check` finds the cluster consistent.

ddbd_only: it starts its own cluster and front ends."""
import os
import random
import signal
import subprocess
import tempfile
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from conftest import DDBD, REPO, Ddbd, scan_all

pytestmark = pytest.mark.ddbd_only

CLUSTER = os.path.join(REPO, "tools", "cluster.sh")
PORT = os.environ.get("DDB_TEST_CLUSTER_PORT_FAULTS", "7300")
ACCOUNTS = [f"acct{i}" for i in range(10)]


@pytest.fixture(scope="module")
def cluster():
    d = tempfile.mkdtemp(prefix="ddb-cluster-faults-")
    subprocess.run([CLUSTER, "down", "--port", PORT, "--dir", d], check=True, capture_output=True)
    out = subprocess.run([CLUSTER, "up", "--port", PORT, "--dir", d], check=True, capture_output=True,
                         text=True).stdout
    yield out.strip().splitlines()[-1]
    subprocess.run([CLUSTER, "down", "--port", PORT, "--dir", d], capture_output=True)


def client(server):
    return boto3.client("dynamodb", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id="k", aws_secret_access_key="s",
                        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=30,
                                      max_pool_connections=32))


def master_pid(port):
    """The pid of a master of the cluster (by its INFO)."""
    nodes = subprocess.run(["redis-cli", "-p", str(port), "cluster", "nodes"], capture_output=True,
                           text=True).stdout
    for line in nodes.splitlines():
        parts = line.split()
        if "master" in parts[2] and "fail" not in parts[2]:
            mport = parts[1].split("@")[0].split(":")[1]
            info = subprocess.run(["redis-cli", "-p", mport, "info", "server"], capture_output=True,
                                  text=True).stdout
            for l in info.splitlines():
                if l.startswith("process_id:"):
                    return int(l.split(":")[1]), int(mport)
    raise AssertionError("no master found")


def test_kill_a_master_then_a_front_end_under_load(cluster):
    fronts = [Ddbd(extra=["--store", cluster]).start() for _ in range(3)]
    try:
        run_load(fronts, cluster)
    finally:
        for f in fronts:
            f.cleanup()


def run_load(fronts, cluster):
    setup = client(fronts[0])
    setup.create_table(TableName="bank", KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "grp")],
                       GlobalSecondaryIndexes=[{"IndexName": "grp-index",
                                                "KeySchema": [{"AttributeName": "grp", "KeyType": "HASH"}],
                                                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
                       StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                       BillingMode="PAY_PER_REQUEST")
    for a in ACCOUNTS:
        setup.put_item(TableName="bank", Item={"PK": {"S": a}, "bal": {"N": "100"}})
    alive = [True, True, True]
    stop = threading.Event()
    acked, lock = [], threading.Lock()
    stats = {"transfers": 0, "failed": 0}

    def pick(rnd):
        choices = [i for i in range(3) if alive[i]]
        return clients[rnd.choice(choices)]

    clients = [client(f) for f in fronts]

    def mover(seed):
        rnd = random.Random(seed)
        while not stop.is_set():
            src, dst = rnd.sample(ACCOUNTS, 2)
            try:
                pick(rnd).transact_write_items(TransactItems=[
                    {"Update": {"TableName": "bank", "Key": {"PK": {"S": src}}, "UpdateExpression": "ADD bal :m",
                                "ExpressionAttributeValues": {":m": {"N": "-1"}}}},
                    {"Update": {"TableName": "bank", "Key": {"PK": {"S": dst}}, "UpdateExpression": "ADD bal :p",
                                "ExpressionAttributeValues": {":p": {"N": "1"}}}}])
                with lock:
                    stats["transfers"] += 1
            except (ClientError, BotoCoreError):
                with lock:
                    stats["failed"] += 1

    def writer(seed):
        rnd = random.Random(seed)
        n = 0
        while not stop.is_set():
            key = f"w{seed}-{n}"
            n += 1
            try:
                pick(rnd).put_item(TableName="bank", Item={"PK": {"S": key}, "v": {"N": str(n)},
                                                           "grp": {"S": f"g{n % 7}"}})
                with lock:
                    acked.append(key)
            except (ClientError, BotoCoreError):
                pass

    threads = [threading.Thread(target=mover, args=(i,)) for i in range(8)]
    threads += [threading.Thread(target=writer, args=(100 + i,)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(2)
    pid, mport = master_pid(int(cluster.split("//")[1].split(",")[0].split(":")[1]))
    os.kill(pid, signal.SIGKILL)
    time.sleep(8)  # the failover (node timeout 2 s) and writes resuming
    with lock:
        before_front_kill = stats["transfers"]
    alive[2] = False
    fronts[2].proc.send_signal(signal.SIGKILL)
    fronts[2].proc.wait()
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    print(f"transfers {stats['transfers']} (failed {stats['failed']}), puts acknowledged {len(acked)}")
    assert stats["transfers"] > 0 and before_front_kill > 0
    # transactions the dead front end left half-way are abandoned after 5 s
    time.sleep(6)
    survivor = clients[0]
    # one consistent read of every account: it fails while a transaction holds one
    got = survivor.transact_get_items(TransactItems=[{"Get": {"TableName": "bank", "Key": {"PK": {"S": a}}}}
                                                     for a in ACCOUNTS])
    total = sum(int(r["Item"]["bal"]["N"]) for r in got["Responses"])
    assert total == 100 * len(ACCOUNTS)
    missing = [k for k in acked
               if "Item" not in survivor.get_item(TableName="bank", Key={"PK": {"S": k}}, ConsistentRead=True)]
    assert acked and missing == []
    # nothing stays held: a transaction over every account goes through at once
    clients[1].transact_write_items(TransactItems=[
        {"Update": {"TableName": "bank", "Key": {"PK": {"S": a}}, "UpdateExpression": "SET checked = :t",
                    "ExpressionAttributeValues": {":t": {"BOOL": True}}}} for a in ACCOUNTS])
    check_index_and_stream(survivor, fronts[1], {a: int(r["Item"]["bal"]["N"])
                                                 for a, r in zip(ACCOUNTS, got["Responses"])}, acked)
    # and the offline checker agrees: statistics, TTL entries, indexes, nothing held
    out = subprocess.run([DDBD, "--check", "--store", cluster], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "check passed" in out.stdout, out.stdout + out.stderr


def check_index_and_stream(c, server, balances, acked):
    want = sorted(it["PK"]["S"] for it in scan_all(c, TableName="bank", ConsistentRead=True) if "grp" in it)
    deadline = time.time() + 20  # the dead front end's leases expire after 5 s
    while True:
        got = sorted(it["PK"]["S"] for it in scan_all(c, TableName="bank", IndexName="grp-index"))
        if got == want or time.time() > deadline:
            break
        time.sleep(0.2)
    assert got == want and set(acked) <= set(want)
    s = boto3.client("dynamodbstreams", endpoint_url=server.endpoint, region_name="us-east-1",
                     aws_access_key_id="k", aws_secret_access_key="s")
    arn = c.describe_table(TableName="bank")["Table"]["LatestStreamArn"]
    recs = []
    for sh in s.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = s.get_shard_iterator(StreamArn=arn, ShardId=sh["ShardId"],
                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        empty = 0
        while it and empty < 3:
            page = s.get_records(ShardIterator=it, Limit=1000)
            recs += page["Records"]
            it = page.get("NextShardIterator")
            empty = 0 if page["Records"] else empty + 1
            if not page["Records"]:
                time.sleep(0.1)
    inserted = {r["dynamodb"]["Keys"]["PK"]["S"] for r in recs if r["eventName"] == "INSERT"}
    assert set(acked) <= inserted
    for a, bal in balances.items():
        chain = [int(r["dynamodb"]["NewImage"]["bal"]["N"]) for r in recs
                 if r["dynamodb"]["Keys"]["PK"]["S"] == a and "checked" not in r["dynamodb"]["NewImage"]]
        assert chain[0] == 100 and chain[-1] == bal, a
        bad = [(i, chain[max(0, i - 2):i + 3]) for i, (x, y) in enumerate(zip(chain, chain[1:])) if abs(x - y) != 1]
        assert not bad, (a, bad[:5], len(chain))
