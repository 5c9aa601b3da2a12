-- txsame.lua: TransactWriteItems of two Updates in one partition (USER#u,
-- ORDER#a and ORDER#b): on the cluster backend one bucket, one call.
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("TransactWriteItems")
math.randomseed(17)
request = function()
  local u = math.random(0, c.users - 1)
  return wrk.format(nil, nil, nil, '{"TransactItems":[' .. c.tx_update(u, 0) .. ',' .. c.tx_update(u, 1) .. ']}')
end
response = c.response
done = c.done
