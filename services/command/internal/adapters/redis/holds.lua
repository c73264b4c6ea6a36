-- Seat holds of one flight, on the flight's slot: the atomic step that
-- decides who holds a seat. Key names, now_ms() and emit_seat() come from
-- the readmodel prelude. KEYS: 1 holds (zset seat → expiry ms), 2 holders
-- (hash seat → trip), 3 the trip's seats on the flight (set; unused by
-- sweep), 4 seat events stream, 5 seat event counter.
-- ARGV: 1 prefix, 2 operation, 3 flight id, 4 seat events maxlen, then
--   hold:    5 seat, 6 trip id, 7 trip expiry ms, 8 seat limit, 9 keep ms
--   release: 5 seat, 6 trip id
--   sweep:   (none)
-- hold returns {0, expiry} (held now), {7, expiry} (this trip held it
-- already) or {code}: 2 trip expired, 8 unavailable, 9 seat limit.
-- release returns {0} or {10} (not held by this trip).
-- sweep returns the earliest remaining expiry, or -1 when none is left.
local op, flight, maxlen = ARGV[2], ARGV[3], ARGV[4]
local now = now_ms()

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

if op == 'hold' then
  local seat, trip, exp = ARGV[5], ARGV[6], tonumber(ARGV[7])
  if exp <= now then return {2} end
  local holder = live_holder(seat)
  if holder == trip then return {7, exp} end
  if holder or sold(seat) then return {8} end
  if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[8]) then return {9} end
  if redis.call('ZSCORE', KEYS[1], seat) then drop(seat) end -- an expired hold
  redis.call('ZADD', KEYS[1], exp, seat)
  redis.call('HSET', KEYS[2], seat, trip)
  redis.call('SADD', KEYS[3], seat)
  local keep = exp + tonumber(ARGV[9])
  for i = 1, 3 do keep_until(KEYS[i], keep) end
  emit_seat(KEYS[4], KEYS[5], flight, seat, 'held', maxlen)
  return {0, exp}
end

if op == 'release' then
  local seat, trip = ARGV[5], ARGV[6]
  if live_holder(seat) ~= trip then return {10} end
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
