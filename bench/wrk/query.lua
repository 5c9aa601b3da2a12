-- query.lua: the single-table access pattern: one user's orders,
-- PK = :pk AND begins_with(SK, "ORDER#"), 10 items of ~200 bytes.
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("Query")
math.randomseed(13)
request = function()
  return wrk.format(nil, nil, nil, string.format(
    '{"TableName":"bench","KeyConditionExpression":"PK = :pk AND begins_with(SK, :p)",' ..
    '"ExpressionAttributeValues":{":pk":{"S":"USER#%d"},":p":{"S":"ORDER#"}}}',
    math.random(0, c.users - 1)))
end
response = c.response
done = c.done
