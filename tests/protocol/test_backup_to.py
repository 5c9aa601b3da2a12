"""ddbd --backup-to DIR: the whole-server offline backup. It copies a stopped
server's data directory consistently (a RocksDB checkpoint) into a new
directory that ddbd then serves as is; it refuses a running server's
directory, an existing target, a missing source and --in-memory, creating
nothing."""
import os
import subprocess

import pytest

from conftest import DDBD, Ddbd, make_client

pytestmark = pytest.mark.rocksdb('--backup-to checkpoints a RocksDB data directory')


def run(*args):
    return subprocess.run([DDBD, *args], capture_output=True, text=True, timeout=60)


def make_table(ddb, name, n):
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    for i in range(n):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "n": {"N": str(i)}})


def scan_all(ddb, name):
    items, kw = [], {}
    while True:
        r = ddb.scan(TableName=name, ConsistentRead=True, **kw)
        items += r["Items"]
        if "LastEvaluatedKey" not in r:
            return sorted(items, key=lambda i: i["pk"]["S"])
        kw = {"ExclusiveStartKey": r["LastEvaluatedKey"]}


def test_backup_to_copies_a_stopped_server_and_the_copy_serves(tmp_path):
    src = Ddbd(data_dir=str(tmp_path / "data")).start()
    try:
        ddb = make_client(src.endpoint)
        make_table(ddb, "tab1", 300)
        make_table(ddb, "tab2", 5)
        want = {t: scan_all(ddb, t) for t in ("tab1", "tab2")}
        # while it runs, the directory is its own: refused, nothing made
        out = tmp_path / "copy"
        r = run("--data-dir", src.data_dir, "--backup-to", str(out))
        assert r.returncode == 1 and "in use by another ddbd process" in r.stderr
        assert not out.exists()
        assert src.stop() == 0
    finally:
        src.cleanup()
    r = run("--data-dir", str(tmp_path / "data"), "--backup-to", str(out))
    assert r.returncode == 0, r.stderr
    assert f"copied to {out}" in r.stdout
    assert (out / "CURRENT").exists()
    # the target must not exist
    r = run("--data-dir", str(tmp_path / "data"), "--backup-to", str(out))
    assert r.returncode == 1 and str(out) in r.stderr
    # the copy is a data directory: ddbd serves it, tables and items as they were
    copy = Ddbd(data_dir=str(out)).start()
    try:
        ddb = make_client(copy.endpoint)
        assert sorted(ddb.list_tables()["TableNames"]) == ["tab1", "tab2"]
        for t in ("tab1", "tab2"):
            assert scan_all(ddb, t) == want[t]
        assert ddb.describe_table(TableName="tab1")["Table"]["ItemCount"] == 300
        assert copy.stop() == 0
    finally:
        copy.cleanup()
    r = run("--check", "--data-dir", str(out))
    assert r.returncode == 0, r.stdout + r.stderr


def test_backup_to_refuses_what_it_cannot_copy(tmp_path):
    missing = tmp_path / "nope"
    r = run("--data-dir", str(missing), "--backup-to", str(tmp_path / "out"))
    assert r.returncode == 1
    assert r.stderr.strip() == f"ddbd: no data directory at {missing} (--backup-to creates nothing)"
    assert not missing.exists() and not (tmp_path / "out").exists()
    r = run("--in-memory", "--backup-to", str(tmp_path / "out"))
    assert r.returncode == 2 and "--in-memory has none" in r.stderr
    assert not os.path.exists(tmp_path / "out")
