// streams.test.mjs: a seed-style table's changes read back with the JS SDK's
// DynamoDBStreamsClient, the way a consumer (or a Lambda poller) reads them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  DynamoDBStreamsClient, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { DynamoDBDocumentClient, PutCommand, UpdateCommand, DeleteCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { setupKeyTable } from "./helpers.mjs";

let env, doc, streams, table;

before(async () => {
  env = await setupKeyTable("streams", {
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
  });
  table = env.table;
  doc = DynamoDBDocumentClient.from(env.ddb);
  streams = new DynamoDBStreamsClient({
    endpoint: env.server.endpoint, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "secret" },
  });
});

after(async () => {
  streams.destroy();
  await env.done();
});

async function readAll(arn) {
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  const out = [];
  for (const shard of StreamDescription.Shards) {
    let { ShardIterator: it } = await streams.send(new GetShardIteratorCommand({
      StreamArn: arn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON",
    }));
    while (it) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: it, Limit: 2 }));
      out.push(...page.Records);
      if (page.Records.length === 0) break;
      it = page.NextShardIterator;
    }
  }
  return out;
}

test("a user's sign-up, update and deletion come back in order with images", async () => {
  await doc.send(new TransactWriteCommand({ TransactItems: [
    { Put: { TableName: table, Item: { PK: "USER#1", SK: "PROFILE", email: "a@x.com" } } },
    { Put: { TableName: table, Item: { PK: "EMAIL#a@x.com", SK: "EMAIL" } } },
  ] }));
  await doc.send(new UpdateCommand({
    TableName: table, Key: { PK: "USER#1", SK: "PROFILE" }, UpdateExpression: "SET visits = :one",
    ExpressionAttributeValues: { ":one": 1 },
  }));
  await doc.send(new PutCommand({ TableName: table, Item: { PK: "USER#1", SK: "ORDER#1", total: 30 } }));
  await doc.send(new DeleteCommand({ TableName: table, Key: { PK: "USER#1", SK: "ORDER#1" } }));

  const { Streams } = await streams.send(new ListStreamsCommand({ TableName: table }));
  assert.equal(Streams.length, 1);
  const records = await readAll(Streams[0].StreamArn);
  assert.deepEqual(records.map((r) => [r.eventName, r.dynamodb.Keys.PK.S, r.dynamodb.Keys.SK.S]), [
    ["INSERT", "USER#1", "PROFILE"],
    ["INSERT", "EMAIL#a@x.com", "EMAIL"],
    ["MODIFY", "USER#1", "PROFILE"],
    ["INSERT", "USER#1", "ORDER#1"],
    ["REMOVE", "USER#1", "ORDER#1"],
  ]);
  const modify = records[2].dynamodb;
  assert.equal(modify.OldImage.visits, undefined);
  assert.deepEqual(modify.NewImage.visits, { N: "1" });
  assert.ok(modify.ApproximateCreationDateTime instanceof Date);
  const seqs = records.map((r) => BigInt(r.dynamodb.SequenceNumber));
  assert.deepEqual([...seqs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), seqs);
});
