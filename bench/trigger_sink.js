// trigger_sink.js: the HTTP function of the trigger benchmark. Answers every
// invocation at once with null (success), counts the records it receives and
// notes when each record carrying a "probe" attribute arrived (wall clock,
// sub-millisecond), so the driver can compute PutItem-ack-to-invocation
// latency. GET /stats returns {records, invocations, probes: {id: ms}};
// DELETE /stats resets. Prints its port when ready.
const http = require("http");
let records = 0, invocations = 0, probes = {};
const now = () => performance.timeOrigin + performance.now();
const server = http.createServer((req, res) => {
  const t = now();
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    if (req.method === "GET") {
      res.end(JSON.stringify({ records, invocations, probes }));
      return;
    }
    if (req.method === "DELETE") {
      records = invocations = 0;
      probes = {};
      res.end("{}");
      return;
    }
    const body = Buffer.concat(chunks).toString();
    invocations++;
    const ev = JSON.parse(body);
    records += ev.Records.length;
    // probes are rare: look for them only when the text has one
    if (body.includes('"probe"')) {
      for (const r of ev.Records) {
        const p = r.dynamodb.NewImage && r.dynamodb.NewImage.probe;
        if (p && !(p.S in probes)) probes[p.S] = t;
      }
    }
    res.setHeader("Content-Type", "application/json");
    res.end("null");
  });
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.argv[2] || 0), "127.0.0.1", () => {
  console.log(server.address().port);
});
