-- putitem.lua: PutItem of ~200-byte items over the seeded keys (overwrites
-- with a new counter value each time, so no write is a no-op).
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("PutItem")
math.randomseed(11)
local pad = string.rep("x", 150)
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"TableName":"bench","Item":{"PK":{"S":"USER#%d"},"SK":{"S":"ORDER#%02d"},"n":{"N":"%d"},"pad":{"S":"%s"}}}',
    math.random(0, c.users - 1), math.random(0, 9), counter, pad))
end
response = c.response
done = c.done
