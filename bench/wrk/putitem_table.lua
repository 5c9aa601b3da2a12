-- putitem_table.lua: PutItem of ~200-byte items with fresh index keys into
-- the table BENCH_TABLE (hash key PK, or PK and sort key n, a new item each
-- put; attribute g, a GSI's or LSI's key where the table has one), over
-- BENCH_USERS keys.
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("PutItem")
math.randomseed(13)
local pad = string.rep("x", 150)
local table_name = os.getenv("BENCH_TABLE") or "bench"
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"TableName":"%s","Item":{"PK":{"S":"USER#%d"},"g":{"S":"G#%d"},"n":{"N":"%d"},"pad":{"S":"%s"}}}',
    table_name, math.random(0, c.users - 1), counter % 97, counter, pad))
end
response = c.response
done = c.done
