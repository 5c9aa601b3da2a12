// encoding.test.mjs: the AWS SDK for JavaScript v3 with compression added
// around it, against ddbd: a build-step middleware gzips every request body
// (before it is signed) and asks for compressed answers; a request handler
// wrapped around the SDK's checks x-amz-crc32 over the raw bytes received
// and inflates them before the SDK parses them. Plus a browser-style CORS
// preflight.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import zlib from "node:zlib";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  DynamoDBClient, CreateTableCommand, DeleteTableCommand, PutItemCommand, GetItemCommand,
  ScanCommand, ListTablesCommand,
} from "@aws-sdk/client-dynamodb";
import { startServer, uniqueName, usingOracle } from "./helpers.mjs";

let server, ddb, table;
const seen = []; // the Content-Encoding of each response, as received

/** A request handler that reads the whole raw response, checks its CRC32 as
 * DynamoDB clients do, and hands the SDK the inflated body. */
class InflatingHandler {
  constructor() { this.inner = new NodeHttpHandler(); }
  async handle(request, options) {
    const { response } = await this.inner.handle(request, options);
    const chunks = [];
    for await (const c of response.body) chunks.push(c);
    const raw = Buffer.concat(chunks);
    const crc = response.headers["x-amz-crc32"];
    if (crc !== undefined) assert.equal(Number(crc), zlib.crc32(raw), "x-amz-crc32 of the bytes sent");
    assert.equal(Number(response.headers["content-length"]), raw.length);
    const enc = response.headers["content-encoding"];
    seen.push(enc);
    const body = enc === "gzip" ? zlib.gunzipSync(raw) : enc === "deflate" ? zlib.inflateSync(raw) : raw;
    response.body = Readable.from([body]);
    delete response.headers["content-encoding"];
    response.headers["content-length"] = String(body.length);
    return { response };
  }
  updateHttpClientConfig() {}
  httpHandlerConfigs() { return {}; }
  destroy() { this.inner.destroy(); }
}

function compressingClient(endpoint, accept = "gzip") {
  const c = new DynamoDBClient({
    endpoint, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "secret" },
    requestHandler: new InflatingHandler(),
  });
  c.middlewareStack.add((next) => async (args) => {
    const req = args.request;
    if (req.body !== undefined) {
      req.body = zlib.gzipSync(Buffer.from(req.body));
      req.headers["content-encoding"] = "gzip";
      req.headers["content-length"] = String(req.body.length);
    }
    req.headers["accept-encoding"] = accept;
    return next(args);
  }, { step: "build", name: "gzipRequests", priority: "low" });
  return c;
}

before(async () => {
  server = await startServer();
  ddb = compressingClient(server.endpoint);
  table = uniqueName("enc");
  await ddb.send(new CreateTableCommand({
    TableName: table, BillingMode: "PAY_PER_REQUEST",
    KeySchema: [{ AttributeName: "PK", KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: "PK", AttributeType: "S" }],
  }));
});

after(async () => {
  await ddb.send(new DeleteTableCommand({ TableName: table }));
  ddb.destroy();
  await server.stop();
});

test("gzipped requests are understood and large answers come back gzipped", { skip: usingOracle }, async () => {
  for (let i = 0; i < 20; i++) {
    await ddb.send(new PutItemCommand({ TableName: table, Item: { PK: { S: `k${i}` }, v: { S: "x".repeat(300) } } }));
  }
  const got = await ddb.send(new GetItemCommand({ TableName: table, Key: { PK: { S: "k3" } } }));
  assert.equal(got.Item.v.S, "x".repeat(300));
  seen.length = 0;
  const scan = await ddb.send(new ScanCommand({ TableName: table }));
  assert.equal(scan.Count, 20);
  assert.deepEqual(seen, ["gzip"]);
});

test("deflate is used when gzip is refused, nothing when both are", { skip: usingOracle }, async () => {
  const d = compressingClient(server.endpoint, "gzip;q=0, deflate");
  seen.length = 0;
  assert.equal((await d.send(new ScanCommand({ TableName: table }))).Count, 20);
  assert.deepEqual(seen, ["deflate"]);
  d.destroy();
  const n = compressingClient(server.endpoint, "gzip;q=0");
  seen.length = 0;
  assert.equal((await n.send(new ScanCommand({ TableName: table }))).Count, 20);
  assert.deepEqual(seen, [undefined]);
  const tables = await n.send(new ListTablesCommand({}));
  assert.ok(tables.TableNames.includes(table));
  n.destroy();
});

test("a browser's CORS preflight and the CORS headers of the answer", { skip: usingOracle }, async () => {
  const pre = await fetch(`${server.endpoint}/`, {
    method: "OPTIONS",
    headers: { Origin: "http://localhost:5173", "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-date,authorization" },
  });
  assert.equal(pre.status, 200);
  assert.equal(pre.headers.get("access-control-allow-origin"), "http://localhost:5173");
  assert.match(pre.headers.get("access-control-allow-methods"), /POST/);
  assert.equal(pre.headers.get("access-control-allow-headers"), "content-type,x-amz-target,x-amz-date,authorization");
  const r = await fetch(`${server.endpoint}/`, {
    method: "POST", body: "{}",
    headers: { Origin: "http://localhost:5173", "Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": "DynamoDB_20120810.ListTables" },
  });
  assert.equal(r.headers.get("access-control-allow-origin"), "http://localhost:5173");
  assert.match(r.headers.get("access-control-expose-headers"), /x-amz-crc32/);
});
