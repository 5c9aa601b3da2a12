-- batchwrite.lua: BatchWriteItem of 25 distinct ~200-byte items (all ten
-- orders of two users and five of a third, new counter values each time).
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("BatchWriteItem")
math.randomseed(23)
local pad = string.rep("x", 150)
local counter = 0
request = function()
  local u = math.random(0, c.users - 3)
  local reqs = {}
  for i = 0, 24 do
    counter = counter + 1
    reqs[#reqs + 1] = string.format(
      '{"PutRequest":{"Item":{"PK":{"S":"USER#%d"},"SK":{"S":"ORDER#%02d"},"n":{"N":"%d"},"pad":{"S":"%s"}}}}',
      u + math.floor(i / 10), i % 10, counter, pad)
  end
  return wrk.format(nil, nil, nil, '{"RequestItems":{"bench":[' .. table.concat(reqs, ",") .. ']}}')
end
response = c.response
done = c.done
