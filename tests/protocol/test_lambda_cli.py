"""The AWS CLI's lambda event-source-mapping commands, unchanged, against ddbd."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import Ddbd, make_client

pytestmark = [pytest.mark.skipif(shutil.which("aws") is None, reason="AWS CLI not installed"),
              pytest.mark.ddbd_only]


def aws(endpoint, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDLOCAL", AWS_SECRET_ACCESS_KEY="secret",
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_EC2_METADATA_DISABLED="true")
    proc = subprocess.run(["aws", "lambda", "--endpoint-url", endpoint, "--output", "json", *args],
                          capture_output=True, text=True, env=env, timeout=60)
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None, proc.stderr


@pytest.fixture(scope="module")
def server():
    s = Ddbd(extra=["--function", "proc=cmd:cat"]).start()
    yield s
    s.stop()
    s.cleanup()


def test_cli_event_source_mappings(server):
    ddb = make_client(server.endpoint)
    arn = ddb.create_table(
        TableName="cli_esm", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    ep = server.endpoint
    rc, out, err = aws(ep, "create-event-source-mapping", "--function-name", "proc",
                       "--event-source-arn", arn, "--starting-position", "LATEST", "--batch-size", "100",
                       "--filter-criteria", '{"Filters":[{"Pattern":"{\\"eventName\\":[\\"INSERT\\"]}"}]}')
    assert rc == 0, err
    uuid = out["UUID"]
    assert out["State"] == "Creating" and out["BatchSize"] == 100
    assert out["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:proc"
    assert out["EventSourceMappingArn"].endswith(":event-source-mapping:" + uuid)
    rc, out, err = aws(ep, "get-event-source-mapping", "--uuid", uuid)
    assert rc == 0, err
    assert out["State"] == "Enabled" and out["StartingPosition"] == "LATEST"
    rc, out, err = aws(ep, "list-event-source-mappings", "--event-source-arn", arn)
    assert rc == 0, err
    assert [m["UUID"] for m in out["EventSourceMappings"]] == [uuid]
    rc, out, err = aws(ep, "list-event-source-mappings", "--function-name", "proc")
    assert rc == 0 and [m["UUID"] for m in out["EventSourceMappings"]] == [uuid], err
    rc, out, err = aws(ep, "update-event-source-mapping", "--uuid", uuid, "--no-enabled",
                       "--maximum-retry-attempts", "2")
    assert rc == 0, err
    assert out["State"] == "Disabling" and out["MaximumRetryAttempts"] == 2
    rc, out, err = aws(ep, "create-event-source-mapping", "--function-name", "proc",
                       "--event-source-arn", arn, "--starting-position", "LATEST")
    assert rc != 0 and "ResourceConflictException" in err and uuid in err
    rc, out, err = aws(ep, "create-event-source-mapping", "--function-name", "nope",
                       "--event-source-arn", arn, "--starting-position", "LATEST")
    assert rc != 0 and "InvalidParameterValueException" in err and "Function does not exist" in err
    rc, out, err = aws(ep, "delete-event-source-mapping", "--uuid", uuid)
    assert rc == 0, err
    assert out["State"] == "Deleting"
    rc, out, err = aws(ep, "get-event-source-mapping", "--uuid", uuid)
    assert rc != 0 and "ResourceNotFoundException" in err
