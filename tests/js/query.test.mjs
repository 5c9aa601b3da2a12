// query.test.mjs: Query and Scan through the JS SDK's paginators and the
// DocumentClient, as a single-table app runs them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { paginateQuery, paginateScan } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand, paginateQuery as docPaginateQuery } from "@aws-sdk/lib-dynamodb";
import { setupKeyTable } from "./helpers.mjs";

let env, ddb, doc, table;

before(async () => {
  env = await setupKeyTable("query");
  ({ ddb, table } = env);
  doc = DynamoDBDocumentClient.from(ddb);
  for (let u = 0; u < 3; u++) {
    await doc.send(new PutCommand({ TableName: table, Item: { PK: `USER#${u}`, SK: "PROFILE", name: `user ${u}` } }));
    for (let d = 1; d <= 12; d++) {
      const date = `2024-${String(d).padStart(2, "0")}-01`;
      await doc.send(new PutCommand({ TableName: table, Item: { PK: `USER#${u}`, SK: `ORDER#${date}`, total: d * 5 } }));
    }
  }
});

after(async () => {
  await env.done();
});

test("begins_with query with the DocumentClient, newest first", async () => {
  const out = await doc.send(new QueryCommand({
    TableName: table, KeyConditionExpression: "PK = :pk AND begins_with(SK, :p)",
    ExpressionAttributeValues: { ":pk": "USER#1", ":p": "ORDER#" }, ScanIndexForward: false, Limit: 3,
  }));
  assert.deepEqual(out.Items.map((i) => i.SK), ["ORDER#2024-12-01", "ORDER#2024-11-01", "ORDER#2024-10-01"]);
  assert.deepEqual(out.LastEvaluatedKey, { PK: "USER#1", SK: "ORDER#2024-10-01" });
});

test("paginateQuery walks every page exactly once", async () => {
  const seen = [];
  for await (const page of docPaginateQuery({ client: doc, pageSize: 5 }, {
    TableName: table, KeyConditionExpression: "PK = :pk", ExpressionAttributeValues: { ":pk": "USER#2" },
  })) {
    assert.ok(page.Items.length <= 5);
    seen.push(...page.Items.map((i) => i.SK));
  }
  assert.equal(seen.length, 13);
  assert.equal(new Set(seen).size, 13);
  assert.deepEqual(seen, [...seen].sort());
});

test("low-level paginateQuery and paginateScan", async () => {
  let count = 0;
  for await (const page of paginateQuery({ client: ddb, pageSize: 4 }, {
    TableName: table, KeyConditionExpression: "PK = :pk AND SK BETWEEN :a AND :b",
    ExpressionAttributeValues: { ":pk": { S: "USER#0" }, ":a": { S: "ORDER#2024-03" }, ":b": { S: "ORDER#2024-06~" } },
  })) count += page.Count;
  assert.equal(count, 4);
  let scanned = 0;
  for await (const page of paginateScan({ client: ddb, pageSize: 7 }, { TableName: table })) scanned += page.Count;
  assert.equal(scanned, 39);
});

test("filtered scan counts before and after the filter", async () => {
  const out = await doc.send(new ScanCommand({ TableName: table, FilterExpression: "#t > :min",
    ExpressionAttributeNames: { "#t": "total" }, ExpressionAttributeValues: { ":min": 50 } }));
  assert.equal(out.ScannedCount, 39);
  assert.equal(out.Count, 6);
});
