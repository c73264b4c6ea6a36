-- A guest's trips, on the guest's slot. Key names and now_ms() come from
-- the readmodel prelude. KEYS: 1 trip, 2 guest trips (zset trip → expiry
-- ms), 3 guest allowance (hash trip → seats it may hold).
-- ARGV: 1 prefix, 2 operation, 3 trip id, then per operation:
--   create:        4 doc, 5 expiry ms, 6 flights "id=aircraft,…",
--                  7 seat limit, 8 allowance, 9 max trips, 10 max seats,
--                  11 retention ms
--   add_passenger: 4 doc, 5 expected version, 6 seat limit, 7 allowance,
--                  8 max seats
--   close:         (none) open → closing: one commit at a time; a
--                  closing trip whose commit died (no reopen or booked
--                  within a minute) may be closed again
--   reopen:        (none) closing → open: the commit did not happen
--   booked:        (none) the trip is a booking now: it stops counting
--                  against the guest's limits
-- Returns {0, expiry ms} on success, else {code}: 1 not found, 2 expired,
-- 3 closed, 4 changed concurrently, 5 too many trips, 6 too many seats.
local op, trip = ARGV[2], ARGV[3]
local now = now_ms()

-- live_allowance forgets the guest's trips that are over and sums what
-- the others (all but except) may hold.
local function live_allowance(except)
  local over = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  if #over > 0 then
    redis.call('ZREM', KEYS[2], unpack(over))
    redis.call('HDEL', KEYS[3], unpack(over))
  end
  local sum, all = 0, redis.call('HGETALL', KEYS[3])
  for i = 1, #all, 2 do
    if all[i] ~= except then sum = sum + tonumber(all[i + 1]) end
  end
  return sum
end

if op == 'create' then
  if redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf') >= tonumber(ARGV[9]) then return {5} end
  if live_allowance('') + tonumber(ARGV[8]) > tonumber(ARGV[10]) then return {6} end
  local exp = tonumber(ARGV[5])
  if exp <= now then return {2} end
  local keep = exp + tonumber(ARGV[11])
  redis.call('HSET', KEYS[1], 'doc', ARGV[4], 'v', 1, 'exp', exp, 'status', 'open',
    'flights', ARGV[6], 'limit', ARGV[7])
  redis.call('ZADD', KEYS[2], exp, trip)
  redis.call('HSET', KEYS[3], trip, ARGV[8])
  for i = 1, 3 do redis.call('PEXPIREAT', KEYS[i], keep) end
  return {0, exp}
end

if op == 'add_passenger' then
  local cur = redis.call('HMGET', KEYS[1], 'v', 'exp', 'status')
  if not cur[1] then return {1} end
  local exp = tonumber(cur[2])
  if exp <= now then return {2} end
  if cur[3] ~= 'open' then return {3} end
  if cur[1] ~= ARGV[5] then return {4} end
  if live_allowance(trip) + tonumber(ARGV[7]) > tonumber(ARGV[8]) then return {6} end
  redis.call('HSET', KEYS[1], 'doc', ARGV[4], 'v', tonumber(cur[1]) + 1, 'limit', ARGV[6])
  redis.call('HSET', KEYS[3], trip, ARGV[7])
  return {0, exp}
end
if op == 'close' or op == 'reopen' or op == 'booked' then
  local cur = redis.call('HMGET', KEYS[1], 'exp', 'status', 'closing_until')
  if not cur[1] then return {1} end
  local exp = tonumber(cur[1])
  if op == 'close' then
    local stale = cur[2] == 'closing' and tonumber(cur[3] or '0') <= now
    if cur[2] ~= 'open' and not stale then return {3} end
    if exp <= now then return {2} end
    redis.call('HSET', KEYS[1], 'status', 'closing', 'closing_until', now + 60000)
  elseif op == 'reopen' then
    if cur[2] == 'closing' then redis.call('HSET', KEYS[1], 'status', 'open') end
  else
    redis.call('HSET', KEYS[1], 'status', 'booked')
    redis.call('ZREM', KEYS[2], trip)
    redis.call('HDEL', KEYS[3], trip)
  end
  return {0, exp}
end
return redis.error_reply('trips.lua: unknown operation ' .. tostring(op))
