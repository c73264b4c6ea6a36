-- Which flights the sweeper should visit, on the {holds-due} slot.
-- KEYS: 1 due (zset flight → when, ms), 2 touched (hash flight → holds
-- placed since the last sweep). ARGV: 1 prefix, 2 operation, then
--   touch:  3 flight, 4 expiry ms of the hold just placed
--   due:    3 max flights; returns {flight, touched, …} due now
--   settle: 3 flight, 4 touched as read by due, 5 next expiry (-1: none)
-- settle leaves a flight that was touched since it was read: the hold
-- placed meanwhile keeps it due.
local op = ARGV[2]
if op == 'touch' then
  redis.call('ZADD', KEYS[1], 'LT', ARGV[4], ARGV[3])
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
  return 1
end
if op == 'due' then
  local out = {}
  for _, f in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[3]))) do
    out[#out + 1] = f
    out[#out + 1] = redis.call('HGET', KEYS[2], f) or '0'
  end
  return out
end
if op == 'settle' then
  local flight = ARGV[3]
  if (redis.call('HGET', KEYS[2], flight) or '0') ~= ARGV[4] then return 0 end
  if tonumber(ARGV[5]) < 0 then
    redis.call('ZREM', KEYS[1], flight)
    redis.call('HDEL', KEYS[2], flight)
  else
    redis.call('ZADD', KEYS[1], ARGV[5], flight)
  end
  return 1
end
return redis.error_reply('due.lua: unknown operation ' .. tostring(op))
