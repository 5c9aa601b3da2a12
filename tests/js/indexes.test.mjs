// indexes.test.mjs: the seed's GSI patterns through the DocumentClient: an
// email-index to find a user by email, and an overloaded GSI1 (GSI1PK/GSI1SK)
// serving several access patterns of a single-table design.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand, DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { setupKeyTable } from "./helpers.mjs";

const gsi = (name, pk, sk) => ({
  IndexName: name, Projection: { ProjectionType: "ALL" },
  KeySchema: [{ AttributeName: pk, KeyType: "HASH" }, ...(sk ? [{ AttributeName: sk, KeyType: "RANGE" }] : [])],
});

let env, doc, table;

before(async () => {
  env = await setupKeyTable("gsi", {
    extraDefs: [{ AttributeName: "email", AttributeType: "S" }, { AttributeName: "GSI1PK", AttributeType: "S" },
      { AttributeName: "GSI1SK", AttributeType: "S" }],
    GlobalSecondaryIndexes: [gsi("email-index", "email"), gsi("GSI1", "GSI1PK", "GSI1SK")],
  });
  table = env.table;
  doc = DynamoDBDocumentClient.from(env.ddb);
  for (let u = 0; u < 4; u++) {
    await doc.send(new PutCommand({
      TableName: table,
      Item: { PK: `USER#${u}`, SK: "PROFILE", email: `user${u}@example.com`, name: `User ${u}`,
        GSI1PK: `ORG#${u % 2}`, GSI1SK: `USER#${u}` },
    }));
    for (let o = 0; o < 3; o++) {
      await doc.send(new PutCommand({
        TableName: table,
        Item: { PK: `USER#${u}`, SK: `ORDER#${o}`, total: o * 10, GSI1PK: `STATUS#${o === 2 ? "open" : "paid"}`,
          GSI1SK: `2024-0${u + 1}-0${o + 1}` },
      }));
    }
  }
});

after(async () => {
  await env.done();
});

test("find a user by email", async () => {
  const out = await doc.send(new QueryCommand({
    TableName: table, IndexName: "email-index", KeyConditionExpression: "email = :e",
    ExpressionAttributeValues: { ":e": "user2@example.com" },
  }));
  assert.equal(out.Count, 1);
  assert.equal(out.Items[0].PK, "USER#2");
  assert.equal(out.Items[0].name, "User 2");
});

test("an email change moves the user in the index", async () => {
  await doc.send(new UpdateCommand({
    TableName: table, Key: { PK: "USER#3", SK: "PROFILE" }, UpdateExpression: "SET email = :e",
    ExpressionAttributeValues: { ":e": "new3@example.com" },
  }));
  const q = (e) => doc.send(new QueryCommand({
    TableName: table, IndexName: "email-index", KeyConditionExpression: "email = :e",
    ExpressionAttributeValues: { ":e": e },
  }));
  assert.equal((await q("user3@example.com")).Count, 0);
  assert.deepEqual((await q("new3@example.com")).Items.map((i) => i.PK), ["USER#3"]);
});

test("overloaded GSI1: users of an org and open orders by date", async () => {
  const users = await doc.send(new QueryCommand({
    TableName: table, IndexName: "GSI1", KeyConditionExpression: "GSI1PK = :pk AND begins_with(GSI1SK, :p)",
    ExpressionAttributeValues: { ":pk": "ORG#1", ":p": "USER#" },
  }));
  assert.deepEqual(users.Items.map((i) => i.PK), ["USER#1", "USER#3"]);
  const open = await doc.send(new QueryCommand({
    TableName: table, IndexName: "GSI1", KeyConditionExpression: "GSI1PK = :pk AND GSI1SK > :d",
    ExpressionAttributeValues: { ":pk": "STATUS#open", ":d": "2024-02" }, ScanIndexForward: false,
  }));
  assert.deepEqual(open.Items.map((i) => i.GSI1SK), ["2024-04-03", "2024-03-03", "2024-02-03"]);
});

test("a deleted item leaves the index; GSIs refuse consistent reads", async () => {
  await doc.send(new DeleteCommand({ TableName: table, Key: { PK: "USER#0", SK: "PROFILE" } }));
  const out = await doc.send(new QueryCommand({
    TableName: table, IndexName: "email-index", KeyConditionExpression: "email = :e",
    ExpressionAttributeValues: { ":e": "user0@example.com" },
  }));
  assert.equal(out.Count, 0);
  await assert.rejects(doc.send(new QueryCommand({
    TableName: table, IndexName: "email-index", KeyConditionExpression: "email = :e",
    ExpressionAttributeValues: { ":e": "user1@example.com" }, ConsistentRead: true,
  })), (err) => err.name === "ValidationException" && /Consistent read/.test(err.message));
});
