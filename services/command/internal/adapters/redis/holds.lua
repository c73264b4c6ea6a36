-- Seat holds of one flight, on the flight's slot: the one atomic step that
-- decides who holds a seat. Key names, now_ms() and emit_seat() come from
-- the readmodel prelude.
-- KEYS: 1 holds (zset seat → expiry ms), 2 holders (hash seat → trip),
-- 3 the trip's seats on the flight (set), 4 seat events stream, 5 seat
-- event counter, 6 the trip on this flight (hash owner, exp, limit, open),
-- 7 the flight's seat catalog (hash seat → "1" blocked, "0" for sale).
-- ARGV: 1 prefix, 2 operation, 3 flight id, 4 seat events maxlen, then
--   attach:  5 trip, 6 owner, 7 expiry ms, 8 seat limit, 9 keep until ms,
--            10 catalog kept until ms, 11… seat, flag pairs
--   limit:   5 seat limit (raised, never lowered)
--   close:   (none) the trip may hold no more seats here
--   hold:    5 seat, 6 trip, 7 guest, 8 keep ms
--   release: 5 seat, 6 trip, 7 guest
--   sweep:   (none)
-- hold returns {0, expiry, hint} (held now; hint 1 when the sweeper must
-- be told about the flight), {7, expiry, 0} (this trip held it already)
-- or {code}: 1 no such trip here, 2 expired, 3 closed, 8 unavailable,
-- 9 seat limit, 11 no such seat. release returns {0} or {code}: 1, 2, 10
-- (not held by this trip). sweep returns the earliest remaining expiry,
-- or -1 when none is left.
local op, flight, maxlen = ARGV[2], ARGV[3], ARGV[4]
local now = now_ms()

-- trip checks the trip's record on this flight: the caller's, alive, open.
local function trip(guest)
  local t = redis.call('HMGET', KEYS[6], 'owner', 'exp', 'limit', 'open')
  if not t[1] or t[1] ~= guest then return nil, 1 end
  local exp = tonumber(t[2])
  if exp <= now then return nil, 2 end
  if t[4] ~= '1' then return nil, 3 end
  return {exp = exp, limit = tonumber(t[3])}, 0
end

-- A hold is live while its expiry is in the future: a seat whose hold has
-- expired is free, whether or not the sweeper has come by.
local function live_holder(seat)
  local exp = redis.call('ZSCORE', KEYS[1], seat)
  if exp and tonumber(exp) > now then return redis.call('HGET', KEYS[2], seat) end
  return nil
end

local function sold(seat)
  local cur = redis.call('GET', K.current())
  return cur and redis.call('SISMEMBER', K.sold(cur, flight), seat) == 1
end

-- drop forgets a hold: the seat, its holder and the holder's seat set.
local function drop(seat)
  local holder = redis.call('HGET', KEYS[2], seat)
  redis.call('ZREM', KEYS[1], seat)
  redis.call('HDEL', KEYS[2], seat)
  if holder then redis.call('SREM', K.trip_seats(flight, holder), seat) end
end

-- keep_until makes key live at least until at (unix ms).
local function keep_until(key, at)
  local ttl = redis.call('PTTL', key)
  if ttl >= 0 and now + ttl >= at then return end
  redis.call('PEXPIREAT', key, at)
end

if op == 'attach' then
  redis.call('HSET', KEYS[6], 'owner', ARGV[6], 'exp', ARGV[7], 'limit', ARGV[8], 'open', '1')
  redis.call('PEXPIREAT', KEYS[6], ARGV[9])
  if redis.call('EXISTS', KEYS[7]) == 0 and #ARGV > 10 then
    for i = 11, #ARGV, 1000 do
      redis.call('HSET', KEYS[7], unpack(ARGV, i, math.min(i + 999, #ARGV)))
    end
  end
  keep_until(KEYS[7], tonumber(ARGV[10]))
  return {0}
end

if op == 'limit' then
  local cur = tonumber(redis.call('HGET', KEYS[6], 'limit') or '0')
  if cur > 0 and tonumber(ARGV[5]) > cur then redis.call('HSET', KEYS[6], 'limit', ARGV[5]) end
  return {0}
end

if op == 'close' then
  if redis.call('EXISTS', KEYS[6]) == 1 then redis.call('HSET', KEYS[6], 'open', '0') end
  return {0}
end

if op == 'hold' then
  local seat = ARGV[5]
  local t, code = trip(ARGV[7])
  if not t then return {code} end
  local flag = redis.call('HGET', KEYS[7], seat)
  if not flag then return {11} end
  local holder = live_holder(seat)
  if holder == ARGV[6] then return {7, t.exp, 0} end
  if flag ~= '0' or holder or sold(seat) then return {8} end
  if redis.call('SCARD', KEYS[3]) >= t.limit then return {9} end
  if redis.call('ZSCORE', KEYS[1], seat) then drop(seat) end -- an expired hold
  -- The sweeper knows of the flight already unless it had no hold that
  -- ends before this one (see due.lua).
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local hint = (#first == 0 or tonumber(first[2]) > t.exp) and 1 or 0
  redis.call('ZADD', KEYS[1], t.exp, seat)
  redis.call('HSET', KEYS[2], seat, ARGV[6])
  redis.call('SADD', KEYS[3], seat)
  local keep = t.exp + tonumber(ARGV[8])
  for i = 1, 3 do keep_until(KEYS[i], keep) end
  emit_seat(KEYS[4], KEYS[5], flight, seat, 'held', maxlen)
  return {0, t.exp, hint}
end

if op == 'release' then
  local seat = ARGV[5]
  local t, code = trip(ARGV[7])
  if not t and code ~= 3 then return {code} end
  if live_holder(seat) ~= ARGV[6] then return {10} end
  drop(seat)
  emit_seat(KEYS[4], KEYS[5], flight, seat, 'available', maxlen)
  return {0}
end

if op == 'sweep' then
  for _, seat in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
    drop(seat)
    emit_seat(KEYS[4], KEYS[5], flight, seat, 'available', maxlen)
  end
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #first == 0 then return -1 end
  return tonumber(first[2])
end
return redis.error_reply('holds.lua: unknown operation ' .. tostring(op))
