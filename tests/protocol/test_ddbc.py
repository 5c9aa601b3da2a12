"""ddbc, the shell, run non-interactively (-e, -f, stdin) against a real endpoint: every
statement kind (PartiQL planned client-side and sent as GetItem/Query/Scan/PutItem/UpdateItem/
DeleteItem, EXPLAIN, BEGIN/COMMIT, DDL, SHOW TABLES, DESCRIBE, meta-commands), every output
format, and the exit status. The plain-API path also passes against DynamoDB Local
(DDB_ENDPOINT=...); tests that need a ddbd of their own are ddbd_only.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import DDBD, Ddbd

# beside the ddbd under test (build-asan/ddbc under DDB_SANITIZE=1), unless DDBC says
DDBC = os.environ.get("DDBC", os.path.join(os.path.dirname(DDBD), "ddbc"))
N38 = "12345678901234567890123456789012345678"


def ddbc_env(home, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=home, AWS_ACCESS_KEY_ID="AKIDLOCAL", AWS_SECRET_ACCESS_KEY="secret",
               AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
               AWS_SHARED_CREDENTIALS_FILE=os.path.join(home, "none"),
               AWS_CONFIG_FILE=os.path.join(home, "none"))
    env.update(extra)
    return env


def run_ddbc(endpoint, *args, stdin=None, env=None, home=None):
    home = home or tempfile.mkdtemp(prefix="ddbc-home-")
    # bytes, decoded here: text mode would turn CSV's CRLF into LF
    p = subprocess.run([DDBC, "--endpoint", endpoint, *args], capture_output=True, timeout=120,
                       input=stdin.encode() if stdin is not None else None,
                       env=env or ddbc_env(home))
    p.stdout, p.stderr = p.stdout.decode(), p.stderr.decode()
    return p


@pytest.fixture
def ddbc(endpoint, tmp_path):
    def run(*args, stdin=None):
        return run_ddbc(endpoint, *args, stdin=stdin, home=str(tmp_path))
    return run


@pytest.fixture
def tname(ddb, table_name):
    """A fresh table name, dropped after the test if ddbc created it."""
    yield table_name
    try:
        ddb.delete_table(TableName=table_name)
    except ddb.exceptions.ResourceNotFoundException:
        pass


def lines(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def make(ddbc, name, extra=""):
    p = ddbc("-e", f"CREATE TABLE {name} (pk S HASH, sk N RANGE) {extra};")
    assert p.returncode == 0, p.stderr
    return p


def test_help_and_bad_options():
    p = subprocess.run([DDBC, "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "usage: ddbc" in p.stdout and "-o FORMAT" in p.stdout
    p = subprocess.run([DDBC, "--frob"], capture_output=True, text=True)
    assert p.returncode == 2 and "usage: ddbc" in p.stderr
    p = subprocess.run([DDBC, "-o", "xml", "-e", "SHOW TABLES"], capture_output=True, text=True)
    assert p.returncode == 2 and "unknown format xml" in p.stderr


def test_create_table_with_everything(ddbc, ddb, tname):
    p = make(ddbc, tname, "GSI byg (g S HASH, sk N RANGE) PROJECT INCLUDE (a, b) "
                          "STREAM NEW_AND_OLD_IMAGES TTL exp BILLING PROVISIONED(3, 4)")
    t = ddb.describe_table(TableName=tname)["Table"]
    assert [k["AttributeName"] for k in t["KeySchema"]] == ["pk", "sk"]
    gsi = t["GlobalSecondaryIndexes"][0]
    assert gsi["IndexName"] == "byg" and gsi["Projection"] == {
        "ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]}
    assert t["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert t["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert t["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    ttl = ddb.describe_time_to_live(TableName=tname)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "exp" and ttl["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
    p = ddbc("-o", "table", "-e", f"DESCRIBE {tname}")
    assert p.returncode == 0, p.stderr
    assert "Keys:     pk S HASH, sk N RANGE" in p.stdout
    assert "GSI byg (g S HASH, sk N RANGE) PROJECT INCLUDE (a, b)" in p.stdout
    assert "Stream:   NEW_AND_OLD_IMAGES" in p.stdout and "TTL:      exp" in p.stdout
    assert "Billing:  PROVISIONED (3 read, 4 write)" in p.stdout and "Items:" in p.stdout
    p = ddbc("-o", "jsonl", "-e", f"\\d {tname}")
    d = lines(p.stdout)[0]
    assert d["TableName"] == tname and d["TimeToLiveDescription"]["AttributeName"] == "exp"


def test_alter_and_drop(ddbc, ddb, tname):
    make(ddbc, tname)
    p = ddbc("-e", f"ALTER TABLE {tname} ADD GSI byv (v N HASH) PROJECT KEYS;")
    assert p.returncode == 0, p.stderr
    gsi = ddb.describe_table(TableName=tname)["Table"]["GlobalSecondaryIndexes"]
    assert gsi[0]["IndexName"] == "byv" and gsi[0]["Projection"]["ProjectionType"] == "KEYS_ONLY"
    p = ddbc("-e", f"ALTER TABLE {tname} STREAM KEYS_ONLY", "-e", f"ALTER TABLE {tname} TTL ttl")
    assert p.returncode == 0, p.stderr
    t = ddb.describe_table(TableName=tname)["Table"]
    assert t["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"
    assert ddb.describe_time_to_live(TableName=tname)["TimeToLiveDescription"]["AttributeName"] == "ttl"
    p = ddbc("-e", f"ALTER TABLE {tname} TTL OFF", "-e", f"ALTER TABLE {tname} STREAM OFF")
    assert p.returncode == 0, p.stderr
    assert ddb.describe_time_to_live(TableName=tname)["TimeToLiveDescription"]["TimeToLiveStatus"] in (
        "DISABLED", "DISABLING")
    assert not ddb.describe_table(TableName=tname)["Table"].get("StreamSpecification", {}).get(
        "StreamEnabled", False)
    p = ddbc("-e", f"ALTER TABLE {tname} BILLING PROVISIONED(2, 2)")
    assert p.returncode == 0, p.stderr
    assert ddb.describe_table(TableName=tname)["Table"]["ProvisionedThroughput"]["ReadCapacityUnits"] == 2
    p = ddbc("-e", f"ALTER TABLE {tname} DROP GSI byv")
    assert p.returncode == 0, p.stderr
    p = ddbc("-o", "table", "-e", f"DROP TABLE {tname};")
    assert p.returncode == 0 and p.stdout == f"DROP TABLE {tname}\n", p.stderr
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.describe_table(TableName=tname)


def test_show_tables(ddbc, tname):
    make(ddbc, tname)
    p = ddbc("-e", "SHOW TABLES")
    assert p.returncode == 0 and {"table": tname} in lines(p.stdout)
    p = ddbc("-o", "table", "-e", "\\d")
    assert f" {tname}\n" in p.stdout and " row" in p.stdout


def seed(ddbc, name):
    p = ddbc("-e", f"INSERT INTO {name} VALUE {{'pk': 'a', 'sk': 1, 'n': {N38}, 'g': 'x'}};"
                   f"INSERT INTO {name} VALUE {{'pk': 'a', 'sk': 2, 's': <<'p', 'q'>>,"
                   f" 'm': {{'k': [1, 'two', true, null]}}}};"
                   f"INSERT INTO {name} VALUE {{'pk': 'b', 'sk': 1, 'c': 'x,\"y\"'}};")
    assert p.returncode == 0, p.stderr


def test_formats(ddbc, tname):
    make(ddbc, tname)
    seed(ddbc, tname)
    q = f"SELECT * FROM {tname} WHERE pk = 'a'"
    p = ddbc("-e", q)  # jsonl in a pipe: the key first, numbers exact
    assert p.returncode == 0, p.stderr
    out = p.stdout.splitlines()
    assert out[0].startswith('{"pk":"a","sk":1,') and f'"n":{N38}' in out[0]
    assert [json.loads(line) for line in out] == [
        {"pk": "a", "sk": 1, "n": int(N38), "g": "x"},
        {"pk": "a", "sk": 2, "s": ["p", "q"], "m": {"k": [1, "two", True, None]}}]
    q = f"SELECT pk, sk, n, g, s, m FROM {tname} WHERE pk = 'a'"
    p = ddbc("-o", "json", "-e", q)
    assert p.stdout == f'[{{"pk":"a","sk":1,"n":{N38},"g":"x"}},' \
                       '{"pk":"a","sk":2,"s":["p","q"],"m":{"k":[1,"two",true,null]}}]\n'
    p = ddbc("-o", "ddbjson", "-e", q)
    assert p.stdout.splitlines()[0] == \
        f'{{"pk":{{"S":"a"}},"sk":{{"N":"1"}},"n":{{"N":"{N38}"}},"g":{{"S":"x"}}}}'
    p = ddbc("-o", "csv", "-e", f"SELECT pk, sk, n, g, s, m, c FROM {tname}")
    rows = p.stdout.split("\r\n")
    assert rows[0] == "pk,sk,n,g,s,m,c"
    assert f'a,1,{N38},x,,,' in rows and 'b,1,,,,,"x,""y"""' in rows
    assert 'a,2,,,"[""p"",""q""]","{""k"":[1,""two"",true,null]}",' in rows
    p = ddbc("-o", "table", "-e", q)
    assert p.stdout.splitlines() == [
        " pk | sk |                   n                    | g |      s       |               m",
        "----+----+" + "-" * 40 + "+---+--------------+" + "-" * 31,
        f" a  |  1 | {N38} | x |              | ",
        " a  |  2 |                                        |   | <<'p', 'q'>> | {'k': [1, 'two', true, null]}",
        "(2 rows)"]
    p = ddbc("-o", "table", "-e", "\\x", "-e", f"SELECT pk, c FROM {tname} WHERE pk = 'b'")
    assert p.stdout == "-[ RECORD 1 ]-\npk | b\nc  | x,\"y\"\n(1 row)\n"


def test_get_query_scan_and_explain(ddbc, tname):
    make(ddbc, tname, "GSI byg (g S HASH)")
    seed(ddbc, tname)
    cases = [(f"SELECT * FROM {tname} WHERE pk = 'a' AND sk = 1", "GetItem", ""),
             (f"SELECT * FROM {tname} WHERE pk = 'a' AND sk > 1", "Query", ""),
             (f'SELECT * FROM "{tname}"."byg" WHERE g = \'x\'', "Query", "byg"),
             (f"SELECT * FROM {tname} WHERE n > 5", "Scan", "")]
    for stmt, op, index in cases:
        p = ddbc("-e", "EXPLAIN " + stmt)
        assert p.returncode == 0, p.stderr
        e = lines(p.stdout)[0]
        assert e["Operation"] == op and e["Request"]["TableName"] == tname
        assert e["Request"].get("IndexName", "") == index
        p = ddbc("-o", "table", "-e", "EXPLAIN " + stmt)
        assert p.stdout.startswith(f"-- {op} ") and "--cli-input-json" in p.stdout
        body = p.stdout.split("\n", 2)[2]
        assert json.loads(body) == e["Request"]  # the JSON is the request itself
        p = ddbc("-e", stmt)
        assert p.returncode == 0 and len(lines(p.stdout)) == 1, (stmt, p.stdout, p.stderr)
    p = ddbc("-e", f"SELECT pk FROM {tname} WHERE pk = 'nope' AND sk = 1")
    assert p.returncode == 0 and p.stdout == ""


def test_explain_ddl_and_transaction(ddbc):
    p = ddbc("-e", "EXPLAIN CREATE TABLE tbl1 (a S HASH) TTL t")
    e = lines(p.stdout)
    assert [x["Operation"] for x in e] == ["CreateTable", "UpdateTimeToLive"]
    assert e[1]["Request"]["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "t"}


def test_writes_and_returning(ddbc, ddb, tname):
    make(ddbc, tname)
    seed(ddbc, tname)
    p = ddbc("-e", f"UPDATE {tname} SET v = 7 REMOVE g WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *")
    assert p.returncode == 0, p.stderr
    assert lines(p.stdout) == [{"pk": "a", "sk": 1, "n": int(N38), "v": 7}]
    p = ddbc("-o", "table", "-e", f"DELETE FROM {tname} WHERE pk = 'b' AND sk = 1")
    assert p.returncode == 0 and p.stdout == "DELETE 1\n"
    assert "Item" not in ddb.get_item(TableName=tname, Key={"pk": {"S": "b"}, "sk": {"N": "1"}})
    p = ddbc("-e", f"INSERT INTO {tname} VALUE {{'pk': 'a', 'sk': 1}}")
    assert p.returncode == 1
    assert "DuplicateItemException: Duplicate primary key exists in table" in p.stderr
    p = ddbc("-e", f"UPDATE {tname} SET v = 1 WHERE pk = 'zz' AND sk = 1")
    assert p.returncode == 1 and "ConditionalCheckFailedException" in p.stderr


def test_keyless_write_needs_confirmation(ddbc, ddb, tname):
    make(ddbc, tname)
    seed(ddbc, tname)
    stmt = f"UPDATE {tname} SET flag = true WHERE pk = 'a'"
    p = ddbc("-e", stmt)
    assert p.returncode == 1 and "use --yes" in p.stderr
    assert "flag" not in ddb.get_item(TableName=tname, Key={"pk": {"S": "a"}, "sk": {"N": "1"}})["Item"]
    p = ddbc("--yes", "-o", "table", "-e", stmt)
    assert p.returncode == 0 and p.stdout == "UPDATE 2\n", p.stderr
    items = ddb.scan(TableName=tname)["Items"]
    assert sorted((i["pk"]["S"], "flag" in i) for i in items) == [("a", True), ("a", True), ("b", False)]
    p = ddbc("--yes", "-o", "table", "-e", f"DELETE FROM {tname} WHERE c = 'x,\"y\"'")
    assert p.returncode == 0 and p.stdout == "DELETE 1\n", p.stderr
    assert len(ddb.scan(TableName=tname)["Items"]) == 2


def test_transaction(ddbc, ddb, tname):
    make(ddbc, tname)
    seed(ddbc, tname)
    p = ddbc("-o", "table", "-e", f"BEGIN; INSERT INTO {tname} VALUE {{'pk': 't', 'sk': 1}};"
                                   f"UPDATE {tname} SET v = 2 WHERE pk = 'a' AND sk = 2;"
                                   f"DELETE FROM {tname} WHERE pk = 'b' AND sk = 1; COMMIT;")
    assert p.returncode == 0 and p.stdout == "COMMIT 3\n", p.stderr
    keys = sorted((i["pk"]["S"], i["sk"]["N"]) for i in ddb.scan(TableName=tname)["Items"])
    assert keys == [("a", "1"), ("a", "2"), ("t", "1")]
    assert ddb.get_item(TableName=tname, Key={"pk": {"S": "a"}, "sk": {"N": "2"}})["Item"]["v"] == {"N": "2"}
    # one write fails its condition: nothing is written
    p = ddbc("-e", f"BEGIN; INSERT INTO {tname} VALUE {{'pk': 'u', 'sk': 1}};"
                   f"INSERT INTO {tname} VALUE {{'pk': 't', 'sk': 1}}; COMMIT;")
    assert p.returncode == 1 and "TransactionCanceledException" in p.stderr
    assert "Item" not in ddb.get_item(TableName=tname, Key={"pk": {"S": "u"}, "sk": {"N": "1"}})
    # EXISTS is a ConditionCheck: the transaction writes only while it holds
    p = ddbc("-o", "table", "-e", f"BEGIN; EXISTS(SELECT * FROM {tname} WHERE pk = 'a' AND sk = 2 AND v = 3);"
                                   f"INSERT INTO {tname} VALUE {{'pk': 'x', 'sk': 1}}; COMMIT;")
    assert p.returncode == 1 and "ConditionalCheckFailed" in p.stderr
    p = ddbc("-o", "table", "-e", f"BEGIN; EXISTS(SELECT * FROM {tname} WHERE pk = 'a' AND sk = 2 AND v = 2);"
                                   f"INSERT INTO {tname} VALUE {{'pk': 'x', 'sk': 1}}; COMMIT;")
    assert p.returncode == 0 and p.stdout == "COMMIT 2\n", p.stderr
    p = ddbc("-e", f"BEGIN; INSERT INTO {tname} VALUE {{'pk': 'v', 'sk': 1}}; ROLLBACK;")
    assert p.returncode == 0
    assert "Item" not in ddb.get_item(TableName=tname, Key={"pk": {"S": "v"}, "sk": {"N": "1"}})
    p = ddbc("-e", f"BEGIN; SELECT * FROM {tname}; COMMIT")
    assert p.returncode == 1 and "a transaction holds INSERT, UPDATE, DELETE and EXISTS only" in p.stderr
    p = ddbc("-e", f"BEGIN; INSERT INTO {tname} VALUE {{'pk': 'w', 'sk': 1}};")
    assert p.returncode == 1 and "neither committed nor rolled back" in p.stderr


def test_errors_and_exit_status(ddbc, tname):
    make(ddbc, tname)
    p = ddbc("-e", f"SELECT * FROM {tname}\n WHERE pk = = 'a'")
    assert p.returncode == 1
    assert "ValidationException: Statement wasn't well formed" in p.stderr
    assert "(line 2, column 13)" in p.stderr
    err = p.stderr.splitlines()
    assert err[1] == "   WHERE pk = = 'a'" and err[2].index("^") == err[1].index("= '")
    p = ddbc("-e", "SELECT * FROM no_such_table_here")
    assert p.returncode == 1 and "ResourceNotFoundException" in p.stderr
    p = ddbc("-e", "CREATE TABLE x (pk Q HASH)")
    assert p.returncode == 1 and "expected a key type (S, N or B), found 'Q'" in p.stderr
    p = ddbc("-e", "FROB it")
    assert p.returncode == 1 and "unknown statement" in p.stderr
    p = ddbc("-e", f"SELECT * FROM {tname} WHERE pk = 'a' AND sk = 'x'")
    assert p.returncode == 1 and "ValidationException" in p.stderr
    # a failure does not stop the statements after it, but the status says so
    p = ddbc("-e", "SELECT * FROM no_such_table_here", "-e", f"INSERT INTO {tname} VALUE {{'pk': 'k', 'sk': 1}}")
    assert p.returncode == 1
    p = ddbc("-e", f"SELECT * FROM {tname} WHERE pk = 'k'")
    assert p.returncode == 0 and lines(p.stdout) == [{"pk": "k", "sk": 1}]


def test_stdin_file_and_meta(ddbc, tname, tmp_path):
    make(ddbc, tname)
    script = tmp_path / "s.sql"
    script.write_text(f"-- a comment\nINSERT INTO {tname}\n  VALUE {{'pk': 'f', 'sk': 1, 'x': 'a;b'}};\n"
                      f"\\o csv\nSELECT pk, x FROM {tname}\n WHERE pk = 'f';\n")
    p = ddbc("-f", str(script))
    assert p.returncode == 0, p.stderr
    assert p.stdout == "pk,x\r\na,b\r\n".replace("a,b", 'f,a;b')
    p = ddbc(stdin=f"\\i {script}\n\\o json\nSELECT sk FROM {tname} WHERE pk = 'f'")
    assert p.returncode == 1  # the INSERT fails the second time (duplicate key)
    assert p.stdout.endswith('[{"sk":1}]\n')
    p = ddbc("-e", "\\timing", "-e", "\\capacity", "-e", f"SELECT * FROM {tname} WHERE pk = 'f' AND sk = 1")
    assert p.returncode == 0 and "Time: " in p.stderr and "Consumed capacity: " in p.stderr
    p = ddbc("-e", "\\?")
    assert p.returncode == 0 and "EXPLAIN <statement>" in p.stdout and "\\capacity" in p.stdout
    p = ddbc("-e", "\\q", "-e", "SELECT * FROM no_such_table_here")
    assert p.returncode == 0
    p = ddbc("-e", "\\frob")
    assert p.returncode == 1 and "unknown command \\frob" in p.stderr


def test_limit_and_paging(ddbc, ddb, tname):
    make(ddbc, tname)
    big = "x" * 100_000
    for i in range(14):  # 1.4 MB: a Scan needs two pages
        ddb.put_item(TableName=tname, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "b": {"S": big}})
    p = ddbc("-e", f"SELECT sk FROM {tname}")
    assert p.returncode == 0, p.stderr
    assert [r["sk"] for r in lines(p.stdout)] == list(range(14))
    p = ddbc("-e", f"SELECT sk FROM {tname} WHERE pk = 'p' LIMIT 3")
    assert [r["sk"] for r in lines(p.stdout)] == [0, 1, 2]
    p = ddbc("-o", "table", "-e", f"SELECT sk FROM {tname} LIMIT 0")
    assert p.stdout.endswith("(0 rows)\n")
    p = ddbc("-e", f"DELETE FROM {tname} WHERE pk = 'p' AND sk = 1 LIMIT 2")
    assert p.returncode == 1 and "LIMIT is for SELECT only" in p.stderr


AUTH = """[default]
aws_access_key_id = AKIDDDBC
aws_secret_access_key = ddbc/secret+1
[other]
aws_access_key_id = AKIDOTHER
aws_secret_access_key = other-secret
"""


@pytest.mark.ddbd_only
def test_sigv4_against_ddbd_auth(tmp_path):
    creds = tmp_path / "credentials"
    creds.write_text(AUTH)
    server = Ddbd(extra=["--auth", str(creds)]).start()
    try:
        home = str(tmp_path)
        env = ddbc_env(home, AWS_ACCESS_KEY_ID="AKIDDDBC", AWS_SECRET_ACCESS_KEY="ddbc/secret+1")
        p = run_ddbc(server.endpoint, "-e", "CREATE TABLE authtbl (pk S HASH)",
                     "-e", "INSERT INTO authtbl VALUE {'pk': 'a b/c?=&'}",
                     "-e", "SELECT * FROM authtbl", env=env)
        assert p.returncode == 0, p.stderr
        assert lines(p.stdout) == [{"pk": "a b/c?=&"}]
        # keys from a profile of a credentials file
        env = ddbc_env(home, AWS_SHARED_CREDENTIALS_FILE=str(creds))
        env.pop("AWS_ACCESS_KEY_ID")
        env.pop("AWS_SECRET_ACCESS_KEY")
        p = run_ddbc(server.endpoint, "--profile", "other", "-e", "SELECT * FROM authtbl", env=env)
        assert p.returncode == 0 and lines(p.stdout) == [{"pk": "a b/c?=&"}], p.stderr
        env = ddbc_env(home, AWS_ACCESS_KEY_ID="AKIDDDBC", AWS_SECRET_ACCESS_KEY="wrong")
        p = run_ddbc(server.endpoint, "-e", "SHOW TABLES", env=env)
        assert p.returncode == 1 and "InvalidSignatureException" in p.stderr
        env = ddbc_env(home, AWS_ACCESS_KEY_ID="AKIDNOBODY")
        p = run_ddbc(server.endpoint, "-e", "SHOW TABLES", env=env)
        assert p.returncode == 1 and "UnrecognizedClientException" in p.stderr
    finally:
        server.stop()
        server.cleanup()


@pytest.mark.skipif(shutil.which("aws") is None, reason="needs the AWS CLI")
def test_explain_output_runs_in_the_aws_cli(ddbc, tname, tmp_path, endpoint):
    make(ddbc, tname)
    seed(ddbc, tname)
    p = ddbc("-o", "table", "-e", f"EXPLAIN SELECT * FROM {tname} WHERE pk = 'a' AND sk > 1")
    req = tmp_path / "request.json"
    req.write_text(p.stdout.split("\n", 2)[2])
    env = ddbc_env(str(tmp_path))
    out = subprocess.run(["aws", "dynamodb", "query", "--cli-input-json", f"file://{req}",
                          "--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert [i["sk"]["N"] for i in json.loads(out.stdout)["Items"]] == ["2"]


def test_tail_from_trim_horizon_until_sigint(ddbc, ddb, tname, endpoint, tmp_path):
    make(ddbc, tname, "STREAM NEW_AND_OLD_IMAGES")
    ddb.put_item(TableName=tname, Item={"pk": {"S": "t"}, "sk": {"N": "1"}, "n": {"N": N38}})
    ddb.update_item(TableName=tname, Key={"pk": {"S": "t"}, "sk": {"N": "1"}},
                    UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "x"}})
    proc = subprocess.Popen([DDBC, "--endpoint", endpoint, "-e", f"TAIL {tname} FROM TRIM_HORIZON"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=ddbc_env(str(tmp_path)))
    try:
        got = [json.loads(proc.stdout.readline()) for _ in range(2)]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert [g["event"] for g in got] == ["INSERT", "MODIFY"]
    assert got[0]["keys"] == {"pk": "t", "sk": 1} and got[0]["old"] is None
    assert got[0]["new"]["n"] == int(N38)
    assert got[1]["old"]["n"] == int(N38) and got[1]["new"]["v"] == "x"


def test_connect_and_use(endpoint, tmp_path, tname, ddbc):
    make(ddbc, tname)
    # a dead endpoint first, then \connect to the live one
    p = run_ddbc("http://127.0.0.1:9", "-e", f"\\connect {endpoint}", "-e", f"\\use {tname}",
                 "-e", "\\connect", "-e", "SHOW TABLES", home=str(tmp_path))
    assert p.returncode == 0, p.stderr
    assert f"connected to {endpoint}" in p.stderr and {"table": tname} in lines(p.stdout)
    p = ddbc("-e", "\\use no_such_table_here")
    assert p.returncode == 1 and "ResourceNotFoundException" in p.stderr
