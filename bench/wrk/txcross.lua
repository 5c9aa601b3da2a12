-- txcross.lua: TransactWriteItems of two Updates in two partitions (two
-- users): on the cluster backend, two buckets, so the two-phase protocol.
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("TransactWriteItems")
math.randomseed(19)
request = function()
  local a = math.random(0, c.users - 1)
  local b = (a + math.random(1, c.users - 1)) % c.users
  return wrk.format(nil, nil, nil, '{"TransactItems":[' .. c.tx_update(a, 0) .. ',' .. c.tx_update(b, 0) .. ']}')
end
response = c.response
done = c.done
