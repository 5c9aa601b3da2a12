-- pqget.lua: PartiQL SELECT by full key (ExecuteStatement planned as a
-- GetItem): the same keys as getitem.lua, to set the two side by side.
package.path = "./bench/wrk/?.lua;" .. package.path
local c = require("common")
c.setup("ExecuteStatement")
math.randomseed(7)
request = function()
  return wrk.format(nil, nil, nil, string.format(
    '{"Statement":"SELECT * FROM \\"bench\\" WHERE PK = \'USER#%d\' AND SK = \'ORDER#%02d\'"}',
    math.random(0, c.users - 1), math.random(0, 9)))
end
response = c.response
done = c.done
