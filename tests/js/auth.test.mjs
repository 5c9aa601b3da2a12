// auth.test.mjs: ddbd --auth FILE with the AWS SDK for JavaScript v3: DynamoDBClient's
// signatures (which cover amz-sdk-invocation-id and amz-sdk-request as well) verify with the
// right secret; a wrong secret or an unknown key get AWS's exceptions and messages.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DynamoDBClient, ListTablesCommand, CreateTableCommand, PutItemCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { startServer, usingOracle } from "./helpers.mjs";

const MISMATCH = "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

let server, dir;

function clientWith(accessKeyId, secretAccessKey) {
  return new DynamoDBClient({
    endpoint: server.endpoint, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId, secretAccessKey },
  });
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "ddbd-auth-js-"));
  const file = path.join(dir, "credentials");
  writeFileSync(file, "[default]\naws_access_key_id = AKIDJS\naws_secret_access_key = js/secret+1\n");
  server = await startServer(["--auth", file]);
});

after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the right secret is accepted", { skip: usingOracle }, async () => {
  const ddb = clientWith("AKIDJS", "js/secret+1");
  await ddb.send(new CreateTableCommand({
    TableName: "auth_js", BillingMode: "PAY_PER_REQUEST",
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
  }));
  await ddb.send(new PutItemCommand({ TableName: "auth_js", Item: { pk: { S: "ü ?&=" }, v: { N: "1" } } }));
  const got = await ddb.send(new GetItemCommand({ TableName: "auth_js", Key: { pk: { S: "ü ?&=" } } }));
  assert.equal(got.Item.v.N, "1");
  ddb.destroy();
});

test("a wrong secret is InvalidSignatureException", { skip: usingOracle }, async () => {
  const ddb = clientWith("AKIDJS", "not-the-secret");
  await assert.rejects(ddb.send(new ListTablesCommand({})), (e) => {
    assert.equal(e.name, "InvalidSignatureException");
    assert.equal(e.message, MISMATCH);
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
  ddb.destroy();
});

test("an unknown access key is UnrecognizedClientException", { skip: usingOracle }, async () => {
  const ddb = clientWith("AKIDNOBODY", "js/secret+1");
  await assert.rejects(ddb.send(new ListTablesCommand({})), (e) => {
    assert.equal(e.name, "UnrecognizedClientException");
    assert.equal(e.message, "The security token included in the request is invalid.");
    return true;
  });
  ddb.destroy();
});
