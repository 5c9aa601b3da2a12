// expressions.test.mjs: conditional writes and updates through the
// DocumentClient, the way single-table code uses them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, UpdateCommand, GetCommand, DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { setupKeyTable } from "./helpers.mjs";

let env, ddb, doc, table;

before(async () => {
  env = await setupKeyTable("expr");
  ({ ddb, table } = env);
  doc = DynamoDBDocumentClient.from(ddb);
});

after(async () => {
  await env.done();
});

const key = { PK: "USER#1", SK: "PROFILE" };

test("create once with attribute_not_exists", async () => {
  await doc.send(new PutCommand({ TableName: table, Item: { ...key, email: "a@x.io", visits: 0 },
    ConditionExpression: "attribute_not_exists(PK)" }));
  await assert.rejects(
    doc.send(new PutCommand({ TableName: table, Item: { ...key, email: "b@x.io" }, ConditionExpression: "attribute_not_exists(PK)" })),
    (err) => err instanceof ConditionalCheckFailedException && err.message === "The conditional request failed",
  );
  const { Item } = await doc.send(new GetCommand({ TableName: table, Key: key }));
  assert.equal(Item.email, "a@x.io");
});

test("UpdateCommand: counters, if_not_exists, list_append, sets, ReturnValues", async () => {
  const r1 = await doc.send(new UpdateCommand({
    TableName: table, Key: key,
    UpdateExpression: "SET #v = #v + :one, tags = list_append(if_not_exists(tags, :empty), :t) ADD #ro :r",
    ExpressionAttributeNames: { "#v": "visits", "#ro": "roles" },
    ExpressionAttributeValues: { ":one": 1, ":empty": [], ":t": ["new"], ":r": new Set(["admin"]) },
    ReturnValues: "ALL_NEW",
  }));
  assert.equal(r1.Attributes.visits, 1);
  assert.deepEqual(r1.Attributes.tags, ["new"]);
  assert.deepEqual(r1.Attributes.roles, new Set(["admin"]));
  const r2 = await doc.send(new UpdateCommand({
    TableName: table, Key: key, UpdateExpression: "REMOVE tags SET lastSeen = :now",
    ConditionExpression: "visits = :one", ExpressionAttributeValues: { ":one": 1, ":now": 1700000000 },
    ReturnValues: "UPDATED_OLD",
  }));
  assert.deepEqual(r2.Attributes, { tags: ["new"] });
  await assert.rejects(
    doc.send(new UpdateCommand({ TableName: table, Key: key, UpdateExpression: "SET PK = :x", ExpressionAttributeValues: { ":x": "y" } })),
    (err) => err.name === "ValidationException" && /part of the key/.test(err.message),
  );
});

test("64 concurrent ADDs end at exactly 64", async () => {
  const counter = { PK: "COUNTER", SK: "hits" };
  await Promise.all(Array.from({ length: 64 }, () => doc.send(new UpdateCommand({
    TableName: table, Key: counter, UpdateExpression: "ADD hits :one", ExpressionAttributeValues: { ":one": 1 },
  }))));
  const { Item } = await doc.send(new GetCommand({ TableName: table, Key: counter, ConsistentRead: true }));
  assert.equal(Item.hits, 64);
});

test("conditional delete", async () => {
  await assert.rejects(doc.send(new DeleteCommand({ TableName: table, Key: key, ConditionExpression: "visits > :n",
    ExpressionAttributeValues: { ":n": 5 } })), (err) => err.name === "ConditionalCheckFailedException");
  await doc.send(new DeleteCommand({ TableName: table, Key: key, ConditionExpression: "attribute_exists(email)" }));
  const { Item } = await doc.send(new GetCommand({ TableName: table, Key: key }));
  assert.equal(Item, undefined);
});
