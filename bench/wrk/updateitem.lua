-- updateitem.lua: UpdateItem ADD n :one on random seeded items (a counter).
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("UpdateItem")
math.randomseed(17)
request = function()
  return wrk.format(nil, nil, nil, string.format(
    '{"TableName":"bench","Key":{"PK":{"S":"USER#%d"},"SK":{"S":"ORDER#%02d"}},' ..
    '"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}',
    math.random(0, c.users - 1), math.random(0, 9)))
end
response = c.response
done = c.done
