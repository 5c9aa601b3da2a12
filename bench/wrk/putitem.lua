-- putitem.lua: PutItem of ~200-byte items over 10,000 keys (overwrites).
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("PutItem")
math.randomseed(11)
local pad = string.rep("x", 150)
request = function()
  local k = math.random(0, 9999)
  return wrk.format(nil, nil, nil,
    '{"TableName":"bench","Item":{"pk":{"S":"user#' .. k .. '"},"n":{"N":"' .. k ..
    '"},"pad":{"S":"' .. pad .. '"}}}')
end
response = c.response
done = c.done
