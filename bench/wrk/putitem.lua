-- putitem.lua: PutItem of ~200-byte items over the seeded keys (overwrites).
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("PutItem")
math.randomseed(11)
local pad = string.rep("x", 150)
request = function()
  local o = math.random(0, 9)
  return wrk.format(nil, nil, nil, string.format(
    '{"TableName":"bench","Item":{"PK":{"S":"USER#%d"},"SK":{"S":"ORDER#%02d"},"n":{"N":"%d"},"pad":{"S":"%s"}}}',
    math.random(0, c.users - 1), o, o, pad))
end
response = c.response
done = c.done
