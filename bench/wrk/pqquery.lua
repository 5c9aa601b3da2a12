-- pqquery.lua: PartiQL SELECT of one user's orders (ExecuteStatement
-- planned as a Query), the statement query.lua's request stands for.
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("ExecuteStatement")
math.randomseed(13)
request = function()
  return wrk.format(nil, nil, nil, string.format(
    '{"Statement":"SELECT * FROM \\"bench\\" WHERE PK = \'USER#%d\' AND begins_with(SK, \'ORDER#\')"}',
    math.random(0, c.users - 1)))
end
response = c.response
done = c.done
