"""On-demand backups: CreateBackup, DescribeBackup, ListBackups, DeleteBackup
and RestoreTableFromBackup: a backup taken while 4 writers run restores to
exactly one instant (per writer, a prefix of its writes that every
acknowledged write before the request is in and no write sent after its
answer), states CREATING -> AVAILABLE and CREATING -> ACTIVE, indexes and
overrides as DynamoDB restores them, errors and their messages, listing
filters and paging, and backups surviving a restart."""
import time

import pytest

from conftest import Ddbd, error_of, make_client
from restore_load import (acked_before, check_restored, fill, raw_call, scan_all, sent_before,
                          start_writers, stop_writers, wait_active, wait_available)

pytestmark = pytest.mark.ddbd_only  # DynamoDB Local has no backups (UnknownOperationException)


def backup_of(ddb, table, name="bk1"):
    return ddb.create_backup(TableName=table, BackupName=name)["BackupDetails"]


def test_backup_under_load_restores_one_instant(ddb, endpoint, make_table, table_name):
    src = make_table()
    fill(ddb, src)
    writers = start_writers(endpoint, src)
    time.sleep(0.8)
    sent = time.time()
    details = backup_of(ddb, src, "under-load")
    answered = time.time()
    time.sleep(0.5)
    stop_writers(writers)
    assert details["BackupStatus"] == "CREATING"
    assert details["BackupType"] == "USER"
    assert details["BackupName"] == "under-load"
    arn = details["BackupArn"]
    assert arn.startswith(f"arn:aws:dynamodb:us-east-1:000000000000:table/{src}/backup/")
    wait_available(ddb, arn)

    target = table_name
    desc = ddb.restore_table_from_backup(TargetTableName=target, BackupArn=arn)["TableDescription"]
    assert desc["TableStatus"] == "CREATING"
    assert desc["RestoreSummary"]["RestoreInProgress"] is True
    assert desc["RestoreSummary"]["SourceBackupArn"] == arn
    assert "SourceTableArn" not in desc["RestoreSummary"]
    # a data operation on a table still being restored: not found, as DynamoDB
    # answers for a table that is not ACTIVE (observable only while it lasts)
    try:
        ddb.get_item(TableName=target, Key={"pk": {"S": "static-1"}})
        got = "item"
    except ddb.exceptions.ResourceNotFoundException:
        got = "not found"
    after = ddb.describe_table(TableName=target)["Table"]["TableStatus"]
    if after == "CREATING":
        assert got == "not found"
    t = wait_active(ddb, target)
    try:
        assert t["RestoreSummary"]["RestoreInProgress"] is False
        assert t["RestoreSummary"]["SourceBackupArn"] == arn
        prefixes = check_restored(ddb, target, writers,
                                  lambda w: (acked_before(w, sent), sent_before(w, answered)))
        # the writers wrote before and after the backup: the instant is inside their runs
        assert all(0 < p < len(w.log) for p, w in zip(prefixes, writers))
        assert t["ItemCount"] == len(scan_all(ddb, target))
    finally:
        ddb.delete_table(TableName=target)


def test_restore_keeps_indexes_not_stream_ttl_tags_or_pitr(ddb, table_name):
    src = table_name + "_src"
    ddb.create_table(
        TableName=src,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g", "l")],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 4},
        GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]},
                                 "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 2}}],
        LocalSecondaryIndexes=[{"IndexName": "byl", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                  {"AttributeName": "l", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        Tags=[{"Key": "team", "Value": "a"}])
    targets = []
    try:
        ddb.update_time_to_live(TableName=src, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
        ddb.update_continuous_backups(TableName=src,
                                      PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        for i in range(300):
            item = {"pk": {"S": f"p{i % 10}"}, "sk": {"S": f"s{i}"}, "v": {"N": str(i)}, "w": {"S": "x"}}
            if i % 3:
                item["g"] = {"S": f"g{i % 4}"}
            if i % 4:
                item["l"] = {"S": f"l{i}"}
            ddb.put_item(TableName=src, Item=item)
        arn = backup_of(ddb, src)["BackupArn"]
        d = wait_available(ddb, arn)
        assert d["SourceTableDetails"]["TableName"] == src
        assert d["SourceTableDetails"]["ItemCount"] == 300
        assert d["SourceTableDetails"]["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 4}
        assert d["SourceTableDetails"]["BillingMode"] == "PROVISIONED"
        f = d["SourceTableFeatureDetails"]
        assert [g["IndexName"] for g in f["GlobalSecondaryIndexes"]] == ["byg"]
        assert f["GlobalSecondaryIndexes"][0]["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}
        assert [x["IndexName"] for x in f["LocalSecondaryIndexes"]] == ["byl"]
        assert f["StreamDescription"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
        assert f["TimeToLiveDescription"] == {"AttributeName": "exp", "TimeToLiveStatus": "ENABLED"}

        plain, od = table_name + "_r1", table_name + "_r2"
        targets += [plain, od]
        ddb.restore_table_from_backup(TargetTableName=plain, BackupArn=arn)
        ddb.restore_table_from_backup(TargetTableName=od, BackupArn=arn, BillingModeOverride="PAY_PER_REQUEST",
                                      GlobalSecondaryIndexOverride=[])
        s, t = ddb.describe_table(TableName=src)["Table"], wait_active(ddb, plain)
        assert t["KeySchema"] == s["KeySchema"]
        assert t["AttributeDefinitions"] == s["AttributeDefinitions"]
        assert t["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
        assert t["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
        strip = lambda ixs: [{k: v for k, v in ix.items() if k in ("IndexName", "KeySchema", "Projection")} for ix in ixs]
        assert strip(t["GlobalSecondaryIndexes"]) == strip(s["GlobalSecondaryIndexes"])
        assert t["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
        assert strip(t["LocalSecondaryIndexes"]) == strip(s["LocalSecondaryIndexes"])
        assert "StreamSpecification" not in t and "LatestStreamArn" not in t
        assert t["TableId"] != s["TableId"]
        assert ddb.describe_time_to_live(TableName=plain)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
        assert ddb.list_tags_of_resource(ResourceArn=t["TableArn"]).get("Tags", []) == []
        pitr = ddb.describe_continuous_backups(TableName=plain)["ContinuousBackupsDescription"]
        assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
        key = lambda i: (i["pk"]["S"], i["sk"]["S"])
        assert sorted(scan_all(ddb, plain), key=key) == sorted(scan_all(ddb, src), key=key)
        for g in range(4):
            q = dict(IndexName="byg", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": {"S": f"g{g}"}})
            a = ddb.query(TableName=plain, **q)["Items"]
            assert a and sorted(a, key=key) == sorted(ddb.query(TableName=src, **q)["Items"], key=key)
        for p in range(10):
            q = dict(IndexName="byl", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": f"p{p}"}})
            a = ddb.query(TableName=plain, **q)["Items"]
            assert a and a == ddb.query(TableName=src, **q)["Items"]

        o = wait_active(ddb, od)
        assert o["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert "GlobalSecondaryIndexes" not in o
        assert [x["IndexName"] for x in o["LocalSecondaryIndexes"]] == ["byl"]
        assert sorted(a["AttributeName"] for a in o["AttributeDefinitions"]) == ["l", "pk", "sk"]
        assert len(scan_all(ddb, od)) == 300

        pt = table_name + "_r3"
        targets.append(pt)
        ddb.restore_table_from_backup(TargetTableName=pt, BackupArn=arn,
                                      ProvisionedThroughputOverride={"ReadCapacityUnits": 11, "WriteCapacityUnits": 9})
        p = wait_active(ddb, pt)
        assert (p["ProvisionedThroughput"]["ReadCapacityUnits"], p["ProvisionedThroughput"]["WriteCapacityUnits"]) == (11, 9)
    finally:
        for n in targets + [src]:
            try:
                ddb.delete_table(TableName=n)
            except ddb.exceptions.ResourceNotFoundException:
                pass


def test_delete_backup_then_describe_is_not_found(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
    arn = backup_of(ddb, table)["BackupArn"]
    wait_available(ddb, arn)
    d = ddb.delete_backup(BackupArn=arn)["BackupDescription"]
    assert d["BackupDetails"]["BackupStatus"] == "DELETED"
    assert d["BackupDetails"]["BackupArn"] == arn
    for call in (ddb.describe_backup, ddb.delete_backup):
        with pytest.raises(ddb.exceptions.BackupNotFoundException) as e:
            call(BackupArn=arn)
        assert error_of(e) == ("BackupNotFoundException", f"Backup not found: {arn}")
    with pytest.raises(ddb.exceptions.BackupNotFoundException):
        ddb.restore_table_from_backup(TargetTableName=table + "_x", BackupArn=arn)


def test_restore_into_existing_name(ddb, table, make_table):
    other = make_table()
    arn = backup_of(ddb, table)["BackupArn"]
    wait_available(ddb, arn)
    with pytest.raises(ddb.exceptions.TableAlreadyExistsException) as e:
        ddb.restore_table_from_backup(TargetTableName=other, BackupArn=arn)
    assert error_of(e) == ("TableAlreadyExistsException", f"Table already exists: {other}")


@pytest.mark.rocksdb("the cluster copies a backup in one step per bucket: CREATING is too short to observe")
def test_in_progress_backup_and_restore(tmp_path):
    """Copies and restores slowed to 10 items a step, 25 ms apart: CREATING
    is long enough to see every answer DynamoDB gives meanwhile."""
    server = Ddbd(data_dir=str(tmp_path / "data"), extra=["--backfill-batch", "10", "--backfill-pause-ms", "25"]).start()
    try:
        ddb = make_client(server.endpoint)
        ddb.create_table(TableName="slow", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        fill(ddb, "slow", 600)
        arn = backup_of(ddb, "slow")["BackupArn"]
        assert ddb.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]["BackupStatus"] == "CREATING"
        for call, kw in ((ddb.delete_backup, {}), (ddb.restore_table_from_backup, {"TargetTableName": "early"})):
            with pytest.raises(ddb.exceptions.BackupInUseException) as e:
                call(BackupArn=arn, **kw)
            assert error_of(e) == ("BackupInUseException", f"Backup is in use: {arn}")
        wait_available(ddb, arn)
        ddb.restore_table_from_backup(TargetTableName="filling", BackupArn=arn)
        t = ddb.describe_table(TableName="filling")["Table"]
        assert t["TableStatus"] == "CREATING" and t["RestoreSummary"]["RestoreInProgress"] is True
        assert "filling" in ddb.list_tables()["TableNames"]
        key = {"pk": {"S": "static-1"}}
        for call, kw in ((ddb.get_item, {"Key": key}), (ddb.put_item, {"Item": key}), (ddb.delete_item, {"Key": key}),
                         (ddb.scan, {}), (ddb.query, {"KeyConditionExpression": "pk = :p",
                                                      "ExpressionAttributeValues": {":p": key["pk"]}})):
            with pytest.raises(ddb.exceptions.ResourceNotFoundException) as e:
                call(TableName="filling", **kw)
            assert error_of(e) == ("ResourceNotFoundException", "Requested resource not found")
        with pytest.raises(ddb.exceptions.ResourceNotFoundException):
            ddb.batch_get_item(RequestItems={"filling": {"Keys": [key]}})
        with pytest.raises(ddb.exceptions.ResourceInUseException) as e:
            ddb.delete_table(TableName="filling")
        assert error_of(e) == ("ResourceInUseException",
                               "Attempt to change a resource which is still in use: Table is being created: filling")
        with pytest.raises(ddb.exceptions.TableInUseException):
            ddb.create_backup(TableName="filling", BackupName="too-early")
        # still restoring after all that: the answers above were all made while CREATING
        assert ddb.describe_table(TableName="filling")["Table"]["TableStatus"] == "CREATING"
        wait_active(ddb, "filling")
        assert ddb.get_item(TableName="filling", Key=key)["Item"]["v"] == {"N": "1"}
        assert len(scan_all(ddb, "filling")) == 600
    finally:
        server.stop()
        server.cleanup()


def test_list_backups_filters_and_paging(ddb, endpoint, make_table):
    a, b = make_table(), make_table()
    made = []
    for i in range(3):
        made.append(backup_of(ddb, a, f"a-{i}"))
        time.sleep(0.01)
    made_b = [backup_of(ddb, b, f"b-{i}") for i in range(2)]
    for d in made + made_b:
        wait_available(ddb, d["BackupArn"])
    got = ddb.list_backups(TableName=a)["BackupSummaries"]
    assert [s["BackupName"] for s in got] == ["a-0", "a-1", "a-2"]
    s0 = got[0]
    assert s0["TableName"] == a and s0["BackupStatus"] == "AVAILABLE" and s0["BackupType"] == "USER"
    assert s0["TableArn"] == f"arn:aws:dynamodb:us-east-1:000000000000:table/{a}"
    assert s0["TableId"] == ddb.describe_table(TableName=a)["Table"]["TableId"]
    assert s0["BackupArn"] == made[0]["BackupArn"]
    # by ARN too
    assert len(ddb.list_backups(TableName=s0["TableArn"])["BackupSummaries"]) == 3

    p1 = ddb.list_backups(TableName=a, Limit=2)
    assert [s["BackupName"] for s in p1["BackupSummaries"]] == ["a-0", "a-1"]
    assert p1["LastEvaluatedBackupArn"] == made[1]["BackupArn"]
    p2 = ddb.list_backups(TableName=a, Limit=2, ExclusiveStartBackupArn=p1["LastEvaluatedBackupArn"])
    assert [s["BackupName"] for s in p2["BackupSummaries"]] == ["a-2"]
    assert "LastEvaluatedBackupArn" not in p2
    exact = ddb.list_backups(TableName=a, Limit=3)
    assert len(exact["BackupSummaries"]) == 3 and "LastEvaluatedBackupArn" not in exact

    # time bounds with their fractions (botocore would send whole seconds):
    # lower inclusive, upper exclusive
    t1 = made[1]["BackupCreationDateTime"].timestamp()
    st, body = raw_call(endpoint, "ListBackups", {"TableName": a, "TimeRangeLowerBound": t1})
    assert st == 200 and [s["BackupName"] for s in body["BackupSummaries"]] == ["a-1", "a-2"]
    st, body = raw_call(endpoint, "ListBackups", {"TableName": a, "TimeRangeUpperBound": t1})
    assert st == 200 and [s["BackupName"] for s in body["BackupSummaries"]] == ["a-0"]

    assert ddb.list_backups(TableName=a, BackupType="SYSTEM")["BackupSummaries"] == []
    assert len(ddb.list_backups(TableName=a, BackupType="ALL")["BackupSummaries"]) == 3
    names = [s["BackupName"] for s in ddb.list_backups()["BackupSummaries"]]
    assert {"a-0", "a-1", "a-2", "b-0", "b-1"} <= set(names)


def test_validation_messages(ddb, table):
    def err(call, **kw):
        with pytest.raises(Exception) as e:
            call(**kw)
        return error_of(e)

    assert err(ddb.create_backup, TableName=table, BackupName="ab") == (
        "ValidationException", "1 validation error detected: Value 'ab' at 'backupName' failed to satisfy "
        "constraint: Member must have length greater than or equal to 3")
    assert err(ddb.create_backup, TableName=table, BackupName="a b!") == (
        "ValidationException", "1 validation error detected: Value 'a b!' at 'backupName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
    assert err(ddb.create_backup, TableName=table) == (
        "ValidationException", "1 validation error detected: Value null at 'backupName' failed to satisfy "
        "constraint: Member must not be null")
    assert err(ddb.create_backup, TableName="no_such_table_x", BackupName="abc") == (
        "TableNotFoundException", "Table not found: no_such_table_x")
    assert err(ddb.describe_backup, BackupArn="arn:short") == (
        "ValidationException", "1 validation error detected: Value 'arn:short' at 'backupArn' failed to satisfy "
        "constraint: Member must have length greater than or equal to 37")
    for bad in (f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}/backup/123",
                f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}/index/01700000000000-1a2b3c4d",
                f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}/backup/01700000000000-1a2b3c4d",
                "not an arn at all, but long enough to pass"):
        assert err(ddb.describe_backup, BackupArn=bad) == ("BackupNotFoundException", f"Backup not found: {bad}")
    assert err(ddb.list_backups, Limit=0) == (
        "ValidationException", "1 validation error detected: Value '0' at 'limit' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1")
    assert err(ddb.list_backups, Limit=101)[1].endswith("Member must have value less than or equal to 100")
    assert err(ddb.list_backups, BackupType="MINE") == (
        "ValidationException", "1 validation error detected: Value 'MINE' at 'backupType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [USER, SYSTEM, AWS_BACKUP, ALL]")
    arn = f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}/backup/01700000000000-1a2b3c4d"
    code, msg = err(ddb.restore_table_from_backup, TargetTableName="x", BackupArn=arn, BillingModeOverride="FREE")
    assert code == "ValidationException" and msg.startswith("2 validation errors detected: ")
    assert "Value 'x' at 'targetTableName' failed to satisfy constraint: Member must have length greater than or equal to 3" in msg
    assert ("Value 'FREE' at 'billingModeOverride' failed to satisfy constraint: Member must satisfy enum value "
            "set: [PROVISIONED, PAY_PER_REQUEST]") in msg
    assert err(ddb.restore_table_from_backup, TargetTableName="abc") == (
        "ValidationException", "1 validation error detected: Value null at 'backupArn' failed to satisfy "
        "constraint: Member must not be null")


def test_backup_and_restore_survive_restart(tmp_path):
    server = Ddbd(data_dir=str(tmp_path / "data")).start()
    try:
        ddb = make_client(server.endpoint)
        ddb.create_table(TableName="keep", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        fill(ddb, "keep", 1000)
        arn = backup_of(ddb, "keep", "before-restart")["BackupArn"]
        wait_available(ddb, arn)
        before = sorted(scan_all(ddb, "keep"), key=lambda i: i["pk"]["S"])
        ddb.put_item(TableName="keep", Item={"pk": {"S": "after-backup"}})
        assert server.stop() == 0
        server.start()
        ddb = make_client(server.endpoint)
        d = ddb.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]
        assert d["BackupStatus"] == "AVAILABLE" and d["BackupName"] == "before-restart"
        assert [s["BackupArn"] for s in ddb.list_backups(TableName="keep")["BackupSummaries"]] == [arn]
        ddb.restore_table_from_backup(TargetTableName="restored", BackupArn=arn)
        wait_active(ddb, "restored")
        assert sorted(scan_all(ddb, "restored"), key=lambda i: i["pk"]["S"]) == before
        # and the restored table is an ordinary table after another restart
        assert server.stop() == 0
        server.start()
        ddb = make_client(server.endpoint)
        t = ddb.describe_table(TableName="restored")["Table"]
        assert t["TableStatus"] == "ACTIVE" and t["RestoreSummary"]["RestoreInProgress"] is False
        assert len(scan_all(ddb, "restored")) == 1000
    finally:
        server.stop()
        server.cleanup()
