// idempotency.test.mjs: TransactWriteItems' ClientRequestToken through the
// SDK v3 client, the way a payment handler retries: copies of one request
// sent at once apply once, a replay answers with read capacity and changes
// nothing, and the token with another request is refused.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  TransactWriteItemsCommand, GetItemCommand, IdempotentParameterMismatchException,
} from "@aws-sdk/client-dynamodb";
import { setupKeyTable, usingOracle } from "./helpers.mjs";

let env, ddb, table;

before(async () => {
  env = await setupKeyTable("idem");
  ({ ddb, table } = env);
});

after(async () => {
  await env.done();
});

const add = (pk, by = 1) => ({ Update: {
  TableName: table, Key: { PK: { S: pk }, SK: { S: "N" } }, UpdateExpression: "ADD n :d",
  ExpressionAttributeValues: { ":d": { N: String(by) } } } });

async function counter(pk) {
  const { Item } = await ddb.send(new GetItemCommand({ TableName: table, ConsistentRead: true,
    Key: { PK: { S: pk }, SK: { S: "N" } } }));
  return Item ? Number(Item.n.N) : 0;
}

test("copies of one transfer sent at once apply once", { skip: usingOracle }, async () => {
  // 100 actions, so the copies spend long enough in the server to overlap
  const transfer = [add("money"), ...Array.from({ length: 99 }, (_, k) => add(`leg${k}`))];
  for (let round = 1; round <= 100; round++) {
    const send = () => ddb.send(new TransactWriteItemsCommand({
      TransactItems: transfer, ClientRequestToken: `js-round-${round}` }));
    await Promise.all(Array.from({ length: 16 }, send));
    assert.equal(await counter("money"), round, `round ${round}: applied more than once`);
  }
});

test("a replay reports read capacity and changes nothing", { skip: usingOracle }, async () => {
  const req = { TransactItems: [add("replayed", 5)], ClientRequestToken: "js-replay",
    ReturnConsumedCapacity: "TOTAL" };
  const first = await ddb.send(new TransactWriteItemsCommand(req));
  // transactions name their units, as DynamoDB does
  assert.deepEqual(first.ConsumedCapacity,
    [{ TableName: table, CapacityUnits: 2, WriteCapacityUnits: 2 }]);
  const again = await ddb.send(new TransactWriteItemsCommand(req));
  assert.deepEqual(again.ConsumedCapacity,
    [{ TableName: table, CapacityUnits: 1, ReadCapacityUnits: 1 }]);
  assert.equal(await counter("replayed"), 5);
  await assert.rejects(
    ddb.send(new TransactWriteItemsCommand({ ...req, TransactItems: [add("replayed", 6)] })),
    (err) => err instanceof IdempotentParameterMismatchException);
  assert.equal(await counter("replayed"), 5);
});
