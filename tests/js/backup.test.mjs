// backup.test.mjs: backups and point-in-time recovery through the AWS SDK
// for JavaScript v3, unchanged: CreateBackup -> AVAILABLE, restore ->
// ACTIVE with the same items, the SDK's error classes, and a restore to a
// point in time with milliseconds (the JS SDK sends fractional seconds).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateTableCommand, DeleteTableCommand, DescribeTableCommand, PutItemCommand, ScanCommand,
  CreateBackupCommand, DescribeBackupCommand, ListBackupsCommand, DeleteBackupCommand,
  RestoreTableFromBackupCommand, UpdateContinuousBackupsCommand, DescribeContinuousBackupsCommand,
  RestoreTableToPointInTimeCommand, BackupNotFoundException, PointInTimeRecoveryUnavailableException,
  TableAlreadyExistsException,
} from "@aws-sdk/client-dynamodb";
import { startServer, client, uniqueName, usingOracle } from "./helpers.mjs";

let server, ddb;
const tables = [];
const skip = usingOracle && "DynamoDB Local has no backups";

async function makeTable() {
  const name = uniqueName("bk");
  await ddb.send(new CreateTableCommand({
    TableName: name, BillingMode: "PAY_PER_REQUEST",
    KeySchema: [{ AttributeName: "PK", KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: "PK", AttributeType: "S" }],
  }));
  tables.push(name);
  return name;
}

async function put(table, n, v) {
  for (let i = 0; i < n; i++) {
    await ddb.send(new PutItemCommand({ TableName: table, Item: { PK: { S: `k${i}` }, v: { N: String(v) } } }));
  }
}

async function scan(table) {
  const { Items } = await ddb.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return Items.sort((a, b) => (a.PK.S < b.PK.S ? -1 : 1));
}

async function until(fn, what) {
  const deadline = Date.now() + 30000;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function active(table) {
  tables.push(table);
  await until(async () => {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
    return Table.TableStatus === "ACTIVE" && Table.RestoreSummary.RestoreInProgress === false;
  }, `${table} ACTIVE`);
}

before(async () => {
  server = await startServer();
  ddb = client(server.endpoint);
});

after(async () => {
  for (const t of tables) {
    try { await ddb.send(new DeleteTableCommand({ TableName: t })); } catch { /* already gone */ }
  }
  ddb.destroy();
  await server.stop();
});

test("a backup restores the table as it was", { skip }, async () => {
  const src = await makeTable();
  await put(src, 60, 1);
  const { BackupDetails } = await ddb.send(new CreateBackupCommand({ TableName: src, BackupName: "js-backup" }));
  assert.equal(BackupDetails.BackupStatus, "CREATING");
  assert.ok(BackupDetails.BackupCreationDateTime instanceof Date);
  const arn = BackupDetails.BackupArn;
  await put(src, 10, 2); // after the backup: not in it
  await until(async () => {
    const d = await ddb.send(new DescribeBackupCommand({ BackupArn: arn }));
    return d.BackupDescription.BackupDetails.BackupStatus === "AVAILABLE";
  }, "backup AVAILABLE");
  const listed = await ddb.send(new ListBackupsCommand({ TableName: src }));
  assert.deepEqual(listed.BackupSummaries.map((s) => s.BackupArn), [arn]);
  const target = uniqueName("bkr");
  const r = await ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: target, BackupArn: arn }));
  assert.equal(r.TableDescription.TableStatus, "CREATING");
  assert.equal(r.TableDescription.RestoreSummary.SourceBackupArn, arn);
  await active(target);
  const items = await scan(target);
  assert.equal(items.length, 60);
  assert.ok(items.every((i) => i.v.N === "1"));
  await assert.rejects(ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: src, BackupArn: arn })),
    TableAlreadyExistsException);
  await ddb.send(new DeleteBackupCommand({ BackupArn: arn }));
  await assert.rejects(ddb.send(new DescribeBackupCommand({ BackupArn: arn })), (e) =>
    e instanceof BackupNotFoundException && e.message === `Backup not found: ${arn}`);
});

test("point-in-time restore to an instant with milliseconds", { skip }, async () => {
  const src = await makeTable();
  await assert.rejects(ddb.send(new RestoreTableToPointInTimeCommand({
    SourceTableName: src, TargetTableName: uniqueName("no"), UseLatestRestorableTime: true,
  })), PointInTimeRecoveryUnavailableException);
  const u = await ddb.send(new UpdateContinuousBackupsCommand({
    TableName: src, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
  }));
  assert.equal(u.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus, "ENABLED");
  await put(src, 30, 1);
  await new Promise((r) => setTimeout(r, 20));
  const when = new Date(); // a Date with milliseconds: the SDK sends them
  await new Promise((r) => setTimeout(r, 20));
  await put(src, 30, 2);
  const d = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: src }));
  const pitr = d.ContinuousBackupsDescription.PointInTimeRecoveryDescription;
  assert.ok(pitr.EarliestRestorableDateTime <= when && when <= pitr.LatestRestorableDateTime);
  const target = uniqueName("pitr");
  const r = await ddb.send(new RestoreTableToPointInTimeCommand({
    SourceTableName: src, TargetTableName: target, RestoreDateTime: when,
  }));
  assert.equal(r.TableDescription.RestoreSummary.RestoreDateTime.getTime(), when.getTime());
  await active(target);
  const items = await scan(target);
  assert.equal(items.length, 30);
  assert.ok(items.every((i) => i.v.N === "1"));
});
