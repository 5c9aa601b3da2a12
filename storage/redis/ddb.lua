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
--   7 i, 8 p  transactions' intents (below)
--   9 n  counter: the bucket's items' total size in bytes
--   10 h stream: point-in-time recovery's history of the bucket's items,
--        one record (fields k: the item key, p: its body before, absent
--        when it did not exist) per write of a table with PITR on
--
-- A write may name several such key sets of one slot (9 KEYS each, in that
-- order): a table's bucket and its local indexes' key sets in it, which
-- share its hash tag ("{t1:2}" and "{t1:2}l7."), so an item and its LSI
-- entries are written in one step. An item names its key set by number
-- (1-based); a transaction's prepared writes are kept in the first key
-- set's p.

local LIBRARY_VERSION = 9

local NKEYS = 10 -- KEYS per key set

-- Two more keys of a bucket, for transactions across buckets (after c):
--   7 i  hash: item key -> the id of the transaction holding it (an intent)
--   8 p  hash: transaction id -> its prepared writes in this bucket (msgpack)
-- so a key set's KEYS are z b v x s c i p n h.

-- The items of ARGV from position at: per item its key set's number, the
-- key, expected version (0: must not exist; '*': any, for index entries,
-- which follow their items), 'P' (put), 'D' (delete) or 'C' (check only:
-- the version must match, nothing is written), body, expiry in seconds or
-- '', change record or '', the change of its key set's size in bytes, and
-- '1' when the write goes to the history (PITR) or ''.
-- Fails (nil and an error reply) when an item names a key set not given.
local function parse_items(keys, args, n, at)
  local items, sets = {}, #keys / NKEYS
  for i = 1, n do
    local g = tonumber(args[at])
    if not g or g < 1 or g > sets then
      return nil, redis.error_reply('ERR item ' .. i .. ' names key set ' .. tostring(args[at]) ..
                                    ' of ' .. sets)
    end
    items[i] = {g = g, key = args[at + 1], expect = args[at + 2], op = args[at + 3],
                body = args[at + 4], expiry = args[at + 5], record = args[at + 6],
                dsize = tonumber(args[at + 7]), hist = args[at + 8]}
    at = at + 9
  end
  return items
end

-- The KEYS index of key set g's key number k (1..NKEYS).
local function kx(g, k)
  return (g - 1) * NKEYS + k
end

-- Whether every item names a key set of keys (packed items read back).
local function sets_given(keys, items)
  for _, it in ipairs(items) do
    if it.g > #keys / NKEYS then return false end
  end
  return true
end

-- Fails (as an error reply) when an item is at another version than
-- expected, or held by a transaction other than own.
local function check(keys, items, own)
  for i, it in ipairs(items) do
    local holder = redis.call('HGET', keys[kx(it.g, 7)], it.key)
    if holder and holder ~= own then
      return redis.error_reply('DDBLOCKED ' .. i .. ' ' .. holder)
    end
    local cur = redis.call('HGET', keys[kx(it.g, 3)], it.key) or '0'
    if it.expect ~= '*' and cur ~= it.expect then
      return redis.error_reply('DDBCONFLICT ' .. i .. ' ' .. cur)
    end
  end
  return nil
end

-- The master's clock in ms.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Applies checked items; per item {version, stream id or ''} (a check-only
-- item: {its version, ''}). A change record goes to the bucket's stream
-- with fields v (the version) and r (the record); minid > 0 trims the
-- stream's records older than that time (ms), roughly.
local function write(keys, items, keep)
  local out = {}
  for i, it in ipairs(items) do
    if it.op == 'C' then
      out[i] = {tonumber(it.expect), ''}
    else
      local z, b, v, x, s, c = keys[kx(it.g, 1)], keys[kx(it.g, 2)], keys[kx(it.g, 3)],
                               keys[kx(it.g, 4)], keys[kx(it.g, 5)], keys[kx(it.g, 6)]
      if it.hist == '1' then
        local prev = redis.call('HGET', b, it.key)
        if prev then
          redis.call('XADD', keys[kx(it.g, 10)], '*', 'k', it.key, 'p', prev)
        else
          redis.call('XADD', keys[kx(it.g, 10)], '*', 'k', it.key)
        end
      end
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
      if it.dsize ~= 0 then
        redis.call('INCRBY', keys[kx(it.g, 9)], it.dsize)
      end
      local id = ''
      if it.record ~= '' then
        if keep > 0 then
          id = redis.call('XADD', s, 'MINID', '~', now_ms() - keep, '*', 'v', ver, 'r', it.record)
        else
          id = redis.call('XADD', s, '*', 'v', ver, 'r', it.record)
        end
      end
      out[i] = {ver, id}
    end
  end
  return out
end

-- ddb_apply: writes one or more items of a slot's key sets, all or none.
-- ARGV: n, stream retention in ms (0: no trim), then the items (parse_items).
-- Returns, per item, {version, stream id or ''}; or the error
-- "DDBCONFLICT i version" (item i, 1-based, is at another version now) or
-- "DDBLOCKED i txid" (a transaction holds it); nothing is written then.
local function apply(keys, args)
  local items, bad = parse_items(keys, args, tonumber(args[1]), 3)
  if not items then return bad end
  bad = check(keys, items, nil)
  if bad then return bad end
  return write(keys, items, tonumber(args[2]))
end

-- ddb_prepare: phase one of a transaction across buckets, for this
-- bucket's share: checks the items as ddb_apply does and holds them for
-- transaction txid (their intents), keeping the writes until ddb_commit or
-- ddb_abort. ARGV: txid, n, then the items. Returns 'OK' or ddb_apply's
-- errors. Preparing the same txid twice is refused (DDBLOCKED).
local function prepare(keys, args)
  local txid = args[1]
  if redis.call('HEXISTS', keys[8], txid) == 1 then
    return redis.error_reply('DDBLOCKED 1 ' .. txid)
  end
  local items, bad = parse_items(keys, args, tonumber(args[2]), 3)
  if not items then return bad end
  bad = check(keys, items, nil)
  if bad then return bad end
  for _, it in ipairs(items) do
    redis.call('HSET', keys[kx(it.g, 7)], it.key, txid)
  end
  redis.call('HSET', keys[8], txid, cmsgpack.pack(items))
  return 'OK'
end

-- ddb_commit: phase two: applies txid's prepared writes in this bucket and
-- releases its items. KEYS: the key sets it was prepared with, in the same
-- order. ARGV: txid, stream retention. Returns what ddb_apply returns for
-- them, or {} when txid holds nothing here (already committed or aborted:
-- committing is idempotent).
local function commit(keys, args)
  local packed = redis.call('HGET', keys[8], args[1])
  if not packed then return {} end
  local items = cmsgpack.unpack(packed)
  if not sets_given(keys, items) then
    return redis.error_reply('ERR ' .. args[1] .. ' was prepared with more key sets')
  end
  local out = write(keys, items, tonumber(args[2]))
  for _, it in ipairs(items) do
    redis.call('HDEL', keys[kx(it.g, 7)], it.key)
  end
  redis.call('HDEL', keys[8], args[1])
  return out
end

-- ddb_abort: releases txid's items in this slot, writing nothing. KEYS:
-- as ddb_commit's. ARGV: txid. Returns 1, or 0 when txid held nothing here.
local function abort(keys, args)
  local packed = redis.call('HGET', keys[8], args[1])
  if not packed then return 0 end
  local items = cmsgpack.unpack(packed)
  if not sets_given(keys, items) then
    return redis.error_reply('ERR ' .. args[1] .. ' was prepared with more key sets')
  end
  for _, it in ipairs(items) do
    redis.call('HDEL', keys[kx(it.g, 7)], it.key)
  end
  redis.call('HDEL', keys[8], args[1])
  return 1
end

-- A transaction's coordinator record (KEYS[1], in a slot of its own): a
-- hash with state 'P' (preparing), 'C' (committed) or 'A' (aborted), its
-- start time (the master's clock, so every front end judges its age alike)
-- and the buckets it prepares in. The decision is made once: whoever moves
-- it from 'P' first (its coordinator committing, or any front end aborting
-- it as abandoned) decides.

-- ddb_tx_begin: ARGV: the buckets (one string). 'OK', or an error when the
-- record exists. The record never expires: it is deleted by whoever finished
-- the transaction in every bucket (a decided record that vanished before
-- would let a later resolver abort what was committed in part).
local function tx_begin(keys, args)
  if redis.call('EXISTS', keys[1]) == 1 then
    return redis.error_reply('DDBTXEXISTS')
  end
  redis.call('HSET', keys[1], 'state', 'P', 'start', now_ms(), 'buckets', args[1])
  return 'OK'
end

-- ddb_tx_decide: ARGV: 'C' or 'A', and for 'A' the age (ms) the
-- transaction must have reached (0: its own coordinator giving up). Returns
-- {state, buckets}: the state now decided (the one asked for, or the
-- decision made before), or 'P' when an abort found it younger than that
-- age; {'A', ''} for a record that does not exist (never begun, or finished
-- everywhere and deleted: finishing again is then a no-op either way).
local function tx_decide(keys, args)
  local rec = redis.call('HMGET', keys[1], 'state', 'start', 'buckets')
  if not rec[1] then return {'A', ''} end
  if rec[1] ~= 'P' then return {rec[1], rec[3]} end
  if args[1] == 'A' and now_ms() - tonumber(rec[2]) < tonumber(args[2]) then
    return {'P', rec[3]}
  end
  redis.call('HSET', keys[1], 'state', args[1])
  return {args[1], rec[3]}
end

-- ddb_get: an item's {body, version, txid holding it or ''} ({} when it
-- does not exist and no transaction holds it). KEYS: b, v, i. ARGV: item key.
local function get(keys, args)
  local ver = redis.call('HGET', keys[2], args[1])
  local holder = redis.call('HGET', keys[3], args[1]) or ''
  if not ver then
    if holder == '' then return {} end
    return {'', '0', holder}
  end
  return {redis.call('HGET', keys[1], args[1]), ver, holder}
end

-- ddb_range: up to limit {item key, body} pairs of a bucket in key order
-- (or reverse), flattened. KEYS: z, b. ARGV: ZRANGEBYLEX min and max (as
-- in key order), limit, '1' for reverse.
local function range(keys, args)
  local members
  if args[4] == '1' then
    members = redis.call('ZREVRANGEBYLEX', keys[1], args[2], args[1], 'LIMIT', 0, tonumber(args[3]))
  else
    members = redis.call('ZRANGEBYLEX', keys[1], args[1], args[2], 'LIMIT', 0, tonumber(args[3]))
  end
  local out = {}
  for i, m in ipairs(members) do
    out[2 * i - 1] = m
    out[2 * i] = redis.call('HGET', keys[2], m) or ''
  end
  return out
end

-- ddb_stats: a bucket's {item count, total size in bytes}. KEYS: b, n.
local function stats(keys, args)
  return {redis.call('HLEN', keys[1]), tonumber(redis.call('GET', keys[2]) or '0')}
end

-- ddb_cas: sets hash field ARGV[1] of KEYS[1] to ARGV[3] if it holds
-- ARGV[2] ('' for absent); 1 if it did, else 0 (catalog records, changed by
-- any front end). With KEYS[2], the field/value pairs of ARGV from 4 on are
-- set in that hash in the same step (a new stream's descriptor).
local function cas(keys, args)
  if (redis.call('HGET', keys[1], args[1]) or '') ~= args[2] then return 0 end
  redis.call('HSET', keys[1], args[1], args[3])
  if keys[2] then
    for i = 4, #args - 1, 2 do
      redis.call('HSET', keys[2], args[i], args[i + 1])
    end
  end
  return 1
end

-- ddb_ttl_mark: gives an item its expiry entry if its body is still the
-- one read (TTL's backfill, racing writes that set their own).
-- KEYS: b, x. ARGV: item key, body, expiry (s). 1 if set.
local function ttl_mark(keys, args)
  if redis.call('HGET', keys[1], args[1]) ~= args[2] then return 0 end
  redis.call('ZADD', keys[2], tonumber(args[3]), args[1])
  return 1
end

-- ddb_ttl_drop: removes an expiry entry that names no expired item (the
-- item is gone, or says another time) if the item is still as read ('' for
-- gone). KEYS: b, x. ARGV: item key, body or ''.
local function ttl_drop(keys, args)
  if (redis.call('HGET', keys[1], args[1]) or '') ~= args[2] then return 0 end
  redis.call('ZREM', keys[2], args[1])
  return 1
end

-- ---- the change feed ----------------------------------------------------
-- A bucket's stream (s) is its share of the table's change feed: readers of
-- the DynamoDB Streams API merge the buckets of a shard by record id, and
-- the GSI appliers of the front ends follow each bucket on their own.

-- ddb_feed_read: {now ms, records} with the records of stream KEYS[1] in
-- [ARGV[1], ARGV[2]] (XRANGE ids), at most ARGV[3]; the master's clock,
-- read in the same step, bounds the ids of every record added later (they
-- are at least that time).
local function feed_read(keys, args)
  return {now_ms(), redis.call('XRANGE', keys[1], args[1], args[2], 'COUNT', tonumber(args[3]))}
end

-- ddb_feed_take: a GSI applier's turn at a bucket. KEYS: a (the lease:
-- the owning front end's id, expiring), g (the id of the last record
-- applied), s. ARGV: owner, lease ms, count. {0} when another front end
-- holds the lease; else the lease is taken or renewed and the reply is
-- {1, last applied id, up to count records after it}.
local function feed_take(keys, args)
  local holder = redis.call('GET', keys[1])
  if holder and holder ~= args[1] then return {0} end
  redis.call('SET', keys[1], args[1], 'PX', tonumber(args[2]))
  local cp = redis.call('GET', keys[2]) or '0-0'
  return {1, cp, redis.call('XRANGE', keys[3], '(' .. cp, '+', 'COUNT', tonumber(args[3]))}
end

-- ddb_feed_done: records up to id ARGV[2] are applied, if the lease is
-- still ARGV[1]'s. KEYS: a, g. 1 if recorded, else 0.
local function feed_done(keys, args)
  if redis.call('GET', keys[1]) ~= args[1] then return 0 end
  redis.call('SET', keys[2], args[2])
  return 1
end

-- ddb_ix_apply: GSI entries written by the appliers, last writer wins by
-- the item's version, so applies in any order (a replay, a late applier)
-- converge to the entries of each item's latest version. KEYS: an index
-- bucket's z, b, v (entry key -> version), n (total size), w (entry key ->
-- its size), d (tombstones: entry key -> the version that removed it), e
-- (tombstones by time, dropped after ARGV[2] ms). ARGV: now ms, tombstone
-- lifetime ms, m, then m times: entry key, version, 'P' or 'D', body, size.
-- Returns {entries written or removed, change of the entry count, of the
-- total size}.
local function ix_apply(keys, args)
  local z, b, v, n, w, d, e = keys[1], keys[2], keys[3], keys[4], keys[5], keys[6], keys[7]
  local now, changed, dcount, dbytes, at = tonumber(args[1]), 0, 0, 0, 4
  for _ = 1, tonumber(args[3]) do
    local key, ver, op = args[at], tonumber(args[at + 1]), args[at + 2]
    local cur = tonumber(redis.call('HGET', v, key) or redis.call('HGET', d, key) or '0')
    if ver >= cur then
      local old = tonumber(redis.call('HGET', w, key) or '0')
      if op == 'P' then
        local size = tonumber(args[at + 4])
        if redis.call('ZADD', z, 0, key) == 1 then dcount = dcount + 1 end
        redis.call('HSET', b, key, args[at + 3])
        redis.call('HSET', v, key, ver)
        redis.call('HSET', w, key, size)
        if redis.call('HDEL', d, key) == 1 then redis.call('ZREM', e, key) end
        if size ~= old then
          redis.call('INCRBY', n, size - old)
          dbytes = dbytes + size - old
        end
      else
        if redis.call('HDEL', v, key) == 1 then
          redis.call('ZREM', z, key)
          redis.call('HDEL', b, key)
          redis.call('HDEL', w, key)
          dcount = dcount - 1
          if old ~= 0 then
            redis.call('INCRBY', n, -old)
            dbytes = dbytes - old
          end
        end
        redis.call('HSET', d, key, ver)
        redis.call('ZADD', e, now, key)
      end
      changed = changed + 1
    end
    at = at + 5
  end
  for _, key in ipairs(redis.call('ZRANGEBYSCORE', e, '-inf', now - tonumber(args[2]), 'LIMIT', 0, 32)) do
    redis.call('HDEL', d, key)
    redis.call('ZREM', e, key)
  end
  return {changed, dcount, dbytes}
end

-- Copies a bucket's z and b (KEYS 1, 2) over KEYS 4 and 5 (the same slot).
local function copy_items(keys)
  for i = 1, 2 do
    if redis.call('EXISTS', keys[i]) == 1 then
      redis.call('COPY', keys[i], keys[i + 3], 'REPLACE')
    else
      redis.call('DEL', keys[i + 3])
    end
  end
end

-- ddb_snapshot: a backup's copy of a bucket, in one step. KEYS: the
-- bucket's z, b, n, then the backup's z and b (same slot). Returns the
-- bucket's {item count, total size} as copied.
local function snapshot(keys, args)
  copy_items(keys)
  return {redis.call('HLEN', keys[2]), tonumber(redis.call('GET', keys[3]) or '0')}
end

-- ---- point-in-time recovery --------------------------------------------
-- A restore to time T copies each bucket of the source (ddb_pitr_copy) and
-- then undoes, newest first, every history record after T in the copy
-- (ddb_pitr_undo), leaving the bucket as it was at T: the last undo of a
-- key is its oldest change after T, which restores its state before it.

-- ddb_pitr_copy: KEYS: the source bucket's z, b, h, then the copy's z, b
-- and l (its undo cursor, set to the newest history record now: the copy
-- holds every change up to it). 1, or 0 when the copy exists already.
local function pitr_copy(keys, args)
  if redis.call('EXISTS', keys[6]) == 1 then return 0 end
  copy_items(keys)
  local last = redis.call('XREVRANGE', keys[3], '+', '-', 'COUNT', 1)
  redis.call('SET', keys[6], last[1] and last[1][1] or '0-0')
  return 1
end

-- ddb_pitr_undo: undoes the next ARGV[2] history records (newest first)
-- later than ARGV[1] ms in the copy. KEYS: the copy's z, b, l, then the
-- source's h. 1 while more are left, 0 once the copy is as of ARGV[1]
-- (l is then 'done').
local function pitr_undo(keys, args)
  local cur = redis.call('GET', keys[3])
  if not cur or cur == 'done' then return 0 end
  local n = tonumber(args[2])
  local recs = redis.call('XREVRANGE', keys[4], cur, tostring(tonumber(args[1]) + 1), 'COUNT', n)
  for _, r in ipairs(recs) do
    local f, key, prev = r[2], nil, nil
    for i = 1, #f - 1, 2 do
      if f[i] == 'k' then key = f[i + 1] elseif f[i] == 'p' then prev = f[i + 1] end
    end
    if prev then
      redis.call('ZADD', keys[1], 0, key)
      redis.call('HSET', keys[2], key, prev)
    else
      redis.call('ZREM', keys[1], key)
      redis.call('HDEL', keys[2], key)
    end
  end
  if #recs < n then
    redis.call('SET', keys[3], 'done')
    return 0
  end
  redis.call('SET', keys[3], '(' .. recs[#recs][1])
  return 1
end

redis.register_function('ddb_pitr_copy', pitr_copy)
redis.register_function('ddb_pitr_undo', pitr_undo)
redis.register_function('ddb_snapshot', snapshot)
redis.register_function{function_name = 'ddb_feed_read', callback = feed_read, flags = {'no-writes'}}
redis.register_function('ddb_feed_take', feed_take)
-- ddb_feed_release: gives up the lease, if it is still ARGV[1]'s (a front
-- end stopping cleanly, its records applied). KEYS: a. 1 if released.
local function feed_release(keys, args)
  if redis.call('GET', keys[1]) ~= args[1] then return 0 end
  redis.call('DEL', keys[1])
  return 1
end

-- ddb_lease: a background job's lease (KEYS[1], the catalog's slot): with
-- ARGV[2] ms > 0 taken or renewed for owner ARGV[1] unless another holds
-- it; with 0 given up if ARGV[1] holds it. 1 if ARGV[1] held (holds) it.
local function lease(keys, args)
  local holder = redis.call('GET', keys[1])
  if holder and holder ~= args[1] then return 0 end
  if tonumber(args[2]) > 0 then
    redis.call('SET', keys[1], args[1], 'PX', tonumber(args[2]))
    return 1
  end
  if holder then redis.call('DEL', keys[1]) end
  return holder and 1 or 0
end

redis.register_function('ddb_lease', lease)
redis.register_function('ddb_feed_done', feed_done)
redis.register_function('ddb_feed_release', feed_release)
redis.register_function('ddb_ix_apply', ix_apply)
redis.register_function('ddb_ttl_mark', ttl_mark)
redis.register_function('ddb_ttl_drop', ttl_drop)
redis.register_function('ddb_cas', cas)
redis.register_function('ddb_apply', apply)
redis.register_function{function_name = 'ddb_range', callback = range, flags = {'no-writes'}}
redis.register_function{function_name = 'ddb_stats', callback = stats, flags = {'no-writes'}}
redis.register_function('ddb_prepare', prepare)
redis.register_function('ddb_commit', commit)
redis.register_function('ddb_abort', abort)
redis.register_function('ddb_tx_begin', tx_begin)
redis.register_function('ddb_tx_decide', tx_decide)
redis.register_function{function_name = 'ddb_get', callback = get, flags = {'no-writes'}}
redis.register_function{function_name = 'ddb_version', callback = function() return LIBRARY_VERSION end,
                        flags = {'no-writes', 'allow-stale'}}
