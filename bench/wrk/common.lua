-- common.lua: shared request set-up for the wrk scripts: DynamoDB JSON 1.0
-- headers with a syntactically valid SigV4 Authorization (ddbd accepts any).
local M = {}
-- number of seeded users (partitions), from the environment of the run
M.users = tonumber(os.getenv("BENCH_USERS") or "10000")
function M.setup(op)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
  wrk.headers["X-Amz-Target"] = "DynamoDB_20120810." .. op
  wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
  wrk.headers["X-Amz-Date"] = "20260101T000000Z"
end
-- M.expect: a substring every answer must contain for the run to count it
-- as expected (the conditional-put script expects ConditionalCheckFailed
-- 400s); other non-2xx answers are counted as errors.
M.expect = nil
local non2xx, unexpected = 0, 0
function M.response(status, headers, body)
  if M.expect then
    if not string.find(body, M.expect, 1, true) then unexpected = unexpected + 1 end
  elseif status ~= 200 then
    non2xx = non2xx + 1
  end
end
function M.done(summary, latency, requests)
  io.write(string.format("RESULT req_s=%.0f p50_ms=%.3f p99_ms=%.3f non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, non2xx + unexpected + (M.expect and 0 or summary.errors.status),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
-- one Update of a TransactWriteItems: ADD 1 to item (USER#u, ORDER#o)
function M.tx_update(u, o)
  return string.format('{"Update":{"TableName":"bench","Key":{"PK":{"S":"USER#%d"},"SK":{"S":"ORDER#%02d"}},' ..
    '"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}}', u, o)
end
return M
