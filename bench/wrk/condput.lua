-- condput.lua: a conditional PutItem that fails: attribute_not_exists(PK) on
-- seeded keys. Every answer must be a ConditionalCheckFailedException (400);
-- anything else counts as an error.
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("PutItem")
c.expect = "ConditionalCheckFailed"
math.randomseed(19)
local pad = string.rep("x", 150)
request = function()
  return wrk.format(nil, nil, nil, string.format(
    '{"TableName":"bench","Item":{"PK":{"S":"USER#%d"},"SK":{"S":"ORDER#%02d"},"n":{"N":"1"},"pad":{"S":"%s"}},' ..
    '"ConditionExpression":"attribute_not_exists(PK)"}',
    math.random(0, c.users - 1), math.random(0, 9), pad))
end
response = c.response
done = c.done
