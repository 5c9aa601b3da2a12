// helpers.mjs: the endpoint the JS tests talk to. DDB_ENDPOINT selects an
// existing server (e.g. DynamoDB Local, to check the tests themselves);
// otherwise one ddbd ($DDBD, default build/ddbd) is started on a free port
// with a temporary data directory and stopped when the test file ends.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, ms = 10000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => { s.end(); resolve(true); });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`ddbd did not listen on ${port}`);
}

export const usingOracle = Boolean(process.env.DDB_ENDPOINT);

/** Starts (or selects) the server, with extra ddbd arguments; returns { endpoint, stop }. */
export async function startServer(extra = []) {
  if (process.env.DDB_ENDPOINT) return { endpoint: process.env.DDB_ENDPOINT, stop: async () => {} };
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "ddbd-js-"));
  const bin = process.env.DDBD || path.join(repo, "build", "ddbd");
  // warn: the request lines of every test would flood the test output (stderr is inherited)
  const proc = spawn(bin, ["--port", String(port), "--data-dir", dir, "--log-level", "warn", ...extra], { stdio: ["ignore", "ignore", "inherit"] });
  await waitForPort(port);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((resolve) => proc.on("exit", (code) => resolve(code)));
      proc.kill("SIGTERM");
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`ddbd exited with ${code}`);
    },
  };
}

export function client(endpoint) {
  return new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "secret" },
    maxAttempts: 1,
  });
}

let counter = 0;
export function uniqueName(prefix = "js") {
  return `${prefix}_${process.pid}_${Date.now() % 100000}_${counter++}`;
}

/** Starts the server and creates a PK/SK (both S) on-demand table named
 * after prefix (with extra attribute definitions and CreateTable members,
 * e.g. GlobalSecondaryIndexes); returns { server, ddb, table, done } where
 * done() deletes the table, closes the client and stops the server. */
export async function setupKeyTable(prefix, { extraDefs = [], ...extra } = {}) {
  const { CreateTableCommand, DeleteTableCommand } = await import("@aws-sdk/client-dynamodb");
  const server = await startServer();
  const ddb = client(server.endpoint);
  const table = uniqueName(prefix);
  await ddb.send(new CreateTableCommand({
    TableName: table, BillingMode: "PAY_PER_REQUEST",
    KeySchema: [{ AttributeName: "PK", KeyType: "HASH" }, { AttributeName: "SK", KeyType: "RANGE" }],
    AttributeDefinitions: [{ AttributeName: "PK", AttributeType: "S" }, { AttributeName: "SK", AttributeType: "S" },
      ...extraDefs],
    ...extra,
  }));
  return {
    server, ddb, table,
    done: async () => {
      await ddb.send(new DeleteTableCommand({ TableName: table }));
      ddb.destroy();
      await server.stop();
    },
  };
}
