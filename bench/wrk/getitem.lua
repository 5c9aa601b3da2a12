-- getitem.lua: GetItem of random keys among the seeded 10,000 items.
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("GetItem")
math.randomseed(7)
request = function()
  local k = math.random(0, 9999)
  return wrk.format(nil, nil, nil,
    '{"TableName":"bench","Key":{"pk":{"S":"user#' .. k .. '"}}}')
end
response = c.response
done = c.done
