"""ddbd on the Redis Cluster backend (issue #22, first part): three ddbd
front ends started with --store redis-cluster://... on one local cluster
(tools/cluster.sh: 3 masters x 2 replicas, writes acknowledged after WAIT saw
a replica) serve one data set: a table made through one is seen through the
others, conditional writes and ADD stay exact when 64 clients spread over the
three race on one item, transactions across buckets keep a constant sum,
Query and Scan page through what was written in DynamoDB's order, global
and local secondary indexes follow their table (sparse, moved keys,
deletions, transactions, an index created later backfilled; LSI entries in
their item's slot, written by the same function call; GSIs from the
change feed, so another front end's writes show eventually, as DynamoDB's
GSIs are eventually consistent) and converge to exactly the table under
concurrent writes through every front end, the stream of writes made
through all three has every change of every item in order, TTL deletes
expired items (those there before it was turned on too) and only those, and
backups restore whole and GSIs added later are backfilled in the
background, even when the front end doing it dies, point-in-time recovery
restores a table as it was at a time whatever front end wrote it, and
`ddbd --check` passes a consistent cluster and finds a lost entry.

ddbd_only: these start their own cluster and front ends."""
import os
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import DDBD, REPO, Ddbd, eventually, scan_all

pytestmark = pytest.mark.ddbd_only

CLUSTER = os.path.join(REPO, "tools", "cluster.sh")
PORT = os.environ.get("DDB_TEST_CLUSTER_PORT_PY", "7200")


@pytest.fixture(scope="module")
def cluster():
    d = tempfile.mkdtemp(prefix="ddb-cluster-py-")
    subprocess.run([CLUSTER, "down", "--port", PORT, "--dir", d], check=True, capture_output=True)
    out = subprocess.run([CLUSTER, "up", "--port", PORT, "--dir", d], check=True, capture_output=True,
                         text=True).stdout
    url = out.strip().splitlines()[-1]
    assert url.startswith("redis-cluster://")
    yield url
    subprocess.run([CLUSTER, "down", "--port", PORT, "--dir", d], capture_output=True)


@pytest.fixture(scope="module")
def fronts(cluster):
    servers = [Ddbd(extra=["--store", cluster, "--ttl-interval", "0.5"]).start() for _ in range(3)]
    yield servers
    for s in servers:
        s.cleanup()


def client(server):
    return boto3.client("dynamodb", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id="k", aws_secret_access_key="s",
                        config=Config(retries={"max_attempts": 1}, max_pool_connections=64))


def make_table(c, name, sort=True):
    ks = [{"AttributeName": "PK", "KeyType": "HASH"}]
    ad = [{"AttributeName": "PK", "AttributeType": "S"}]
    if sort:
        ks.append({"AttributeName": "SK", "KeyType": "RANGE"})
        ad.append({"AttributeName": "SK", "AttributeType": "S"})
    c.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad, BillingMode="PAY_PER_REQUEST")


def test_one_data_set_through_every_front_end(fronts):
    a, b, c = (client(s) for s in fronts)
    make_table(a, "shared")
    assert "shared" in b.list_tables()["TableNames"]
    assert c.describe_table(TableName="shared")["Table"]["KeySchema"][0]["AttributeName"] == "PK"
    b.put_item(TableName="shared", Item={"PK": {"S": "p"}, "SK": {"S": "1"}, "v": {"S": "from b"}})
    assert c.get_item(TableName="shared", Key={"PK": {"S": "p"}, "SK": {"S": "1"}},
                      ConsistentRead=True)["Item"]["v"] == {"S": "from b"}
    with pytest.raises(ClientError) as e:
        c.create_table(TableName="shared", KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST")
    assert e.value.response["Error"]["Code"] == "ResourceInUseException"
    a.delete_table(TableName="shared")
    assert "shared" not in c.list_tables()["TableNames"]
    with pytest.raises(ClientError) as e:
        b.get_item(TableName="shared", Key={"PK": {"S": "p"}, "SK": {"S": "1"}})
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_64_clients_adding_over_three_front_ends_end_exact(fronts):
    cs = [client(s) for s in fronts]
    make_table(cs[0], "counter", sort=False)
    key = {"PK": {"S": "hits"}}

    def add(i):
        cs[i % 3].update_item(TableName="counter", Key=key, UpdateExpression="ADD n :one",
                              ExpressionAttributeValues={":one": {"N": "1"}})

    with ThreadPoolExecutor(64) as pool:
        list(pool.map(add, range(64)))
    assert cs[1].get_item(TableName="counter", Key=key, ConsistentRead=True)["Item"]["n"] == {"N": "64"}


def test_one_conditional_create_wins_across_front_ends(fronts):
    cs = [client(s) for s in fronts]
    make_table(cs[0], "claims", sort=False)
    wins, lock = [], threading.Lock()

    def claim(i):
        try:
            cs[i % 3].put_item(TableName="claims", Item={"PK": {"S": "seat"}, "by": {"N": str(i)}},
                               ConditionExpression="attribute_not_exists(PK)")
            with lock:
                wins.append(i)
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ConditionalCheckFailedException"

    with ThreadPoolExecutor(30) as pool:
        list(pool.map(claim, range(30)))
    assert len(wins) == 1
    item = cs[2].get_item(TableName="claims", Key={"PK": {"S": "seat"}}, ConsistentRead=True)["Item"]
    assert item["by"] == {"N": str(wins[0])}


def test_transfers_across_buckets_keep_the_sum(fronts):
    cs = [client(s) for s in fronts]
    make_table(cs[0], "bank", sort=False)
    accounts = [f"acct{i}" for i in range(8)]
    for a in accounts:
        cs[0].put_item(TableName="bank", Item={"PK": {"S": a}, "bal": {"N": "100"}})
    done, lock = [0], threading.Lock()

    def move(i):
        src, dst = accounts[i % 8], accounts[(i * 3 + 1) % 8]
        if src == dst:
            return
        try:
            cs[i % 3].transact_write_items(TransactItems=[
                {"Update": {"TableName": "bank", "Key": {"PK": {"S": src}}, "UpdateExpression": "ADD bal :m",
                            "ConditionExpression": "bal >= :one",
                            "ExpressionAttributeValues": {":m": {"N": "-1"}, ":one": {"N": "1"}}}},
                {"Update": {"TableName": "bank", "Key": {"PK": {"S": dst}}, "UpdateExpression": "ADD bal :p",
                            "ExpressionAttributeValues": {":p": {"N": "1"}}}}])
            with lock:
                done[0] += 1
        except ClientError as e:
            assert e.response["Error"]["Code"] in ("TransactionConflictException", "TransactionCanceledException")

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(move, range(96)))
    total = 0
    for a in accounts:
        total += int(cs[1].get_item(TableName="bank", Key={"PK": {"S": a}}, ConsistentRead=True)["Item"]["bal"]["N"])
    assert total == 800
    assert done[0] > 0


def test_query_and_scan_page_in_dynamodb_order(fronts):
    a, b, c = (client(s) for s in fronts)
    make_table(a, "orders")
    for u in range(5):
        for o in range(12):
            b.put_item(TableName="orders", Item={"PK": {"S": f"USER#{u}"}, "SK": {"S": f"ORDER#{o:03}"},
                                                  "n": {"N": str(o)}})
    got, start = [], None
    while True:
        kw = {"ExclusiveStartKey": start} if start else {}
        r = c.query(TableName="orders", KeyConditionExpression="PK = :p AND begins_with(SK, :o)",
                    ExpressionAttributeValues={":p": {"S": "USER#3"}, ":o": {"S": "ORDER#"}}, Limit=5, **kw)
        got += [i["SK"]["S"] for i in r["Items"]]
        start = r.get("LastEvaluatedKey")
        if not start:
            break
    assert got == [f"ORDER#{o:03}" for o in range(12)]
    r = a.query(TableName="orders", KeyConditionExpression="PK = :p AND SK BETWEEN :lo AND :hi",
                ExpressionAttributeValues={":p": {"S": "USER#1"}, ":lo": {"S": "ORDER#003"},
                                           ":hi": {"S": "ORDER#006"}}, ScanIndexForward=False)
    assert [i["SK"]["S"] for i in r["Items"]] == ["ORDER#006", "ORDER#005", "ORDER#004", "ORDER#003"]
    seen, start = [], None
    while True:
        kw = {"ExclusiveStartKey": start} if start else {}
        r = b.scan(TableName="orders", Limit=7, **kw)
        seen += [(i["PK"]["S"], i["SK"]["S"]) for i in r["Items"]]
        start = r.get("LastEvaluatedKey")
        if not start:
            break
    assert len(seen) == 60 and len(set(seen)) == 60
    # one partition's items come together, in sort-key order
    for u in range(5):
        idx = [k for k, s in enumerate(seen) if s[0] == f"USER#{u}"]
        assert idx == list(range(idx[0], idx[0] + 12))
        assert [seen[k][1] for k in idx] == sorted(seen[k][1] for k in idx)
    parts = [c.scan(TableName="orders", Segment=s, TotalSegments=3)["Items"] for s in range(3)]
    assert sorted((i["PK"]["S"], i["SK"]["S"]) for p in parts for i in p) == sorted(seen)


def test_a_dropped_tables_late_writes_are_swept(fronts, cluster):
    """A write that read a table's record before another front end deleted
    it may land in its buckets after their drop: the sweepers drop them
    again RX_DEAD_MS (5 s) later."""
    a = client(fronts[0])
    make_table(a, "late", sort=False)
    a.put_item(TableName="late", Item={"PK": {"S": "k"}})
    tid = max(int(k[2:k.index(":")]) for _, k in keys_of(cluster, "{t*}z"))
    a.delete_table(TableName="late")
    assert keys_of(cluster, f"{{t{tid}:*") == []
    port = cluster.split("//")[1].split(",")[0].split(":")[1]
    # the late write, as a front end's ddb_apply would leave it
    for suffix in ("z", "b"):
        args = ["zadd", f"{{t{tid}:3}}z", "0", "late"] if suffix == "z" else ["hset", f"{{t{tid}:3}}b", "late", "x"]
        subprocess.run(["redis-cli", "-c", "-p", port] + args, check=True, capture_output=True)
    assert len(keys_of(cluster, f"{{t{tid}:*")) == 2
    assert eventually(lambda: keys_of(cluster, f"{{t{tid}:*"), lambda k: k == [], timeout=12) == []


def test_backup_to_is_refused_on_the_cluster(cluster):
    """--backup-to copies a RocksDB data directory; the cluster has none."""
    out = subprocess.run([DDBD, "--backup-to", tempfile.mkdtemp() + "/copy", "--store", cluster],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "--backup-to is not supported by the redis-cluster store yet" in out.stderr, out.stderr


def test_point_in_time_restore_across_front_ends(fronts, cluster):
    """PITR turned on through one front end records every write through any
    of them: a restore to T through a third has exactly the items as they
    were at T (puts, updates, deletes and a transaction after T undone),
    its GSI built from them; deleting the source leaves a SYSTEM backup.
    A front end with a short window trims the history past it."""
    a, b, c = (client(s) for s in fronts)
    a.create_table(TableName="ptsrc", KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "g")],
                   GlobalSecondaryIndexes=[{"IndexName": "g-index", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                            "Projection": {"ProjectionType": "ALL"}}],
                   BillingMode="PAY_PER_REQUEST")
    a.put_item(TableName="ptsrc", Item={"PK": {"S": "before"}, "g": {"S": "x"}})  # before PITR: in the copy
    on = a.update_continuous_backups(TableName="ptsrc", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    assert on["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    for i in range(120):
        (a, b, c)[i % 3].put_item(TableName="ptsrc", Item={"PK": {"S": f"k{i}"}, "v": {"N": "1"}, "g": {"S": f"g{i % 5}"}})
    time.sleep(1.1)  # RestoreDateTime travels in whole seconds
    at = int(time.time())
    time.sleep(1.1)
    for i in range(0, 120, 2):
        (a, b, c)[i % 3].update_item(TableName="ptsrc", Key={"PK": {"S": f"k{i}"}}, UpdateExpression="SET v = :v",
                                     ExpressionAttributeValues={":v": {"N": "2"}})
    for i in range(1, 40, 2):
        b.delete_item(TableName="ptsrc", Key={"PK": {"S": f"k{i}"}})
    c.transact_write_items(TransactItems=[
        {"Put": {"TableName": "ptsrc", "Item": {"PK": {"S": "new1"}, "g": {"S": "g0"}}}},
        {"Delete": {"TableName": "ptsrc", "Key": {"PK": {"S": "k99"}}}}])
    desc = b.describe_continuous_backups(TableName="ptsrc")["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert desc["EarliestRestorableDateTime"].timestamp() <= at <= desc["LatestRestorableDateTime"].timestamp()
    c.restore_table_to_point_in_time(SourceTableName="ptsrc", TargetTableName="pt-then", RestoreDateTime=at)
    deadline = time.time() + 60
    while a.describe_table(TableName="pt-then")["Table"]["TableStatus"] != "ACTIVE":
        assert time.time() < deadline, "the restore did not finish"
        time.sleep(0.2)
    got = {i["PK"]["S"]: i.get("v", {}).get("N") for i in scan_all(a, TableName="pt-then", ConsistentRead=True)}
    assert got == dict({f"k{i}": "1" for i in range(120)}, before=None)
    assert len(eventually(lambda: scan_all(b, TableName="pt-then", IndexName="g-index"), lambda r: len(r) == 121)) == 121
    assert keys_of(cluster, "{t*}P*") == []  # the restore's copies are gone
    a.delete_table(TableName="ptsrc")
    backups = [s for s in b.list_backups(BackupType="ALL")["BackupSummaries"] if s["TableName"] == "ptsrc"]
    assert [(s["BackupName"], s["BackupType"], s["BackupStatus"]) for s in backups] == \
        [("ptsrc$DeletedTableBackup", "SYSTEM", "AVAILABLE")]
    assert backups[0]["BackupExpiryDateTime"].timestamp() > time.time() + 34 * 86400
    out = run_check(cluster)
    assert out.returncode == 0, out.stdout + out.stderr

    # a window of 3 s: the history past it is trimmed, the earliest time moves on
    d = Ddbd(extra=["--store", cluster, "--pitr-retention", "3s", "--ttl-interval", "0.5"]).start()
    try:
        dc = client(d)
        others = set(keys_of(cluster, "{t*}h"))  # ptsrc's, kept until its retention passes
        dc.create_table(TableName="ptshort", KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        dc.update_continuous_backups(TableName="ptshort",
                                     PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        for i in range(50):
            dc.put_item(TableName="ptshort", Item={"PK": {"S": f"k{i % 5}"}, "n": {"N": str(i)}})

        def history():
            return sum(int(subprocess.run(["redis-cli", "-p", p, "xlen", k], capture_output=True, text=True).stdout)
                       for p, k in set(keys_of(cluster, "{t*}h")) - others)
        assert history() >= 50
        assert eventually(history, lambda n: n == 0, timeout=10) == 0
        w = dc.describe_continuous_backups(TableName="ptshort")["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert w["EarliestRestorableDateTime"].timestamp() > time.time() - 4
    finally:
        d.cleanup()


def test_secondary_indexes_follow_their_table(fronts):
    a, b, c = (client(s) for s in fronts)
    a.create_table(TableName="people",
                   KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                   AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "email", "at")],
                   GlobalSecondaryIndexes=[{"IndexName": "email-index",
                                            "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                                            "Projection": {"ProjectionType": "ALL"}}],
                   LocalSecondaryIndexes=[{"IndexName": "by-at",
                                           "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"},
                                                         {"AttributeName": "at", "KeyType": "RANGE"}],
                                           "Projection": {"ProjectionType": "KEYS_ONLY"}}],
                   BillingMode="PAY_PER_REQUEST")
    for i in range(6):
        item = {"PK": {"S": "ORG#1"}, "SK": {"S": f"USER#{i}"}, "at": {"S": f"2026-0{9 - i}"}}
        if i != 3:  # sparse: no email, not in the GSI
            item["email"] = {"S": f"u{i}@example.com"}
        b.put_item(TableName="people", Item=item)

    def by_email(cl, mail):
        return cl.query(TableName="people", IndexName="email-index", KeyConditionExpression="email = :e",
                        ExpressionAttributeValues={":e": {"S": mail}})["Items"]

    # b's writes, read through c: once c's or b's applier has them
    assert [i["SK"]["S"] for i in eventually(lambda: by_email(c, "u2@example.com"), lambda r: r)] == ["USER#2"]
    assert by_email(c, "u3@example.com") == []
    r = a.query(TableName="people", IndexName="by-at", KeyConditionExpression="PK = :p",
                ExpressionAttributeValues={":p": {"S": "ORG#1"}})
    assert [i["SK"]["S"] for i in r["Items"]] == [f"USER#{i}" for i in (5, 4, 3, 2, 1, 0)]
    assert set(r["Items"][0]) == {"PK", "SK", "at"}  # KEYS_ONLY
    # an update that moves the index key: the old entry goes, the new one comes
    c.update_item(TableName="people", Key={"PK": {"S": "ORG#1"}, "SK": {"S": "USER#2"}},
                  UpdateExpression="SET email = :e", ExpressionAttributeValues={":e": {"S": "new2@example.com"}})
    assert eventually(lambda: by_email(a, "u2@example.com"), lambda r: r == []) == []
    assert [i["email"]["S"] for i in by_email(a, "new2@example.com")] == ["new2@example.com"]
    b.delete_item(TableName="people", Key={"PK": {"S": "ORG#1"}, "SK": {"S": "USER#1"}})
    assert eventually(lambda: by_email(c, "u1@example.com"), lambda r: r == []) == []
    assert len(a.scan(TableName="people", IndexName="email-index")["Items"]) == 4
    d = a.describe_table(TableName="people")["Table"]
    assert d["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    # counts are a front end's own writes at once, the others' within 5 s
    # (DynamoDB refreshes its own about every six hours)
    deadline = time.time() + 8
    while d["GlobalSecondaryIndexes"][0]["ItemCount"] != 4 and time.time() < deadline:
        time.sleep(0.5)
        d = a.describe_table(TableName="people")["Table"]
    assert d["GlobalSecondaryIndexes"][0]["ItemCount"] == 4 and d["ItemCount"] == 5
    with pytest.raises(ClientError) as e:
        a.query(TableName="people", IndexName="email-index", KeyConditionExpression="email = :e",
                ExpressionAttributeValues={":e": {"S": "x"}}, ConsistentRead=True)
    assert e.value.response["Error"]["Code"] == "ValidationException"
    # an index made later is backfilled from what is there
    b.update_table(TableName="people", AttributeDefinitions=[{"AttributeName": "at", "AttributeType": "S"}],
                   GlobalSecondaryIndexUpdates=[{"Create": {"IndexName": "at-index",
                                                            "KeySchema": [{"AttributeName": "at", "KeyType": "HASH"}],
                                                            "Projection": {"ProjectionType": "ALL"}}}])
    # built in the background, seen through another front end: CREATING, then ACTIVE
    g = c.describe_table(TableName="people")["Table"]["GlobalSecondaryIndexes"]
    assert [(i["IndexStatus"], i.get("Backfilling")) for i in g if i["IndexName"] == "at-index"] == [("CREATING", True)]
    deadline = time.time() + 30
    while any(i["IndexStatus"] != "ACTIVE" for i in c.describe_table(TableName="people")["Table"]["GlobalSecondaryIndexes"]):
        assert time.time() < deadline, "at-index did not become ACTIVE"
        time.sleep(0.1)
    r = c.query(TableName="people", IndexName="at-index", KeyConditionExpression="#a = :a",
                ExpressionAttributeNames={"#a": "at"}, ExpressionAttributeValues={":a": {"S": "2026-05"}})
    assert [i["SK"]["S"] for i in r["Items"]] == ["USER#4"]
    b.update_table(TableName="people", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "at-index"}}])
    names = [g["IndexName"] for g in a.describe_table(TableName="people")["Table"]["GlobalSecondaryIndexes"]]
    assert names == ["email-index"]
    # a transaction's items and their entries move together
    a.transact_write_items(TransactItems=[
        {"Put": {"TableName": "people", "Item": {"PK": {"S": "ORG#2"}, "SK": {"S": "USER#9"},
                                                 "email": {"S": "nine@example.com"}, "at": {"S": "2026-01"}}}},
        {"Delete": {"TableName": "people", "Key": {"PK": {"S": "ORG#1"}, "SK": {"S": "USER#0"}}}}])
    assert [i["PK"]["S"] for i in eventually(lambda: by_email(b, "nine@example.com"), lambda r: r)] == ["ORG#2"]
    assert eventually(lambda: by_email(b, "u0@example.com"), lambda r: r == []) == []


def test_ttl_deletes_what_expired_once(fronts):
    a, b, c = (client(s) for s in fronts)
    make_table(a, "sessions", sort=False)
    now = int(time.time())
    # before TTL is on: marked by the backfill of UpdateTimeToLive
    a.put_item(TableName="sessions", Item={"PK": {"S": "old-expired"}, "ttl": {"N": str(now - 60)}})
    a.put_item(TableName="sessions", Item={"PK": {"S": "old-live"}, "ttl": {"N": str(now + 3600)}})
    b.update_time_to_live(TableName="sessions", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    assert c.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
    b.put_item(TableName="sessions", Item={"PK": {"S": "new-expired"}, "ttl": {"N": str(now - 10)}})
    b.put_item(TableName="sessions", Item={"PK": {"S": "new-live"}, "ttl": {"N": str(now + 3600)}})
    b.put_item(TableName="sessions", Item={"PK": {"S": "no-ttl"}})
    b.put_item(TableName="sessions", Item={"PK": {"S": "too-old"}, "ttl": {"N": str(now - 6 * 365 * 86400)}})
    # expired, then given a later time: kept
    c.put_item(TableName="sessions", Item={"PK": {"S": "renewed"}, "ttl": {"N": str(now - 5)}})
    c.update_item(TableName="sessions", Key={"PK": {"S": "renewed"}}, UpdateExpression="SET #t = :t",
                  ExpressionAttributeNames={"#t": "ttl"}, ExpressionAttributeValues={":t": {"N": str(now + 3600)}})
    deadline = time.time() + 10
    left = None
    while time.time() < deadline:
        left = sorted(i["PK"]["S"] for i in a.scan(TableName="sessions")["Items"])
        if "old-expired" not in left and "new-expired" not in left:
            break
        time.sleep(0.2)
    assert left == ["new-live", "no-ttl", "old-live", "renewed", "too-old"]
    b.update_time_to_live(TableName="sessions", TimeToLiveSpecification={"Enabled": False, "AttributeName": "ttl"})
    assert a.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
    a.put_item(TableName="sessions", Item={"PK": {"S": "after-off"}, "ttl": {"N": str(now - 10)}})
    time.sleep(1.5)
    assert "Item" in a.get_item(TableName="sessions", Key={"PK": {"S": "after-off"}}, ConsistentRead=True)


def test_gsi_converges_to_the_table_under_writes_through_every_front_end(fronts):
    """Writers on all three front ends move items between GSI keys, drop and
    restore the key, delete and recreate items, all racing; once they stop,
    the GSI holds exactly the projection of every table item with a key."""
    cs = [client(s) for s in fronts]
    cs[0].create_table(TableName="moves", KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "g")],
                       GlobalSecondaryIndexes=[{"IndexName": "g-index",
                                                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                "Projection": {"ProjectionType": "INCLUDE",
                                                               "NonKeyAttributes": ["n"]}}],
                       BillingMode="PAY_PER_REQUEST")
    stop = time.time() + 3

    def work(i):
        import random
        rnd, c, n = random.Random(i), cs[i % 3], 0
        while time.time() < stop:
            key = {"PK": {"S": f"item{rnd.randrange(40)}"}}
            op = rnd.randrange(10)
            try:
                if op < 6:
                    c.update_item(TableName="moves", Key=key, UpdateExpression="SET g = :g, n = :n, junk = :n",
                                  ExpressionAttributeValues={":g": {"S": f"g{rnd.randrange(5)}"},
                                                             ":n": {"N": str(n)}})
                elif op < 8:
                    c.update_item(TableName="moves", Key=key, UpdateExpression="REMOVE g")
                else:
                    c.delete_item(TableName="moves", Key=key)
            except ClientError as e:
                assert e.response["Error"]["Code"] == "TransactionConflictException"
            n += 1
        return n

    with ThreadPoolExecutor(12) as ex:
        writes = sum(ex.map(work, range(12)))
    table = {it["PK"]["S"]: it for it in scan_all(cs[1], TableName="moves", ConsistentRead=True)}
    want = sorted((k, it["g"]["S"], it["n"]["N"]) for k, it in table.items() if "g" in it)

    def index():
        return sorted((it["PK"]["S"], it["g"]["S"], it["n"]["N"])
                      for it in scan_all(cs[2], TableName="moves", IndexName="g-index"))

    got = eventually(index, lambda got: got == want, timeout=10)
    assert writes > 100 and want and got == want
    assert all(set(it) == {"PK", "g", "n"} for it in scan_all(cs[0], TableName="moves", IndexName="g-index"))


def test_the_stream_has_every_change_of_every_item_in_order(fronts):
    """ADD 1 through all three front ends on a few counters: each counter's
    records in the stream go 1, 2, 3 ... up to its value, none missing,
    none twice, and a shard's records are in sequence-number order."""
    cs = [client(s) for s in fronts]
    cs[0].create_table(TableName="counted", KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
                       StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
                       BillingMode="PAY_PER_REQUEST")

    def add(i):
        c = cs[i % 3]
        for j in range(25):
            c.update_item(TableName="counted", Key={"PK": {"S": f"c{(i + j) % 6}"}}, UpdateExpression="ADD n :one",
                          ExpressionAttributeValues={":one": {"N": "1"}})

    with ThreadPoolExecutor(12) as ex:
        list(ex.map(add, range(12)))
    finals = {it["PK"]["S"]: int(it["n"]["N"]) for it in scan_all(cs[0], TableName="counted", ConsistentRead=True)}
    assert sum(finals.values()) == 12 * 25
    s = boto3.client("dynamodbstreams", endpoint_url=fronts[1].endpoint, region_name="us-east-1",
                     aws_access_key_id="k", aws_secret_access_key="s")
    arn = cs[1].describe_table(TableName="counted")["Table"]["LatestStreamArn"]

    def read():
        recs = []
        for sh in s.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            it = s.get_shard_iterator(StreamArn=arn, ShardId=sh["ShardId"],
                                      ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            shard = []
            while it:
                page = s.get_records(ShardIterator=it)
                shard += page["Records"]
                it = page.get("NextShardIterator")
                if not page["Records"]:
                    break
            seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in shard]
            assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
            recs += shard
        return recs

    recs = eventually(read, lambda recs: len(recs) == 12 * 25)
    per = {}
    for r in recs:
        d = r["dynamodb"]
        old = int(d["OldImage"]["n"]["N"]) if "OldImage" in d else 0
        per.setdefault(d["Keys"]["PK"]["S"], []).append((old, int(d["NewImage"]["n"]["N"])))
    assert {k: v for k, v in per.items()} == {k: [(i, i + 1) for i in range(n)] for k, n in finals.items()}


def masters(cluster):
    """The ports of the cluster's masters."""
    port = cluster.split("//")[1].split(",")[0].split(":")[1]
    out = []
    for node in subprocess.run(["redis-cli", "-p", port, "cluster", "nodes"], capture_output=True,
                               text=True).stdout.splitlines():
        f = node.split()
        if "master" in f[2]:
            out.append(f[1].split("@")[0].split(":")[1])
    return out


def keys_of(cluster, pattern):
    """(master port, key) of every key matching pattern."""
    return [(p, k) for p in masters(cluster) for k in subprocess.run(
        ["redis-cli", "-p", p, "--scan", "--pattern", pattern], capture_output=True, text=True).stdout.split()]


class Monitor:
    """The functions every master runs meanwhile (redis-cli monitor, read
    as it goes: a full pipe would stall it)."""

    def __init__(self, cluster):
        self.calls = {}
        self.lock = threading.Lock()
        self.procs = [subprocess.Popen(["stdbuf", "-oL", "redis-cli", "-p", p, "monitor"], stdout=subprocess.PIPE,
                                       text=True) for p in masters(cluster)]
        for m in self.procs:
            assert m.stdout.readline().strip() == "OK"  # attached
        self.readers = [threading.Thread(target=self.read, args=(m,)) for m in self.procs]
        for t in self.readers:
            t.start()

    def read(self, m):
        for line in m.stdout:
            f = line.split('"')
            if len(f) > 3 and f[1].lower() == "fcall":
                with self.lock:
                    self.calls[f[3]] = self.calls.get(f[3], 0) + 1

    def stop(self):
        """The functions called (FCALL name), counted."""
        time.sleep(0.2)
        for m in self.procs:
            m.terminate()
        for t in self.readers:
            t.join()
        for m in self.procs:
            m.wait()
        return self.calls


def test_lsi_entries_are_written_with_their_item_in_one_step(fronts, cluster):
    """An LSI shares its table's partition key, so its entries of an item
    live in the item's own slot (key sets "{t<table>:<bucket>}l<index>.")
    and are written by the same function call as the item: no two-phase
    commit for a write to a table with LSIs (DynamoDB keeps an LSI
    consistent with its table, and so does this)."""
    a, b = client(fronts[0]), client(fronts[1])
    a.create_table(TableName="lsi1",
                   KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                   AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "l", "m")],
                   LocalSecondaryIndexes=[{"IndexName": "by-l",
                                           "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"},
                                                         {"AttributeName": "l", "KeyType": "RANGE"}],
                                           "Projection": {"ProjectionType": "ALL"}},
                                          {"IndexName": "by-m",
                                           "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"},
                                                         {"AttributeName": "m", "KeyType": "RANGE"}],
                                           "Projection": {"ProjectionType": "KEYS_ONLY"}}],
                   BillingMode="PAY_PER_REQUEST")
    mon = Monitor(cluster)
    for i in range(60):
        item = {"PK": {"S": f"p{i % 6}"}, "SK": {"S": f"s{i:02}"}, "l": {"S": f"l{59 - i:02}"}}
        if i % 2:
            item["m"] = {"S": f"m{i:02}"}  # sparse: half the items are in by-m
        (a if i % 2 else b).put_item(TableName="lsi1", Item=item)
    # an update that moves both entries, and a delete
    a.update_item(TableName="lsi1", Key={"PK": {"S": "p1"}, "SK": {"S": "s01"}},
                  UpdateExpression="SET l = :l, m = :m", ExpressionAttributeValues={":l": {"S": "a"}, ":m": {"S": "b"}})
    b.delete_item(TableName="lsi1", Key={"PK": {"S": "p3"}, "SK": {"S": "s03"}})
    calls = mon.stop()
    # one ddb_apply a write; a two-phase one would begin, prepare and commit
    assert calls.get("ddb_apply") == 62 and "ddb_tx_begin" not in calls and "ddb_prepare" not in calls, calls
    r = b.query(TableName="lsi1", IndexName="by-l", KeyConditionExpression="PK = :p",
                ExpressionAttributeValues={":p": {"S": "p1"}})
    assert [i["SK"]["S"] for i in r["Items"]] == ["s01", "s55", "s49", "s43", "s37", "s31", "s25", "s19", "s13", "s07"]
    r = a.query(TableName="lsi1", IndexName="by-m", KeyConditionExpression="PK = :p",
                ExpressionAttributeValues={":p": {"S": "p3"}})
    assert [i["SK"]["S"] for i in r["Items"]] == ["s09", "s15", "s21", "s27", "s33", "s39", "s45", "s51", "s57"]
    assert set(r["Items"][0]) == {"PK", "SK", "m"}
    # where the entries are: in key sets of the table's buckets, beside their items
    lsi_sets = keys_of(cluster, "{t*}l*.z")
    table_id = max(int(k[2:k.index(":")]) for _, k in lsi_sets)  # this table's (made last)
    lsi_sets = [(p, k) for p, k in lsi_sets if k.startswith(f"{{t{table_id}:")]
    assert lsi_sets
    homes = set(keys_of(cluster, "{t*}z"))
    ids = set()
    for p, k in lsi_sets:
        tag = k[:k.index("}") + 1]
        assert (p, tag + "z") in homes, k  # the item bucket's own keys, on the same master
        ids.add(int(k[k.index("}") + 2:-2]))
    assert len(ids) == 2
    for i in ids:  # no buckets of the LSIs' own ids
        assert keys_of(cluster, f"{{t{i}:*") == []
    entries = sum(int(subprocess.run(["redis-cli", "-p", p, "zcard", k], capture_output=True, text=True).stdout)
                  for p, k in lsi_sets)
    assert entries == 59 + 29  # by-l: every item but the deleted one; by-m: the odd ones but s03
    # ItemCounts: this front end's writes at once, the other's within 5 s
    def counts():
        d = a.describe_table(TableName="lsi1")["Table"]
        return {x["IndexName"]: x["ItemCount"] for x in d["LocalSecondaryIndexes"]}
    assert eventually(counts, lambda c: c == {"by-l": 59, "by-m": 29}, timeout=8) == {"by-l": 59, "by-m": 29}
    out = run_check(cluster)
    assert out.returncode == 0 and "check passed" in out.stdout, out.stdout + out.stderr


def run_check(cluster):
    return subprocess.run([DDBD, "--check", "--store", cluster], capture_output=True, text=True, timeout=120)


def test_check_passes_a_consistent_cluster_and_finds_a_lost_entry(fronts, cluster):
    a = client(fronts[0])
    a.create_table(TableName="checked",
                   KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                   AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "g", "l")],
                   GlobalSecondaryIndexes=[{"IndexName": "g-index", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                            "Projection": {"ProjectionType": "ALL"}}],
                   LocalSecondaryIndexes=[{"IndexName": "l-index",
                                           "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"},
                                                         {"AttributeName": "l", "KeyType": "RANGE"}],
                                           "Projection": {"ProjectionType": "KEYS_ONLY"}}],
                   BillingMode="PAY_PER_REQUEST")
    a.update_time_to_live(TableName="checked", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    for i in range(40):
        client(fronts[i % 3]).put_item(TableName="checked", Item={
            "PK": {"S": f"p{i % 7}"}, "SK": {"S": f"s{i}"}, "g": {"S": f"g{i % 3}"}, "l": {"S": f"l{i}"},
            "ttl": {"N": str(int(time.time()) + 3600)}})
    a.delete_item(TableName="checked", Key={"PK": {"S": "p1"}, "SK": {"S": "s1"}})
    out = run_check(cluster)
    assert out.returncode == 0 and "check passed" in out.stdout, out.stdout + out.stderr
    # an entry lost behind the backend's back: the check names the index. A
    # table with one GSI made last: the GSI has the cluster's highest id
    a.create_table(TableName="checked2", KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "g")],
                   GlobalSecondaryIndexes=[{"IndexName": "g2-index", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                            "Projection": {"ProjectionType": "KEYS_ONLY"}}],
                   BillingMode="PAY_PER_REQUEST")
    for i in range(5):
        a.put_item(TableName="checked2", Item={"PK": {"S": f"k{i}"}, "g": {"S": "same"}})
    eventually(lambda: a.query(TableName="checked2", IndexName="g2-index", KeyConditionExpression="g = :g",
                               ExpressionAttributeValues={":g": {"S": "same"}})["Count"], lambda n: n == 5)
    gsi_id, p, k = max((int(k[2:].split(":")[0]), p, k) for p, k in keys_of(cluster, "{t*}z"))
    member = subprocess.run(["redis-cli", "-p", p, "zrange", k, "0", "0"], capture_output=True).stdout.rstrip(b"\n")
    subprocess.run(["redis-cli", "-p", p, "-x", "zrem", k], input=member, check=True, capture_output=True)
    out = run_check(cluster)
    assert out.returncode == 1 and "index g2-index" in out.stdout, out.stdout + out.stderr
    a.delete_table(TableName="checked2")  # the damage goes with it: later checks pass again
    out = run_check(cluster)
    assert out.returncode == 0, out.stdout + out.stderr


def lease_holders(cluster, pattern):
    return [k for _, k in keys_of(cluster, pattern)]


def test_gsi_backfill_is_background_work_any_front_end_finishes(fronts, cluster):
    """A GSI added to a table with items is CREATING and Backfilling (its
    reads refused) while a job builds it; the front end doing it killed
    (-9), another one resumes it once its lease lapses, and the index ends
    exactly its table's. A backfill whose table is deleted under it leaves
    none of its index's keys behind."""
    a = client(fronts[0])
    a.create_table(TableName="bfc", KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    for i in range(0, 1500, 25):
        a.batch_write_item(RequestItems={"bfc": [{"PutRequest": {"Item": {
            "PK": {"S": f"k{j}"}, "g": {"S": f"g{j % 11}"}}}} for j in range(i, i + 25)]})
    gsi = {"Create": {"IndexName": "g-index", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                      "Projection": {"ProjectionType": "KEYS_ONLY"}}}
    slow = ["--store", cluster, "--backfill-batch", "10", "--backfill-pause-ms", "5"]
    d = Ddbd(extra=slow).start()
    try:
        desc = client(d).update_table(TableName="bfc", AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                                      GlobalSecondaryIndexUpdates=[gsi])["TableDescription"]
        g = desc["GlobalSecondaryIndexes"][0]
        assert (g["IndexStatus"], g["Backfilling"]) == ("CREATING", True)
        time.sleep(2.5)  # past the start's grace (2 s): walking the buckets
        assert lease_holders(cluster, "{ddb:cat}bf:lease:*")
        d.proc.kill()
        d.proc.wait()
    finally:
        d.cleanup()
    with pytest.raises(ClientError) as e:
        a.query(TableName="bfc", IndexName="g-index", KeyConditionExpression="g = :g",
                ExpressionAttributeValues={":g": {"S": "g1"}})
    assert e.value.response["Error"]["Message"] == "Cannot read from backfilling global secondary index: g-index"
    deadline = time.time() + 60
    while a.describe_table(TableName="bfc")["Table"]["GlobalSecondaryIndexes"][0]["IndexStatus"] != "ACTIVE":
        assert time.time() < deadline, "the backfill was not resumed"
        time.sleep(0.2)
    got = scan_all(a, TableName="bfc", IndexName="g-index")
    assert sorted(i["PK"]["S"] for i in got) == sorted(f"k{j}" for j in range(1500))
    assert lease_holders(cluster, "{ddb:cat}bf:*") == []  # done: its position and lease are gone
    out = run_check(cluster)
    assert out.returncode == 0, out.stdout + out.stderr

    # a backfill under way when its table is deleted
    a.create_table(TableName="bfgone", KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    for i in range(0, 1000, 25):
        a.batch_write_item(RequestItems={"bfgone": [{"PutRequest": {"Item": {
            "PK": {"S": f"k{j}"}, "g": {"S": f"g{j % 11}"}}}} for j in range(i, i + 25)]})
    d = Ddbd(extra=slow).start()
    try:
        client(d).update_table(TableName="bfgone", AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                               GlobalSecondaryIndexUpdates=[gsi])
        time.sleep(2.5)
        ix = max(int(k[2:k.index(":")]) for _, k in keys_of(cluster, "{t*}z"))  # the new index's buckets
        assert keys_of(cluster, f"{{t{ix}:*")
        a.delete_table(TableName="bfgone")
        deadline = time.time() + 10
        while lease_holders(cluster, "{ddb:cat}bf:lease:*"):
            assert time.time() < deadline, "the backfill did not stop"
            time.sleep(0.1)
        assert keys_of(cluster, f"{{t{ix}:*") == []
    finally:
        d.cleanup()


def test_restore_finished_by_another_front_end_after_kill(fronts, cluster):
    """A backup of a table with a GSI and an LSI restored through a fourth
    front end killed (-9) at once: another front end resumes the fill once
    its lease lapses; the table ends whole, its indexes exactly its items'."""
    a = client(fronts[0])
    a.create_table(TableName="rsrc",
                   KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                   AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "g", "l")],
                   GlobalSecondaryIndexes=[{"IndexName": "g-index", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                            "Projection": {"ProjectionType": "ALL"}}],
                   LocalSecondaryIndexes=[{"IndexName": "l-index",
                                           "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"},
                                                         {"AttributeName": "l", "KeyType": "RANGE"}],
                                           "Projection": {"ProjectionType": "KEYS_ONLY"}}],
                   BillingMode="PAY_PER_REQUEST")
    items = [{"PK": {"S": f"p{i % 50}"}, "SK": {"S": f"s{i}"}, "g": {"S": f"g{i % 9}"}, "l": {"S": f"l{i}"}}
             for i in range(3000)]
    for i in range(0, len(items), 25):
        a.batch_write_item(RequestItems={"rsrc": [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]})
    arn = a.create_backup(TableName="rsrc", BackupName="before")["BackupDetails"]["BackupArn"]
    deadline = time.time() + 20
    while a.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]["BackupStatus"] != "AVAILABLE":
        assert time.time() < deadline
        time.sleep(0.1)
    a.put_item(TableName="rsrc", Item={"PK": {"S": "after"}, "SK": {"S": "x"}})  # not in the backup
    d = Ddbd(extra=["--store", cluster]).start()
    try:
        desc = client(d).restore_table_from_backup(TargetTableName="rdst", BackupArn=arn)["TableDescription"]
        d.proc.kill()
        d.proc.wait()
    finally:
        d.cleanup()
    assert desc["TableStatus"] == "CREATING"
    # killed half-way: restoring still, with part of the items in
    assert a.describe_table(TableName="rdst")["Table"]["TableStatus"] == "CREATING"
    deadline = time.time() + 60
    while a.describe_table(TableName="rdst")["Table"]["TableStatus"] != "ACTIVE":
        assert time.time() < deadline, "the restore was not resumed"
        time.sleep(0.5)
    got = scan_all(a, TableName="rdst", ConsistentRead=True)
    assert sorted((i["PK"]["S"], i["SK"]["S"]) for i in got) == sorted((i["PK"]["S"], i["SK"]["S"]) for i in items)
    assert len(eventually(lambda: scan_all(a, TableName="rdst", IndexName="g-index"), lambda r: len(r) == 3000)) == 3000
    r = a.query(TableName="rdst", IndexName="l-index", KeyConditionExpression="PK = :p",
                ExpressionAttributeValues={":p": {"S": "p7"}})
    assert r["Count"] == 60
    out = run_check(cluster)
    assert out.returncode == 0, out.stdout + out.stderr
