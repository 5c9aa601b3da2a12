"""The AWS CLI, unchanged, against the endpoint."""
import json
import os
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("aws") is None, reason="AWS CLI not installed")


def aws(endpoint, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDLOCAL", AWS_SECRET_ACCESS_KEY="secret",
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_EC2_METADATA_DISABLED="true")
    proc = subprocess.run(["aws", "dynamodb", "--endpoint-url", endpoint, "--output", "json", *args],
                          capture_output=True, text=True, env=env, timeout=60)
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None, proc.stderr


def test_cli_roundtrip(endpoint, table_name):
    rc, out, err = aws(endpoint, "create-table", "--table-name", table_name,
                       "--attribute-definitions", "AttributeName=PK,AttributeType=S",
                       "--key-schema", "AttributeName=PK,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
    assert rc == 0, err
    assert out["TableDescription"]["TableName"] == table_name
    try:
        rc, _, err = aws(endpoint, "wait", "table-exists", "--table-name", table_name)
        assert rc == 0, err
        rc, _, err = aws(endpoint, "put-item", "--table-name", table_name,
                         "--item", '{"PK": {"S": "USER#1"}, "age": {"N": "42"}}')
        assert rc == 0, err
        rc, out, err = aws(endpoint, "get-item", "--table-name", table_name, "--key", '{"PK": {"S": "USER#1"}}')
        assert rc == 0, err
        assert out["Item"] == {"PK": {"S": "USER#1"}, "age": {"N": "42"}}
        rc, out, err = aws(endpoint, "describe-table", "--table-name", table_name)
        assert rc == 0, err
        assert out["Table"]["ItemCount"] == 1
        rc, out, err = aws(endpoint, "list-tables")
        assert rc == 0 and table_name in out["TableNames"]
        rc, _, err = aws(endpoint, "delete-item", "--table-name", table_name, "--key", '{"PK": {"S": "USER#1"}}')
        assert rc == 0, err
        rc, out, err = aws(endpoint, "get-item", "--table-name", table_name, "--key", '{"PK": {"S": "USER#1"}}')
        assert rc == 0 and out is None or "Item" not in (out or {})
    finally:
        aws(endpoint, "delete-table", "--table-name", table_name)


def test_cli_error_is_reported(endpoint):
    rc, _, err = aws(endpoint, "describe-table", "--table-name", "no_such_table_here")
    assert rc != 0
    assert "ResourceNotFoundException" in err
