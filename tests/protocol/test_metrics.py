"""GET /metrics (Prometheus text format 0.0.4) and ddbd --version.

The scrape is parsed by prometheus_client's own parser (Debian's
python3-prometheus-client), so a malformed line, a family without its
# TYPE or a bad escape fails the test. Counters are checked to move by exactly
what the requests made between two scrapes imply.
"""
import http.client
import json
import os
import re
import socket
import subprocess
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import DDBD, REPO, Ddbd

pytestmark = pytest.mark.ddbd_only

AUTH = ("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=00")


@pytest.fixture(scope="module")
def server():
    # two loops: the scrape sums the counters of both
    d = Ddbd(extra=["--threads", "2", "--ttl-interval", "0.1"]).start()
    yield d
    d.cleanup()


def scrape(server):
    with urllib.request.urlopen(server.endpoint + "/metrics", timeout=10) as r:
        assert r.status == 200
        ctype = r.headers["Content-Type"]
        text = r.read().decode("utf-8")
    assert ctype == "text/plain; version=0.0.4; charset=utf-8"
    return text


def samples(server):
    """{(sample name, frozenset(labels)): value} of one scrape, and its families."""
    fams = list(text_string_to_metric_families(scrape(server)))
    out = {}
    for f in fams:
        for s in f.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out, {f.name: f for f in fams}


def value(s, name, **labels):
    return s.get((name, frozenset(labels.items())), 0.0)


def call(server, op, body, target_prefix="DynamoDB_20120810."):
    """One raw request: (status, parsed body, bytes of the request body sent)."""
    data = json.dumps(body).encode()
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    c.request("POST", "/", body=data, headers={
        "X-Amz-Target": target_prefix + op, "Content-Type": "application/x-amz-json-1.0",
        "Authorization": AUTH, "X-Amz-Date": "20260101T000000Z"})
    r = c.getresponse()
    raw = r.read()
    c.close()
    return r.status, json.loads(raw or b"{}"), len(data), len(raw)


def create_table(server, name, **extra):
    st, body, _, _ = call(server, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], **extra})
    assert st == 200, body


def put(server, table, pk, **attrs):
    item = {"pk": {"S": pk}, **attrs}
    st, body, _, _ = call(server, "PutItem", {"TableName": table, "Item": item})
    assert st == 200, body


def wait_for(server, pred, timeout=10.0):
    deadline = time.time() + timeout
    while True:
        s, _ = samples(server)
        if pred(s) or time.time() > deadline:
            return s
        time.sleep(0.05)


@pytest.mark.rocksdb("it expects RocksDB's own gauges and counters (block cache, memtables, compaction)")
def test_every_family_is_typed_and_documented(server):
    text = scrape(server)
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    helps = set(re.findall(r"^# HELP (\S+) ", text, re.M))
    assert set(types) == helps
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
        base = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert base in types, line
        if types[base] == "counter":
            assert name.endswith("_total"), line
    for name in ["ddb_requests_total", "ddb_request_duration_seconds", "ddb_connections_open",
                 "ddb_request_body_bytes_total", "ddb_response_body_bytes_total",
                 "ddb_table_items", "ddb_table_size_bytes", "ddb_stream_records_total",
                 "ddb_ttl_deleted_items_total", "ddb_backfill_scanned_items_total",
                 "ddb_indexes_backfilling", "ddb_rocksdb_memtable_bytes", "ddb_rocksdb_sst_bytes",
                 "ddb_rocksdb_pending_compaction_bytes", "ddb_rocksdb_block_cache_usage_bytes",
                 "ddb_rocksdb_block_cache_hits_total", "ddb_rocksdb_block_cache_misses_total",
                 "ddb_rocksdb_block_cache_hit_ratio", "ddb_rocksdb_write_stall_seconds_total",
                 "ddb_rocksdb_delayed_write_rate_bytes", "ddb_rocksdb_write_stopped"]:
        assert name in types, name
    assert types["ddb_request_duration_seconds"] == "histogram"
    # the parser accepts the whole text
    assert list(text_string_to_metric_families(text))


def test_put_item_counts_exactly_once(server):
    create_table(server, "m_put")
    before, _ = samples(server)
    put(server, "m_put", "a")
    after, _ = samples(server)
    key = dict(operation="PutItem", status="200")
    assert value(after, "ddb_requests_total", **key) - value(before, "ddb_requests_total", **key) == 1


def test_scrapes_and_health_checks_are_not_counted(server):
    def requests(s):
        return {k: v for k, v in s.items() if k[0] == "ddb_requests_total"}
    before, _ = samples(server)
    urllib.request.urlopen(server.endpoint + "/", timeout=10).read()
    after, _ = samples(server)
    assert requests(after) == requests(before)


def test_failing_request_counts_under_its_status(server):
    before, _ = samples(server)
    st, body, _, _ = call(server, "GetItem", {"TableName": "m_absent", "Key": {"pk": {"S": "x"}}})
    assert st == 400 and body["__type"].endswith("ResourceNotFoundException")
    st, _, _, _ = call(server, "NoSuchOperation", {})
    assert st == 400
    after, _ = samples(server)
    for op in ["GetItem", "Unknown"]:
        k = dict(operation=op, status="400")
        assert value(after, "ddb_requests_total", **k) - value(before, "ddb_requests_total", **k) == 1
    k = dict(operation="GetItem", status="200")
    assert value(after, "ddb_requests_total", **k) == value(before, "ddb_requests_total", **k)


def test_table_gauges_follow_puts(server):
    create_table(server, "m_items")
    s, _ = samples(server)
    assert value(s, "ddb_table_items", table="m_items") == 0
    for i in range(3):
        put(server, "m_items", f"k{i}", v={"S": "x" * 100})
    s, _ = samples(server)
    assert value(s, "ddb_table_items", table="m_items") == 3
    size3 = value(s, "ddb_table_size_bytes", table="m_items")
    assert size3 > 300
    st, _, _, _ = call(server, "DeleteItem", {"TableName": "m_items", "Key": {"pk": {"S": "k0"}}})
    assert st == 200
    s, _ = samples(server)
    assert value(s, "ddb_table_items", table="m_items") == 2
    assert value(s, "ddb_table_size_bytes", table="m_items") < size3
    st, desc, _, _ = call(server, "DescribeTable", {"TableName": "m_items"})
    assert desc["Table"]["TableSizeBytes"] == value(s, "ddb_table_size_bytes", table="m_items")


def test_histogram_buckets_are_cumulative_and_match_count(server):
    create_table(server, "m_hist")
    for i in range(5):
        put(server, "m_hist", f"h{i}")
    _, fams = samples(server)
    hist = fams["ddb_request_duration_seconds"]
    by_op = {}
    for smp in hist.samples:
        by_op.setdefault(smp.labels["operation"], []).append(smp)
    assert "PutItem" in by_op
    for op, smps in by_op.items():
        buckets = [(float(x.labels["le"]), x.value) for x in smps if x.name.endswith("_bucket")]
        count = [x.value for x in smps if x.name.endswith("_count")][0]
        total = [x.value for x in smps if x.name.endswith("_sum")][0]
        les = [le for le, _ in buckets]
        assert les == sorted(les) and les[-1] == float("inf") and les[0] == 0.0001, op
        counts = [v for _, v in buckets]
        assert counts == sorted(counts), op  # cumulative
        assert counts[-1] == count, op
        assert total >= 0 and (count == 0 or total > 0), op
    puts = [x.value for x in by_op["PutItem"] if x.name.endswith("_count")][0]
    s, _ = samples(server)
    assert puts == sum(v for (n, l), v in s.items()
                       if n == "ddb_requests_total" and ("operation", "PutItem") in l)


def test_body_bytes_counters_count_the_request_and_response(server):
    create_table(server, "m_bytes")
    before, _ = samples(server)
    st, _, sent, received = call(server, "PutItem", {
        "TableName": "m_bytes", "Item": {"pk": {"S": "b"}, "v": {"S": "y" * 1000}}})
    assert st == 200
    after, _ = samples(server)
    assert (value(after, "ddb_request_body_bytes_total")
            - value(before, "ddb_request_body_bytes_total")) == sent
    assert (value(after, "ddb_response_body_bytes_total")
            - value(before, "ddb_response_body_bytes_total")) == received


def test_connections_gauge_counts_open_clients(server):
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(3)]
    try:
        # the three held plus the scrape's own
        s = wait_for(server, lambda s: value(s, "ddb_connections_open") >= 4)
        assert value(s, "ddb_connections_open") >= 4
    finally:
        for c in held:
            c.close()
    s = wait_for(server, lambda s: value(s, "ddb_connections_open") <= 1)
    assert value(s, "ddb_connections_open") >= 1  # the scrape is connected while it is served


def test_stream_records_counter_moves_with_writes(server):
    create_table(server, "m_stream",
                 StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    before, _ = samples(server)
    put(server, "m_stream", "s1")
    put(server, "m_stream", "s2")
    after = wait_for(server, lambda s: value(s, "ddb_stream_records_total")
                     >= value(before, "ddb_stream_records_total") + 2)
    assert (value(after, "ddb_stream_records_total")
            - value(before, "ddb_stream_records_total")) == 2


def test_ttl_deletions_and_backfill_progress(server):
    create_table(server, "m_ttl")
    for i in range(5):
        put(server, "m_ttl", f"t{i}", exp={"N": str(int(time.time()) - 60)})  # expired
    before, _ = samples(server)
    st, body, _, _ = call(server, "UpdateTimeToLive", {
        "TableName": "m_ttl", "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"}})
    assert st == 200, body
    # the expiry index is backfilled from the 5 items, then the sweeper deletes them
    after = wait_for(server, lambda s: value(s, "ddb_ttl_deleted_items_total")
                     >= value(before, "ddb_ttl_deleted_items_total") + 5)
    assert (value(after, "ddb_ttl_deleted_items_total")
            - value(before, "ddb_ttl_deleted_items_total")) == 5
    assert (value(after, "ddb_backfill_scanned_items_total")
            - value(before, "ddb_backfill_scanned_items_total")) >= 5
    assert value(after, "ddb_table_items", table="m_ttl") == 0
    assert value(after, "ddb_indexes_backfilling") == 0


@pytest.mark.rocksdb("it reads RocksDB's own gauges and counters")
def test_block_cache_counters_and_rocksdb_gauges(server):
    create_table(server, "m_cache")
    for i in range(20):
        put(server, "m_cache", f"c{i}")
    s, _ = samples(server)
    assert value(s, "ddb_rocksdb_memtable_bytes") > 0
    assert value(s, "ddb_rocksdb_block_cache_capacity_bytes") == 64 << 20
    hits = value(s, "ddb_rocksdb_block_cache_hits_total")
    misses = value(s, "ddb_rocksdb_block_cache_misses_total")
    ratio = value(s, "ddb_rocksdb_block_cache_hit_ratio")
    assert 0 <= ratio <= 1
    if hits + misses:
        assert abs(ratio - hits / (hits + misses)) < 1e-5
    assert value(s, "ddb_rocksdb_write_stopped") == 0


def test_version_names_every_library():
    r = subprocess.run([DDBD, "--version"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    with open(os.path.join(REPO, "CMakeLists.txt")) as f:
        version = re.search(r"project\(ddb VERSION (\S+)", f.read()).group(1)
    assert lines[0] == f"ddbd {version}"
    names = [ln.split(" ", 1)[0] for ln in lines[1:]]
    assert names == ["RocksDB", "libuv", "cJSON", "llhttp", "libcurl", "OpenSSL", "xxHash"]
    for ln in lines[1:]:
        assert re.fullmatch(r"\S+ \d+\.\d+\.\d+\S*", ln), ln
