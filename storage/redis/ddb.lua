#!lua name=ddb
-- ddb.lua: the Redis Functions of ddbd's cluster backend (storage/redis/),
-- loaded by ddbd at start-up (FUNCTION LOAD REPLACE when the cluster's
-- library is missing or older than ddb_version). Every call touches the keys
-- of one bucket only: they share one hash tag, so one slot, and the call
-- runs atomically on that slot's master.
--
-- A bucket's keys (KEYS, in this order):
--   1 z  sorted set of the bucket's item keys, all scored 0: lexicographic
--        order is the table's key order (the codec's keys are memcmp-ordered)
--   2 b  hash: item key -> item body
--   3 v  hash: item key -> item version (absent: the item does not exist)
--   4 x  sorted set: item key scored by its expiry time in seconds (TTL)
--   5 s  stream: the bucket's change records (the table's change feed)
--   6 c  counter: the bucket's last version (versions are never reused)
--   7.. sorted sets the items' secondary entries go to (local indexes)

local LIBRARY_VERSION = 1

-- ddb_apply: writes one or more items of a bucket, all or none.
-- ARGV: n, stream max length (0: no trim), then per item:
--   item key, expected version (0: must not exist), 'P' (put) or 'D'
--   (delete), body (P), expiry in seconds or '' (P), change record or '',
--   m, then m triples (KEYS index of a sorted set, 'A' add or 'R' remove,
--   member).
-- Returns, per item, {version, stream id or ''}; or the error
-- "DDBCONFLICT i version": item i (1-based) is at another version now and
-- nothing was written.
local function apply(keys, args)
  local z, b, v, x, s, c = keys[1], keys[2], keys[3], keys[4], keys[5], keys[6]
  local n, maxlen = tonumber(args[1]), tonumber(args[2])
  local items, at = {}, 3
  for i = 1, n do
    local it = {key = args[at], expect = args[at + 1], op = args[at + 2], body = args[at + 3],
                expiry = args[at + 4], record = args[at + 5], extra = {}}
    local m = tonumber(args[at + 6])
    at = at + 7
    for j = 1, m do
      it.extra[j] = {tonumber(args[at]), args[at + 1], args[at + 2]}
      at = at + 3
    end
    items[i] = it
  end
  for i, it in ipairs(items) do
    local cur = redis.call('HGET', v, it.key) or '0'
    if cur ~= it.expect then
      return redis.error_reply('DDBCONFLICT ' .. i .. ' ' .. cur)
    end
  end
  local out = {}
  for i, it in ipairs(items) do
    local ver = redis.call('INCR', c)
    if it.op == 'P' then
      redis.call('ZADD', z, 0, it.key)
      redis.call('HSET', b, it.key, it.body)
      redis.call('HSET', v, it.key, ver)
      if it.expiry ~= '' then
        redis.call('ZADD', x, tonumber(it.expiry), it.key)
      else
        redis.call('ZREM', x, it.key)
      end
    else
      redis.call('ZREM', z, it.key)
      redis.call('HDEL', b, it.key)
      redis.call('HDEL', v, it.key)
      redis.call('ZREM', x, it.key)
    end
    for _, e in ipairs(it.extra) do
      if e[2] == 'A' then
        redis.call('ZADD', keys[e[1]], 0, e[3])
      else
        redis.call('ZREM', keys[e[1]], e[3])
      end
    end
    local id = ''
    if it.record ~= '' then
      if maxlen > 0 then
        id = redis.call('XADD', s, 'MAXLEN', '~', maxlen, '*', 'v', ver, 'r', it.record)
      else
        id = redis.call('XADD', s, '*', 'v', ver, 'r', it.record)
      end
    end
    out[i] = {ver, id}
  end
  return out
end

-- ddb_get: an item's body and version ({} when it does not exist).
-- KEYS: b, v. ARGV: item key.
local function get(keys, args)
  local ver = redis.call('HGET', keys[2], args[1])
  if not ver then return {} end
  return {redis.call('HGET', keys[1], args[1]), ver}
end

redis.register_function('ddb_apply', apply)
redis.register_function{function_name = 'ddb_get', callback = get, flags = {'no-writes'}}
redis.register_function{function_name = 'ddb_version', callback = function() return LIBRARY_VERSION end,
                        flags = {'no-writes', 'allow-stale'}}
