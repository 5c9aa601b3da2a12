// lambda.test.mjs: the JS SDK's LambdaClient managing event-source mappings
// of a ddbd stream, as a serverless project's deploy script would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  LambdaClient, CreateEventSourceMappingCommand, GetEventSourceMappingCommand,
  ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand, DeleteEventSourceMappingCommand,
  paginateListEventSourceMappings,
} from "@aws-sdk/client-lambda";
import { DynamoDBClient, CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { startServer, usingOracle } from "./helpers.mjs";

const opts = { skip: usingOracle && "needs ddbd's Lambda API" };
const creds = { accessKeyId: "AKIDLOCAL", secretAccessKey: "secret" };
let server, lambda, ddb;

before(async () => {
  if (usingOracle) return;
  server = await startServer(["--function", "process-upload=cmd:cat", "--function", "audit=cmd:cat"]);
  const cfg = { endpoint: server.endpoint, region: "us-east-1", maxAttempts: 1, credentials: creds };
  lambda = new LambdaClient(cfg);
  ddb = new DynamoDBClient(cfg);
});

after(async () => {
  if (usingOracle) return;
  lambda.destroy();
  ddb.destroy();
  await server.stop();
});

let n = 0;
async function newStream() {
  const out = await ddb.send(new CreateTableCommand({
    TableName: `js_esm_${process.pid}_${n++}`,
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    BillingMode: "PAY_PER_REQUEST",
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
  }));
  return out.TableDescription.LatestStreamArn;
}

test("create, get, update, delete a mapping", opts, async () => {
  const arn = await newStream();
  const c = await lambda.send(new CreateEventSourceMappingCommand({
    FunctionName: "process-upload", EventSourceArn: arn, StartingPosition: "TRIM_HORIZON",
    BatchSize: 10, BisectBatchOnFunctionError: true, FunctionResponseTypes: ["ReportBatchItemFailures"],
  }));
  assert.equal(c.$metadata.httpStatusCode, 202);
  assert.equal(c.State, "Creating");
  assert.equal(c.StateTransitionReason, "User action");
  assert.equal(c.FunctionArn, "arn:aws:lambda:us-east-1:000000000000:function:process-upload");
  assert.equal(c.EventSourceMappingArn, `arn:aws:lambda:us-east-1:000000000000:event-source-mapping:${c.UUID}`);
  assert.ok(c.LastModified instanceof Date && Math.abs(c.LastModified - Date.now()) < 5000);
  assert.deepEqual(c.DestinationConfig, { OnFailure: {} });
  assert.equal(c.MaximumRetryAttempts, -1);
  assert.equal(c.BisectBatchOnFunctionError, true);

  const g = await lambda.send(new GetEventSourceMappingCommand({ UUID: c.UUID }));
  assert.equal(g.State, "Enabled");
  assert.equal(g.BatchSize, 10);
  assert.deepEqual(g.FunctionResponseTypes, ["ReportBatchItemFailures"]);

  const u = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: c.UUID, Enabled: false, BatchSize: 20 }));
  assert.equal(u.$metadata.httpStatusCode, 202);
  assert.equal(u.State, "Disabling");
  assert.equal(u.BatchSize, 20);

  const d = await lambda.send(new DeleteEventSourceMappingCommand({ UUID: c.UUID }));
  assert.equal(d.$metadata.httpStatusCode, 202);
  assert.equal(d.State, "Deleting");
  await assert.rejects(lambda.send(new GetEventSourceMappingCommand({ UUID: c.UUID })), (e) => {
    assert.equal(e.name, "ResourceNotFoundException");
    assert.equal(e.$metadata.httpStatusCode, 404);
    return true;
  });
});

test("errors arrive as the SDK's exception classes", opts, async () => {
  const arn = await newStream();
  await assert.rejects(lambda.send(new CreateEventSourceMappingCommand({
    FunctionName: "missing", EventSourceArn: arn, StartingPosition: "LATEST",
  })), (e) => {
    assert.equal(e.name, "InvalidParameterValueException");
    assert.equal(e.message, "Function does not exist");
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
  await assert.rejects(lambda.send(new CreateEventSourceMappingCommand({
    FunctionName: "audit", EventSourceArn: arn, StartingPosition: "LATEST", ParallelizationFactor: 11,
  })), (e) => {
    assert.equal(e.name, "ValidationException");
    assert.match(e.message, /Value '11' at 'parallelizationFactor' failed to satisfy constraint/);
    return true;
  });
  await assert.rejects(lambda.send(new CreateEventSourceMappingCommand({
    FunctionName: "audit", EventSourceArn: arn, StartingPosition: "LATEST",
    ScalingConfig: { MaximumConcurrency: 2 },
  })), (e) => {
    assert.equal(e.name, "InvalidParameterValueException");
    assert.equal(e.message, "Unsupported 'scalingConfig' parameter for given event source mapping type.");
    return true;
  });
  const first = await lambda.send(new CreateEventSourceMappingCommand({
    FunctionName: "audit", EventSourceArn: arn, StartingPosition: "LATEST",
  }));
  await assert.rejects(lambda.send(new CreateEventSourceMappingCommand({
    FunctionName: "audit", EventSourceArn: arn, StartingPosition: "LATEST",
  })), (e) => {
    assert.equal(e.name, "ResourceConflictException");
    assert.equal(e.$metadata.httpStatusCode, 409);
    assert.ok(e.message.endsWith(`existing mapping with UUID ${first.UUID}`));
    return true;
  });
  await lambda.send(new DeleteEventSourceMappingCommand({ UUID: first.UUID }));
});

test("list pages with the SDK's paginator and filters", opts, async () => {
  const arn = await newStream();
  const made = [];
  for (const fn of ["audit", "process-upload"]) {
    made.push((await lambda.send(new CreateEventSourceMappingCommand({
      FunctionName: fn, EventSourceArn: arn, StartingPosition: "LATEST",
    }))).UUID);
  }
  const seen = [];
  for await (const page of paginateListEventSourceMappings({ client: lambda, pageSize: 1 }, { EventSourceArn: arn })) {
    assert.ok(page.EventSourceMappings.length <= 1);
    seen.push(...page.EventSourceMappings.map((m) => m.UUID));
  }
  assert.deepEqual(seen.sort(), [...made].sort());
  const audit = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: "audit", EventSourceArn: arn }));
  assert.deepEqual(audit.EventSourceMappings.map((m) => m.UUID), [made[0]]);
  for (const u of made) await lambda.send(new DeleteEventSourceMappingCommand({ UUID: u }));
});
