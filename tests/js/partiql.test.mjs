// partiql.test.mjs: PartiQL from the JS SDK: ExecuteStatementCommand with
// typed parameters, the DocumentClient's with plain values and NextToken
// paging, BatchExecuteStatement and ExecuteTransaction.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  ExecuteStatementCommand as RawExecute, DuplicateItemException, TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient, ExecuteStatementCommand, BatchExecuteStatementCommand, ExecuteTransactionCommand,
} from "@aws-sdk/lib-dynamodb";
import { setupKeyTable } from "./helpers.mjs";

let env, ddb, doc, table;

before(async () => {
  env = await setupKeyTable("partiql");
  ({ ddb, table } = env);
  doc = DynamoDBDocumentClient.from(ddb);
});

after(async () => {
  await env.done();
});

test("INSERT with typed parameters, then a duplicate", async () => {
  const stmt = `INSERT INTO "${table}" VALUE {'PK': ?, 'SK': ?, 'n': ?}`;
  const Parameters = [{ S: "USER#1" }, { S: "PROFILE" }, { N: "7" }];
  const out = await ddb.send(new RawExecute({ Statement: stmt, Parameters }));
  assert.deepEqual(out.Items, []);
  await assert.rejects(ddb.send(new RawExecute({ Statement: stmt, Parameters })), (e) => {
    // DynamoDB documents DuplicateItemException; DynamoDB Local's __type is "DuplicateItem"
    assert.ok(e instanceof DuplicateItemException);
    assert.equal(e.message, "Duplicate primary key exists in table");
    return true;
  });
});

test("DocumentClient: plain parameters, begins_with, paging with Limit and NextToken", async () => {
  for (let i = 0; i < 5; i++) {
    await doc.send(new ExecuteStatementCommand({
      Statement: `INSERT INTO "${table}" VALUE {'PK': ?, 'SK': ?, 'i': ?}`,
      Parameters: ["USER#2", `ORDER#${i}`, i] }));
  }
  // DynamoDB Local fails ORDER BY DESC beside a sort-key condition with an
  // InternalFailure; DynamoDB documents it for any Query
  const Statement = `SELECT i FROM "${table}" WHERE PK = ? AND begins_with(SK, ?) ORDER BY SK DESC`;
  const seen = [];
  let NextToken;
  do {
    const out = await doc.send(new ExecuteStatementCommand({ Statement, Parameters: ["USER#2", "ORDER#"], Limit: 2, NextToken }));
    seen.push(...out.Items.map((x) => x.i));
    NextToken = out.NextToken;
  } while (NextToken);
  assert.deepEqual(seen, [4, 3, 2, 1, 0]);
});

test("UPDATE with RETURNING through the DocumentClient", async () => {
  const out = await doc.send(new ExecuteStatementCommand({
    Statement: `UPDATE "${table}" SET n = n + 1 WHERE PK = 'USER#1' AND SK = 'PROFILE' RETURNING ALL NEW *` }));
  assert.deepEqual(out.Items, [{ PK: "USER#1", SK: "PROFILE", n: 8 }]);
});

test("BatchExecuteStatement: per-statement answers", async () => {
  const out = await doc.send(new BatchExecuteStatementCommand({ Statements: [
    { Statement: `SELECT n FROM "${table}" WHERE PK = ? AND SK = ?`, Parameters: ["USER#1", "PROFILE"] },
    { Statement: `SELECT * FROM "${table}" WHERE PK = 'USER#1'` },
  ] }));
  assert.deepEqual(out.Responses[0], { TableName: table, Item: { n: 8 } });
  assert.equal(out.Responses[1].Error.Code, "ValidationError");
});

test("ExecuteTransaction: all or nothing", async () => {
  await assert.rejects(doc.send(new ExecuteTransactionCommand({ TransactStatements: [
    { Statement: `INSERT INTO "${table}" VALUE {'PK': 'USER#3', 'SK': 'PROFILE'}` },
    { Statement: `UPDATE "${table}" SET n = 0 WHERE PK = 'USER#1' AND SK = 'PROFILE' AND n = 99` },
  ] })), (e) => {
    assert.ok(e instanceof TransactionCanceledException);
    assert.deepEqual(e.CancellationReasons.map((r) => r.Code), ["None", "ConditionalCheckFailed"]);
    return true;
  });
  const got = await doc.send(new ExecuteStatementCommand({
    Statement: `SELECT * FROM "${table}" WHERE PK = 'USER#3' AND SK = 'PROFILE'` }));
  assert.deepEqual(got.Items, []);
  await doc.send(new ExecuteTransactionCommand({ ClientRequestToken: "js-partiql-1", TransactStatements: [
    { Statement: `INSERT INTO "${table}" VALUE {'PK': 'USER#3', 'SK': 'PROFILE'}` },
    { Statement: `UPDATE "${table}" SET n = 0 WHERE PK = 'USER#1' AND SK = 'PROFILE'` },
  ] }));
  const read = await doc.send(new ExecuteTransactionCommand({ TransactStatements: [
    { Statement: `SELECT n FROM "${table}" WHERE PK = 'USER#1' AND SK = 'PROFILE'` },
    { Statement: `SELECT * FROM "${table}" WHERE PK = 'USER#3' AND SK = 'PROFILE'` },
  ] }));
  assert.deepEqual(read.Responses.map((r) => r.Item), [{ n: 0 }, { PK: "USER#3", SK: "PROFILE" }]);
});
