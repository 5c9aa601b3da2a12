-- getitem.lua: GetItem of random keys among the seeded items.
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("GetItem")
math.randomseed(7)
request = function()
  return wrk.format(nil, nil, nil, string.format(
    '{"TableName":"bench","Key":{"PK":{"S":"USER#%d"},"SK":{"S":"ORDER#%02d"}}}',
    math.random(0, c.users - 1), math.random(0, 9)))
end
response = c.response
done = c.done
