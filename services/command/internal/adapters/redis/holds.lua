-- Seat holds of one flight, on the flight's slot: the one atomic step that
-- decides who holds a seat. Key names, now_ms() and emit_seat() come from
-- the readmodel prelude.
-- KEYS: 1 holds (zset seat → expiry ms), 2 holders (hash seat → trip),
-- 3 seat events stream, 4 seat event counter, 5 the trip on this flight
-- (hash: owner, exp, limit, open, held, and "seat:<n>" per seat it holds),
-- 6 the flight's seat catalog (hash seat → "1" blocked, "0" for sale),
-- 7 the flight's recent sales (zset seat → inventory version).
-- ARGV: 1 prefix, 2 operation, 3 flight id, 4 seat events maxlen, then
--   attach:  5 trip, 6 owner, 7 expiry ms, 8 seat limit, 9 keep until ms,
--            10 catalog kept until ms, 11… seat, flag pairs
--   limit:   5 seat limit (raised, never lowered)
--   close:   (none) the trip may hold or release no more seats here
--   reopen:  (none) undo close (a commit that did not happen)
--   check:   5 trip, 6 guest, 7… seats: each is held by the trip, live
--   sell:    5 trip, 6 inventory version, 7 keep until ms, 8… seats sold
--   hold:    5 seat, 6 trip, 7 guest, 8 keep ms
--   release: 5 seat, 6 trip, 7 guest
--   sweep:   (none)
-- hold returns {0, expiry, hint} (held now; hint 1 when the sweeper must
-- be told about the flight), {7, expiry, 0} (this trip held it already)
-- or {code}: 1 no such trip here, 2 expired, 3 closed, 8 unavailable,
-- 9 seat limit, 11 no such seat. release returns {0} or {code}: 1, 2, 10
-- (not held by this trip). check returns {0} or {code}: 1, 2, 10.
-- sell returns {0}. sweep returns the earliest remaining expiry,
-- or -1 when none is left.
local op, flight, maxlen = ARGV[2], ARGV[3], ARGV[4]
local now = now_ms()

-- trip checks the trip's record on this flight: the caller's and alive.
local function trip(guest)
  local t = redis.call('HMGET', KEYS[5], 'owner', 'exp', 'limit', 'open', 'held')
  if not t[1] or t[1] ~= guest then return nil, 1 end
  local exp = tonumber(t[2])
  if exp <= now then return nil, 2 end
  return {exp = exp, limit = tonumber(t[3]), open = t[4] == '1', held = tonumber(t[5] or '0')}, 0
end

-- sold: the index says so, or a commit did at a version the index has
-- not reached yet (the recent sales readers also count).
local function sold(seat)
  local cur = redis.call('GET', K.current())
  if cur and redis.call('SISMEMBER', K.sold(cur, flight), seat) == 1 then return true end
  local v = redis.call('ZSCORE', KEYS[7], seat)
  if not v then return false end
  local seats_v = cur and redis.call('HGET', K.flight(cur, flight), 'seats_v') or '0'
  return tonumber(v) > tonumber(seats_v or '0')
end

-- drop forgets a hold: the seat, its holder and the holder's count.
local function drop(seat)
  local holder = redis.call('HGET', KEYS[2], seat)
  redis.call('ZREM', KEYS[1], seat)
  redis.call('HDEL', KEYS[2], seat)
  if holder then
    local tf = K.trip_flight(flight, holder)
    if redis.call('HDEL', tf, 'seat:' .. seat) == 1 then redis.call('HINCRBY', tf, 'held', -1) end
  end
end

if op == 'attach' then
  redis.call('HSET', KEYS[5], 'owner', ARGV[6], 'exp', ARGV[7], 'limit', ARGV[8], 'open', '1', 'held', 0)
  redis.call('PEXPIREAT', KEYS[5], ARGV[9])
  if redis.call('EXISTS', KEYS[6]) == 0 and #ARGV > 10 then
    for i = 11, #ARGV, 1000 do
      redis.call('HSET', KEYS[6], unpack(ARGV, i, math.min(i + 999, #ARGV)))
    end
  end
  local ttl = redis.call('PTTL', KEYS[6])
  if ttl < 0 or now + ttl < tonumber(ARGV[10]) then redis.call('PEXPIREAT', KEYS[6], ARGV[10]) end
  return {0}
end

if op == 'limit' then
  local cur = tonumber(redis.call('HGET', KEYS[5], 'limit') or '0')
  if cur > 0 and tonumber(ARGV[5]) > cur then redis.call('HSET', KEYS[5], 'limit', ARGV[5]) end
  return {0}
end

if op == 'close' then
  if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('HSET', KEYS[5], 'open', '0') end
  return {0}
end

if op == 'reopen' then
  if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('HSET', KEYS[5], 'open', '1') end
  return {0}
end

if op == 'check' then
  local t, code = trip(ARGV[6])
  if not t then return {code} end
  for i = 7, #ARGV do
    local until_ms = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[i]) or '0')
    if until_ms <= now or redis.call('HGET', KEYS[2], ARGV[i]) ~= ARGV[5] then return {10} end
  end
  return {0}
end

-- sell records a committed sale: the trip's holds of the seats end, the
-- seats join the recent sales at the new inventory version (so readers
-- show them sold before the projector has them), and each is announced.
if op == 'sell' then
  for i = 8, #ARGV do
    local seat = ARGV[i]
    if redis.call('HGET', KEYS[2], seat) == ARGV[5] then drop(seat) end
    redis.call('ZADD', KEYS[7], ARGV[6], seat)
    emit_seat(KEYS[3], KEYS[4], flight, seat, 'sold', maxlen)
  end
  redis.call('PEXPIREAT', KEYS[7], ARGV[7])
  return {0}
end

if op == 'hold' then
  local seat, tripID = ARGV[5], ARGV[6]
  local t, code = trip(ARGV[7])
  if not t then return {code} end
  if not t.open then return {3} end
  local flag = redis.call('HGET', KEYS[6], seat)
  if not flag then return {11} end
  -- A hold is live while its expiry is in the future: a seat whose hold
  -- has expired is free, whether or not the sweeper has come by.
  local held_until = tonumber(redis.call('ZSCORE', KEYS[1], seat) or '0')
  local holder = held_until > now and redis.call('HGET', KEYS[2], seat) or nil
  if holder == tripID then return {7, t.exp, 0} end
  if flag ~= '0' or holder or sold(seat) then return {8} end
  if t.held >= t.limit then return {9} end
  if held_until > 0 then drop(seat) end -- an expired hold
  -- The sweeper knows of the flight already unless no hold ends before
  -- this one (see due.lua).
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local hint = (#first == 0 or tonumber(first[2]) > t.exp) and 1 or 0
  redis.call('ZADD', KEYS[1], t.exp, seat)
  redis.call('HSET', KEYS[2], seat, tripID)
  redis.call('HSET', KEYS[5], 'seat:' .. seat, 1, 'held', t.held + 1)
  -- holds and holders always change together: one TTL check for both.
  local keep = t.exp + tonumber(ARGV[8])
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 or now + ttl < keep then
    redis.call('PEXPIREAT', KEYS[1], keep)
    redis.call('PEXPIREAT', KEYS[2], keep)
  end
  emit_seat(KEYS[3], KEYS[4], flight, seat, 'held', maxlen)
  return {0, t.exp, hint}
end

if op == 'release' then
  local seat = ARGV[5]
  local t, code = trip(ARGV[7])
  if not t then return {code} end
  if not t.open then return {3} end -- a commit is deciding these seats
  local held_until = tonumber(redis.call('ZSCORE', KEYS[1], seat) or '0')
  if held_until <= now or redis.call('HGET', KEYS[2], seat) ~= ARGV[6] then return {10} end
  drop(seat)
  emit_seat(KEYS[3], KEYS[4], flight, seat, 'available', maxlen)
  return {0}
end

if op == 'sweep' then
  for _, seat in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
    drop(seat)
    emit_seat(KEYS[3], KEYS[4], flight, seat, 'available', maxlen)
  end
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #first == 0 then return -1 end
  return tonumber(first[2])
end
return redis.error_reply('holds.lua: unknown operation ' .. tostring(op))
