"""Point-in-time recovery: UpdateContinuousBackups, DescribeContinuousBackups
and RestoreTableToPointInTime: the window reported truthfully, restores to
three instants under the load of 4 writers each exact against the writers'
logs, PITR across a restart, the SYSTEM backup a deleted PITR table leaves,
a short --pitr-retention moving the window, and the errors."""
import datetime
import math
import time

import pytest

from conftest import Ddbd, error_of, make_client
from restore_load import (acked_before, check_restored, fill, raw_call, scan_all, sent_before,
                          start_writers, stop_writers, wait_active)

pytestmark = pytest.mark.ddbd_only  # DynamoDB Local has no PITR (UnknownOperationException)


def enable(ddb, table, **spec):
    return ddb.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True, **spec}
    )["ContinuousBackupsDescription"]


def pitr_of(ddb, table):
    return ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]


def raw_pitr(endpoint, op="DescribeContinuousBackups", **body):
    """The answer as sent (this botocore predates RecoveryPeriodInDays and drops it)."""
    st, out = raw_call(endpoint, op, body)
    assert st == 200, out
    return out["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]


def at(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc)


def test_update_and_describe_window(ddb, endpoint, table):
    d = pitr_of(ddb, table)
    assert d == {"ContinuousBackupsStatus": "ENABLED",
                 "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    before = time.time()
    d = enable(ddb, table)["PointInTimeRecoveryDescription"]
    after = time.time()
    assert d["PointInTimeRecoveryStatus"] == "ENABLED"
    assert raw_pitr(endpoint, TableName=table)["RecoveryPeriodInDays"] == 35
    earliest = d["EarliestRestorableDateTime"].timestamp()
    assert before - 1 <= earliest <= after + 0.01
    time.sleep(1.1)
    d2 = pitr_of(ddb, table)["PointInTimeRecoveryDescription"]
    now = time.time()
    assert d2["EarliestRestorableDateTime"] == d["EarliestRestorableDateTime"]
    assert now - 1 <= d2["LatestRestorableDateTime"].timestamp() <= now + 0.01
    # enabling it again keeps the window
    assert enable(ddb, table)["PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"] == \
        d["EarliestRestorableDateTime"]
    seven = raw_pitr(endpoint, "UpdateContinuousBackups", TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7})
    assert seven["RecoveryPeriodInDays"] == 7
    assert raw_pitr(endpoint, TableName=table)["RecoveryPeriodInDays"] == 7
    off = ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False})["ContinuousBackupsDescription"]
    assert off["PointInTimeRecoveryDescription"] == {"PointInTimeRecoveryStatus": "DISABLED"}


def test_errors(ddb, endpoint, table, table_name):
    def err(call, **kw):
        with pytest.raises(Exception) as e:
            call(**kw)
        return error_of(e)

    assert err(ddb.describe_continuous_backups, TableName="no_such_t") == (
        "TableNotFoundException", "Table not found: no_such_t")
    assert err(ddb.update_continuous_backups, TableName=table) == (
        "ValidationException", "1 validation error detected: Value null at 'pointInTimeRecoverySpecification' "
        "failed to satisfy constraint: Member must not be null")
    st, body = raw_call(endpoint, "UpdateContinuousBackups", {"TableName": table, "PointInTimeRecoverySpecification": {
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 36}})
    assert (st, body["__type"].split("#")[-1], body["message"]) == (
        400, "ValidationException", "1 validation error detected: Value '36' at "
        "'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have "
        "value less than or equal to 35")
    assert err(ddb.update_continuous_backups, TableName="no_such_t", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True}) == ("TableNotFoundException", "Table not found: no_such_t")
    # PITR off
    assert err(ddb.restore_table_to_point_in_time, SourceTableName=table, TargetTableName=table_name,
               UseLatestRestorableTime=True) == (
        "PointInTimeRecoveryUnavailableException", f"Point in time recovery is not enabled for table '{table}'")
    assert err(ddb.restore_table_to_point_in_time, SourceTableName="no_such_t", TargetTableName=table_name,
               UseLatestRestorableTime=True) == ("TableNotFoundException", "Table not found: no_such_t")
    enabled = enable(ddb, table)["PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"].timestamp()
    for t in (enabled - 3600, time.time() + 3600):
        code, _ = err(ddb.restore_table_to_point_in_time, SourceTableName=table, TargetTableName=table_name,
                      RestoreDateTime=at(t))
        assert code == "InvalidRestoreTimeException"
    assert err(ddb.restore_table_to_point_in_time, TargetTableName=table_name, UseLatestRestorableTime=True)[0] == \
        "ValidationException"
    assert err(ddb.restore_table_to_point_in_time, SourceTableName=table, TargetTableName=table_name)[0] == \
        "ValidationException"
    assert err(ddb.restore_table_to_point_in_time, SourceTableName=table, TargetTableName=table_name,
               UseLatestRestorableTime=True, RestoreDateTime=at(time.time()))[0] == "ValidationException"
    code, msg = err(ddb.restore_table_to_point_in_time, SourceTableName="x", TargetTableName="y",
                    UseLatestRestorableTime=True)
    assert code == "ValidationException" and msg.startswith("2 validation errors detected")
    assert err(ddb.restore_table_to_point_in_time, SourceTableName=table, TargetTableName=table,
               UseLatestRestorableTime=True) == ("TableAlreadyExistsException", f"Table already exists: {table}")


# One restore step undoing two changes of one item (put X then delete X
# after T, X absent at T) must leave X absent: each undo is compared with
# the item as the step has left it (fixed in storage/restore.c, where the
# step ends before a key it already changed).
def test_undo_put_then_delete(ddb, make_table, table_name):
    src = make_table()
    enable(ddb, src)
    time.sleep(1.05)
    t = float(math.floor(time.time()))  # X absent at t
    while time.time() < t + 1.01:
        time.sleep(0.02)
    ddb.put_item(TableName=src, Item={"pk": {"S": "X"}, "v": {"N": "2"}})
    ddb.delete_item(TableName=src, Key={"pk": {"S": "X"}})
    ddb.restore_table_to_point_in_time(SourceTableName=src, TargetTableName=table_name, RestoreDateTime=at(t))
    try:
        wait_active(ddb, table_name)
        assert scan_all(ddb, table_name) == []
    finally:
        ddb.delete_table(TableName=table_name)


def test_three_instants_under_load(ddb, endpoint, make_table, table_name):
    src = make_table()
    fill(ddb, src)
    enable(ddb, src)
    writers = start_writers(endpoint, src)
    start = time.time()
    time.sleep(4.2)
    stop_writers(writers)
    end = time.time()
    # whole seconds (botocore sends RestoreDateTime without its fraction) well inside the run,
    # and one instant with milliseconds sent as JSON
    instants = [float(s) for s in range(math.ceil(start + 0.3), math.floor(end - 0.3) + 1)][:2]
    instants.append(round((instants[-1] + end - 0.3) / 2, 3))
    assert len(instants) == 3 and instants[-1] > instants[-2]
    targets = [f"{table_name}_{i}" for i in range(3)]
    try:
        for t, target in zip(instants, targets):
            if t == int(t):
                d = ddb.restore_table_to_point_in_time(SourceTableName=src, TargetTableName=target,
                                                       RestoreDateTime=at(t))["TableDescription"]
                assert d["RestoreSummary"]["RestoreDateTime"].timestamp() == t
            else:
                st, body = raw_call(endpoint, "RestoreTableToPointInTime", {
                    "SourceTableArn": f"arn:aws:dynamodb:us-east-1:000000000000:table/{src}",
                    "TargetTableName": target, "RestoreDateTime": t})
                assert st == 200, body
                d = body["TableDescription"]
                assert abs(d["RestoreSummary"]["RestoreDateTime"] - t) < 0.0005
            assert d["TableStatus"] == "CREATING" and d["RestoreSummary"]["RestoreInProgress"] is True
            assert d["RestoreSummary"]["SourceTableArn"].endswith(f":table/{src}")
        seen = []
        for t, target in zip(instants, targets):
            wait_active(ddb, target)
            # committed at or before t: every write acknowledged before t, none sent
            # after it (a millisecond of slack for the engine's clock resolution)
            seen.append(check_restored(ddb, target, writers,
                                       lambda w: (acked_before(w, t), sent_before(w, t + 0.001))))
        for w, a, b in zip(writers, seen[0], seen[2]):
            assert a < b, f"writer {w.wid}: the instants restored the same state"
    finally:
        for target in targets:
            try:
                ddb.delete_table(TableName=target)
            except ddb.exceptions.ResourceNotFoundException:
                pass


def test_use_latest_restorable_time(ddb, make_table, table_name):
    src = make_table()
    enable(ddb, src)
    fill(ddb, src, 500)
    ddb.delete_item(TableName=src, Key={"pk": {"S": "static-3"}})
    time.sleep(0.01)
    ddb.restore_table_to_point_in_time(SourceTableName=src, TargetTableName=table_name, UseLatestRestorableTime=True)
    try:
        wait_active(ddb, table_name)
        key = lambda i: i["pk"]["S"]
        assert sorted(scan_all(ddb, table_name), key=key) == sorted(scan_all(ddb, src), key=key)
        assert len(scan_all(ddb, table_name)) == 499
    finally:
        ddb.delete_table(TableName=table_name)


def test_deleted_pitr_table_leaves_system_backup(ddb, table_name):
    src = table_name
    ddb.create_table(TableName=src, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    enable(ddb, src)
    fill(ddb, src, 300)
    before = sorted(scan_all(ddb, src), key=lambda i: i["pk"]["S"])
    ddb.delete_table(TableName=src)
    assert ddb.list_backups(TableName=src)["BackupSummaries"] == []  # USER only by default
    sums = ddb.list_backups(TableName=src, BackupType="SYSTEM")["BackupSummaries"]
    assert len(sums) == 1
    s = sums[0]
    assert s["BackupType"] == "SYSTEM" and s["BackupName"] == f"{src}$DeletedTableBackup"
    assert s["BackupExpiryDateTime"] > s["BackupCreationDateTime"]
    deadline = time.time() + 30
    while ddb.describe_backup(BackupArn=s["BackupArn"])["BackupDescription"]["BackupDetails"]["BackupStatus"] != "AVAILABLE":
        assert time.time() < deadline
        time.sleep(0.05)
    ddb.restore_table_from_backup(TargetTableName=src, BackupArn=s["BackupArn"])
    try:
        wait_active(ddb, src)
        assert sorted(scan_all(ddb, src), key=lambda i: i["pk"]["S"]) == before
    finally:
        ddb.delete_table(TableName=src)


def test_pitr_across_restart(tmp_path):
    server = Ddbd(data_dir=str(tmp_path / "data")).start()
    try:
        ddb = make_client(server.endpoint)
        ddb.create_table(TableName="src", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        enable(ddb, "src")
        fill(ddb, "src", 400)
        time.sleep(1.05)
        t1 = float(math.floor(time.time()))  # after the fill, before what follows
        while time.time() < t1 + 1.01:
            time.sleep(0.05)
        for i in range(50):
            ddb.put_item(TableName="src", Item={"pk": {"S": f"static-{i}"}, "v": {"N": "-1"}})
        assert server.stop() == 0
        server.start()
        ddb = make_client(server.endpoint)
        d = pitr_of(ddb, "src")["PointInTimeRecoveryDescription"]
        assert d["PointInTimeRecoveryStatus"] == "ENABLED"
        assert d["EarliestRestorableDateTime"].timestamp() <= t1
        ddb.delete_item(TableName="src", Key={"pk": {"S": "static-399"}})
        ddb.restore_table_to_point_in_time(SourceTableName="src", TargetTableName="at_t1", RestoreDateTime=at(t1))
        wait_active(ddb, "at_t1")
        items = {i["pk"]["S"]: i for i in scan_all(ddb, "at_t1")}
        assert len(items) == 400 and all(items[f"static-{i}"]["v"]["N"] == str(i) for i in range(400))
        ddb.restore_table_to_point_in_time(SourceTableName="src", TargetTableName="latest",
                                           UseLatestRestorableTime=True)
        wait_active(ddb, "latest")
        items = {i["pk"]["S"]: i for i in scan_all(ddb, "latest")}
        assert len(items) == 399 and items["static-7"]["v"]["N"] == "-1" and items["static-70"]["v"]["N"] == "70"
    finally:
        server.stop()
        server.cleanup()


def test_short_retention_moves_the_window(tmp_path):
    server = Ddbd(data_dir=str(tmp_path / "data"), extra=["--pitr-retention", "2s"]).start()
    try:
        ddb = make_client(server.endpoint)
        ddb.create_table(TableName="short", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        d = enable(ddb, "short")["PointInTimeRecoveryDescription"]
        enabled = d["EarliestRestorableDateTime"].timestamp()
        # the member's minimum: the window is shorter
        assert raw_pitr(server.endpoint, TableName="short")["RecoveryPeriodInDays"] == 1
        ddb.put_item(TableName="short", Item={"pk": {"S": "a"}})
        time.sleep(4.5)
        d = pitr_of(ddb, "short")["PointInTimeRecoveryDescription"]
        earliest = d["EarliestRestorableDateTime"].timestamp()
        assert earliest >= enabled + 2, (enabled, earliest)
        assert earliest >= time.time() - 2 - 2.5  # within a trim interval of the 2 s window
        with pytest.raises(ddb.exceptions.InvalidRestoreTimeException):
            ddb.restore_table_to_point_in_time(SourceTableName="short", TargetTableName="old",
                                               RestoreDateTime=at(math.floor(enabled) + 1))
        ddb.restore_table_to_point_in_time(SourceTableName="short", TargetTableName="new",
                                           UseLatestRestorableTime=True)
        wait_active(ddb, "new")
        assert [i["pk"]["S"] for i in scan_all(ddb, "new")] == ["a"]
    finally:
        server.stop()
        server.cleanup()
