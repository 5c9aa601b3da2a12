// batch.test.mjs: batches and transactions through the DocumentClient, the
// way serverless code writes in 25s and claims unique emails.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, BatchWriteCommand, BatchGetCommand, TransactWriteCommand, TransactGetCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import { setupKeyTable } from "./helpers.mjs";

let env, ddb, doc, table;

before(async () => {
  env = await setupKeyTable("batch");
  ({ ddb, table } = env);
  doc = DynamoDBDocumentClient.from(ddb);
});

after(async () => {
  await env.done();
});

test("BatchWriteCommand in 25s, then BatchGetCommand", async () => {
  const items = Array.from({ length: 60 }, (_, i) => ({ PK: `ITEM#${i}`, SK: "META", n: i }));
  for (let i = 0; i < items.length; i += 25) {
    const out = await doc.send(new BatchWriteCommand({ RequestItems: {
      [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    assert.deepEqual(out.UnprocessedItems, {});
  }
  const out = await doc.send(new BatchGetCommand({ RequestItems: {
    [table]: { Keys: [0, 17, 59, 99].map((i) => ({ PK: `ITEM#${i}`, SK: "META" })) } } }));
  assert.deepEqual(out.Responses[table].map((i) => i.n).sort((a, b) => a - b), [0, 17, 59]);
  assert.deepEqual(out.UnprocessedKeys, {});
});

test("TransactWriteCommand claims a unique email once", async () => {
  const create = (id, email) => doc.send(new TransactWriteCommand({ TransactItems: [
    { Put: { TableName: table, Item: { PK: `USER#${id}`, SK: "PROFILE", email }, ConditionExpression: "attribute_not_exists(PK)" } },
    { Put: { TableName: table, Item: { PK: `EMAIL#${email}`, SK: "EMAIL", userId: id }, ConditionExpression: "attribute_not_exists(PK)" } },
  ] }));
  await create("u1", "ada@example.com");
  await assert.rejects(create("u2", "ada@example.com"), (err) => {
    assert.ok(err instanceof TransactionCanceledException);
    assert.deepEqual(err.CancellationReasons.map((r) => r.Code), ["None", "ConditionalCheckFailed"]);
    return true;
  });
  const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { PK: "USER#u2", SK: "PROFILE" } }));
  assert.equal(Item, undefined);
  const got = await doc.send(new TransactGetCommand({ TransactItems: [
    { Get: { TableName: table, Key: { PK: "USER#u1", SK: "PROFILE" } } },
    { Get: { TableName: table, Key: { PK: "EMAIL#ada@example.com", SK: "EMAIL" } } },
  ] }));
  assert.equal(got.Responses[0].Item.email, "ada@example.com");
  assert.equal(got.Responses[1].Item.userId, "u1");
});
