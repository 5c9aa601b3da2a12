"""ddbc at a real terminal (tmux): tab completion of keywords, table, index and attribute
names; history kept across sessions; multi-line statements; Ctrl-C stopping a long scan (the
shell stays usable); TAIL showing a change another client makes. Each test runs ddbc in a
tmux server of its own (-L), so nothing is shared with other tmux users.
"""
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from test_ddbc import DDBC, ddbc_env, run_ddbc, tname  # noqa: F401 (tname: a fixture)

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


class Tty:
    """ddbc in a 200x50 tmux pane."""

    def __init__(self, endpoint, home, name):
        self.sock = f"ddbc-test-{os.getpid()}-{name}"
        self.env = ddbc_env(home)
        cmd = " ".join(f"{k}='{v}'" for k, v in self.env.items() if k.startswith("AWS_") or k == "HOME")
        self.tmux("new-session", "-d", "-x", "200", "-y", "50",
                  f"env {cmd} {DDBC} --endpoint {endpoint}; sleep 30")
        self.wait_for("connected to")

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True,
                              check=True).stdout

    def type(self, text):
        """Types text literally (tmux would take a trailing ';' as its own separator; capture-pane
        drops trailing spaces, so tests look for what follows them)."""
        self.tmux("send-keys", "-l", text.replace(";", "\\;") if text.endswith(";") else text)

    def key(self, *keys):
        self.tmux("send-keys", *keys)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-S", "-200")

    def wait_for(self, text, timeout=10.0, after=0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            s = self.screen()
            if s.count(text) > after:
                return s
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not on the screen:\n{self.screen()}")

    def close(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True)


@pytest.fixture
def tty(endpoint, tmp_path):
    opened = []

    def open_tty(name="a"):
        t = Tty(endpoint, str(tmp_path), name)
        opened.append(t)
        return t

    yield open_tty
    for t in opened:
        t.close()


def test_completion(tty, tname, ddb, endpoint, tmp_path):
    name = tname
    p = run_ddbc(endpoint, "-e", f"CREATE TABLE {name} (pk S HASH) GSI by_gee_index (g S HASH)",
                 home=str(tmp_path))
    assert p.returncode == 0, p.stderr
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "zebra_attr": {"S": "v"}})
    t = tty()
    t.type("SEL")
    t.key("Tab")  # completes the word and adds a space
    t.type("* FROM test_completio")
    t.wait_for("SELECT * FROM test_completio")
    t.key("Tab")
    t.wait_for(f"FROM {name}")
    t.type(" WHERE pk = 'a';")
    t.key("Enter")
    t.wait_for("(1 row)")
    t.type("SELECT zebra_a")  # an attribute name seen in a result
    t.key("Tab")
    t.wait_for("SELECT zebra_attr")
    t.key("C-u")
    t.type(f'SELECT * FROM "{name}"."by_g')  # the index names of the tables used
    t.key("Tab")
    t.wait_for(f'"{name}"."by_gee_index')
    t.key("C-u")
    t.key("C-u")
    t.type("SELECT * FROM t")  # after FROM only table names: not TABLE, TAIL, ...
    t.key("Tab")
    t.wait_for("SELECT * FROM test_")
    t.key("C-u")
    t.type("sel")  # keywords keep the case they were started in
    t.key("Tab")
    t.type("*")
    t.wait_for("select *")


def test_history_across_sessions_and_multi_line(tty, make_table, ddb):
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "h"}, "v": {"N": "42"}})
    t = tty("one")
    t.type(f"SELECT v FROM {name}")
    t.key("Enter")
    t.wait_for("   ...>")  # not complete without its ';'
    t.type("  WHERE pk = 'h'")
    t.key("Enter")
    t.type(";")
    t.key("Enter")
    s = t.wait_for("(1 row)")
    assert "42" in s
    t.type("\\q")
    t.key("Enter")
    time.sleep(0.3)
    t2 = tty("two")
    t2.key("Up")  # \q, then the statement, kept as one line
    t2.wait_for("ddbc> \\q")
    t2.key("Up")
    t2.wait_for(f"ddbc> SELECT v FROM {name}   WHERE pk = 'h' ;")
    t2.key("Enter")
    s = t2.wait_for("(1 row)")
    assert "42" in s


class SlowProxy:
    """A TCP proxy to the endpoint that holds every request back for `delay` seconds."""

    def __init__(self, endpoint, delay):
        host, port = endpoint.rsplit("//", 1)[1].split(":")
        self.target = (host, int(port))
        self.delay = delay
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.endpoint = f"http://127.0.0.1:{self.lsock.getsockname()[1]}"
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            s = socket.create_connection(self.target)
            threading.Thread(target=self.pump, args=(c, s, self.delay), daemon=True).start()
            threading.Thread(target=self.pump, args=(s, c, 0), daemon=True).start()

    @staticmethod
    def pump(a, b, delay):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                if delay:
                    time.sleep(delay)
                b.sendall(data)
        except OSError:
            pass
        for x in (a, b):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.lsock.close()


def test_ctrl_c_stops_a_long_scan(tmp_path, make_table, ddb, endpoint):
    name = make_table()
    big = "x" * 100_000
    for i in range(0, 120, 20):  # 12 MB: a dozen Scan pages
        ddb.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": {"pk": {"S": f"k{j}"}, "b": {"S": big}}}} for j in range(i, i + 20)]})
    proxy = SlowProxy(endpoint, 0.7)
    t = Tty(proxy.endpoint, str(tmp_path), "slow")
    try:
        t.type(f"SELECT pk FROM {name};")
        t.key("Enter")
        t.wait_for("Run it? [y/N]")
        t.key("y", "Enter")
        time.sleep(2.0)
        t0 = time.time()
        t.key("C-c")
        s = t.wait_for("-- interrupted after", timeout=5)
        assert time.time() - t0 < 3
        assert "rows)" in s  # what was read so far is shown
        t.type(f"SELECT pk FROM {name} WHERE pk = 'k7';")  # the shell goes on
        t.key("Enter")
        t.wait_for("(1 row)")
    finally:
        t.close()
        proxy.close()


def test_tail_shows_another_clients_change(tty, make_table, ddb):
    name = make_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    t = tty()
    t.type(f"TAIL {name};")
    t.key("Enter")
    t.wait_for("-- following")
    time.sleep(1.0)
    ddb.put_item(TableName=name, Item={"pk": {"S": "tailed"}, "v": {"N": "7"}})
    s = t.wait_for("INSERT", timeout=15)
    assert "{'pk': 'tailed'}" in s and "new: {'pk': 'tailed', 'v': 7}" in s.replace("'v': 7, 'pk': 'tailed'", "'pk': 'tailed', 'v': 7")
    ddb.delete_item(TableName=name, Key={"pk": {"S": "tailed"}})
    t.wait_for("REMOVE", timeout=15)
    t.key("C-c")
    t.wait_for("ddbc>", after=1)  # the prompt again
