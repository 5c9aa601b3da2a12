"""The data directory as an operator meets it: --check refuses a directory
that is missing or holds no database and creates nothing (it used to create
an empty database and report "check passed"); a second ddbd, or a --check,
on a directory in use says so plainly instead of printing RocksDB's lock
error; ddbd still creates a missing data directory; and the data is
private: the directory 0700, every file in it 0600."""
import os
import stat
import subprocess

import pytest

from conftest import DDBD, Ddbd, free_port, make_client

pytestmark = [pytest.mark.ddbd_only, pytest.mark.rocksdb('it is about data directories')]


def run(*args, timeout=60):
    return subprocess.run([DDBD, *args], capture_output=True, text=True, timeout=timeout)


def test_check_refuses_a_missing_directory_and_creates_nothing(tmp_path):
    typo = tmp_path / "typo"
    r = run("--check", "--data-dir", str(typo))
    assert r.returncode != 0
    assert "check passed" not in r.stdout
    assert r.stderr.strip() == f"ddbd: no data directory at {typo} (--check creates nothing)"
    assert not typo.exists()


def test_check_refuses_a_directory_without_a_database(tmp_path):
    r = run("--check", "--data-dir", str(tmp_path))
    assert r.returncode != 0
    assert "check passed" not in r.stdout
    assert "holds no ddbd database" in r.stderr
    assert list(tmp_path.iterdir()) == []
    afile = tmp_path / "afile"
    afile.write_text("x")
    r = run("--check", "--data-dir", str(afile))
    assert r.returncode != 0 and r.stderr.strip() == f"ddbd: {afile} is not a directory"


def test_ddbd_creates_a_missing_data_directory_private(tmp_path):
    data = tmp_path / "data"
    server = Ddbd(data_dir=str(data)).start()
    try:
        c = make_client(server.endpoint)
        c.create_table(TableName="private", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST")
        c.put_item(TableName="private", Item={"pk": {"S": "secret"}})
    finally:
        assert server.stop() == 0
    # and --check on it passes (it opens the store again: flushes, new files)
    r = run("--check", "--data-dir", str(data))
    assert r.returncode == 0 and "check passed" in r.stdout, r.stdout + r.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    names = sorted(p.name for p in data.iterdir())
    assert "LOCK" in names and "LOG" in names and "CURRENT" in names
    assert any(n.endswith(".sst") for n in names) and any(n.endswith(".log") for n in names)
    for p in data.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, f"{p.name} is {oct(p.stat().st_mode)}"


def test_a_data_directory_in_use_is_refused_plainly():
    server = Ddbd().start()
    try:
        msg = f"ddbd: the data directory {server.data_dir} is in use by another ddbd process"
        second = run("--port", str(free_port()), "--data-dir", server.data_dir)
        assert second.returncode != 0
        assert second.stderr.strip() == msg
        check = run("--check", "--data-dir", server.data_dir)
        assert check.returncode != 0
        assert check.stderr.strip() == msg
        assert "check passed" not in check.stdout
        # the first one is unharmed
        assert make_client(server.endpoint).list_tables()["TableNames"] is not None
    finally:
        assert server.stop() == 0
        server.cleanup()
