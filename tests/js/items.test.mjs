// items.test.mjs: the AWS SDK for JavaScript v3, unchanged, against ddbd:
// DynamoDBClient control plane and items, DynamoDBDocumentClient with plain
// JS values, error classes and waiters.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateTableCommand, DescribeTableCommand, DeleteTableCommand, ListTablesCommand,
  PutItemCommand, GetItemCommand, DeleteItemCommand, ResourceNotFoundException,
  waitUntilTableExists, paginateListTables,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, GetCommand, DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { startServer, client, uniqueName } from "./helpers.mjs";

let server, ddb, doc;
const tables = [];

async function makeTable(rangeKey) {
  const name = uniqueName();
  const KeySchema = [{ AttributeName: "PK", KeyType: "HASH" }];
  const AttributeDefinitions = [{ AttributeName: "PK", AttributeType: "S" }];
  if (rangeKey) {
    KeySchema.push({ AttributeName: "SK", KeyType: "RANGE" });
    AttributeDefinitions.push({ AttributeName: "SK", AttributeType: rangeKey });
  }
  await ddb.send(new CreateTableCommand({ TableName: name, KeySchema, AttributeDefinitions, BillingMode: "PAY_PER_REQUEST" }));
  tables.push(name);
  return name;
}

before(async () => {
  server = await startServer();
  ddb = client(server.endpoint);
  doc = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
});

after(async () => {
  for (const t of tables) {
    try { await ddb.send(new DeleteTableCommand({ TableName: t })); } catch { /* already gone */ }
  }
  ddb.destroy();
  await server.stop();
});

test("create, wait, describe and list a table", async () => {
  const name = await makeTable("S");
  await waitUntilTableExists({ client: ddb, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: name });
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: name }));
  assert.equal(Table.TableStatus, "ACTIVE");
  assert.deepEqual(Table.KeySchema, [{ AttributeName: "PK", KeyType: "HASH" }, { AttributeName: "SK", KeyType: "RANGE" }]);
  assert.ok(Table.CreationDateTime instanceof Date);
  assert.match(Table.TableArn, new RegExp(`:table/${name}$`));
  const { TableNames } = await ddb.send(new ListTablesCommand({}));
  assert.ok(TableNames.includes(name));
  const paged = [];
  for await (const page of paginateListTables({ client: ddb, pageSize: 1 }, {})) paged.push(...page.TableNames);
  assert.ok(paged.includes(name));
});

test("low-level client: every attribute type round-trips", async () => {
  const name = await makeTable();
  const Item = {
    PK: { S: "USER#1" }, s: { S: "héllo ✓" }, n: { N: "1.50" }, b: { B: new Uint8Array([0, 1, 255]) },
    ss: { SS: ["a", "b"] }, ns: { NS: ["1", "2"] }, bs: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
    m: { M: { deep: { L: [{ S: "x" }, { NULL: true }] } } }, l: { L: [{ BOOL: false }] }, t: { BOOL: true }, z: { NULL: true },
  };
  await ddb.send(new PutItemCommand({ TableName: name, Item }));
  const { Item: got } = await ddb.send(new GetItemCommand({ TableName: name, Key: { PK: { S: "USER#1" } }, ConsistentRead: true }));
  assert.equal(got.n.N, "1.5");
  assert.deepEqual(got.b.B, new Uint8Array([0, 1, 255]));
  assert.deepEqual([...got.ss.SS].sort(), ["a", "b"]);
  assert.deepEqual(got.bs.BS.map((x) => x[0]).sort(), [1, 2]);
  assert.deepEqual(got.m, Item.m);
  assert.equal(got.s.S, "héllo ✓");
  const del = await ddb.send(new DeleteItemCommand({ TableName: name, Key: { PK: { S: "USER#1" } }, ReturnValues: "ALL_OLD" }));
  assert.equal(del.Attributes.PK.S, "USER#1");
  const after = await ddb.send(new GetItemCommand({ TableName: name, Key: { PK: { S: "USER#1" } } }));
  assert.equal(after.Item, undefined);
});

test("DocumentClient: plain JS objects, numbers, sets, nesting", async () => {
  const name = await makeTable("S");
  const item = {
    PK: "USER#42", SK: "PROFILE", name: "Ada", age: 36, score: 99.5, admin: true, nothing: null,
    tags: new Set(["x", "y"]), address: { city: "London", lines: ["1 Main St", "Flat 2"] }, empty: "",
  };
  await doc.send(new PutCommand({ TableName: name, Item: item }));
  const { Item } = await doc.send(new GetCommand({ TableName: name, Key: { PK: "USER#42", SK: "PROFILE" } }));
  assert.equal(Item.age, 36);
  assert.equal(Item.score, 99.5);
  assert.equal(Item.admin, true);
  assert.equal(Item.nothing, null);
  assert.deepEqual(Item.tags, new Set(["x", "y"]));
  assert.deepEqual(Item.address, item.address);
  assert.equal(Item.empty, "");
  const old = await doc.send(new PutCommand({ TableName: name, Item: { PK: "USER#42", SK: "PROFILE", name: "Grace" }, ReturnValues: "ALL_OLD" }));
  assert.equal(old.Attributes.name, "Ada");
  await doc.send(new DeleteCommand({ TableName: name, Key: { PK: "USER#42", SK: "PROFILE" } }));
  const gone = await doc.send(new GetCommand({ TableName: name, Key: { PK: "USER#42", SK: "PROFILE" } }));
  assert.equal(gone.Item, undefined);
});

test("errors surface as the SDK's exception classes", async () => {
  await assert.rejects(
    ddb.send(new DescribeTableCommand({ TableName: "no_such_table_here" })),
    (err) => err instanceof ResourceNotFoundException && err.name === "ResourceNotFoundException" && err.$metadata.httpStatusCode === 400,
  );
  const name = await makeTable();
  await assert.rejects(
    ddb.send(new PutItemCommand({ TableName: name, Item: { PK: { N: "1" } } })),
    (err) => err.name === "ValidationException",
  );
  await assert.rejects(
    doc.send(new PutCommand({ TableName: name, Item: { PK: "a", s: new Set() } })),
    (err) => err.name === "ValidationException" || /empty/i.test(err.message),
  );
});
