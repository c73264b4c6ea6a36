-- Applies one flight update to the availability index, version-gated.
-- ARGV: 1 prefix, 2 flight id, 3 version, 4 target generation ('' = the
-- current one plus the one being rebuilt), 5 flight doc JSON ('' = none),
-- 6 route key, 7 departure score, 8 aircraft, 9 layout JSON, 10 has seats
-- ('1'/'0'), 11 sold seats JSON array, 12 change kind ('' = no notice),
-- 13 changed seats JSON array, 14 seat-events maxlen, 15 origin,
-- 16 destination.
-- Returns 1 when the update changed the current (or target) generation.
local p, id, v = ARGV[1], ARGV[2], tonumber(ARGV[3])

local function apply(gen)
  local g = p .. ':ix:' .. gen .. ':'
  local fk = g .. 'flight:{' .. id .. '}'
  local changed = 0
  if ARGV[5] ~= '' and v > tonumber(redis.call('HGET', fk, 'doc_v') or '0') then
    local old = redis.call('HGET', fk, 'route')
    if old and old ~= ARGV[6] then
      redis.call('ZREM', g .. 'route:' .. old, id)
    end
    redis.call('HSET', fk, 'doc', ARGV[5], 'doc_v', v, 'route', ARGV[6])
    redis.call('ZADD', g .. 'route:' .. ARGV[6], ARGV[7], id)
    redis.call('SET', g .. 'layout:' .. ARGV[8], ARGV[9])
    redis.call('SADD', g .. 'airports', ARGV[15], ARGV[16])
    changed = 1
  end
  if ARGV[10] == '1' and v > tonumber(redis.call('HGET', fk, 'seats_v') or '0') then
    local sk = g .. 'sold:{' .. id .. '}'
    local seats = cjson.decode(ARGV[11])
    redis.call('DEL', sk)
    for i = 1, #seats, 500 do
      redis.call('SADD', sk, unpack(seats, i, math.min(i + 499, #seats)))
    end
    redis.call('HSET', fk, 'seats_v', v, 'sold', #seats)
    changed = 1
  end
  return changed
end

if ARGV[4] ~= '' then
  return apply(ARGV[4])
end
local result = 0
local cur = redis.call('GET', p .. ':index:current')
if cur then
  result = apply(cur)
  if result == 1 and ARGV[12] ~= '' then
    redis.call('XADD', p .. ':seat-events:{' .. id .. '}', 'MAXLEN', '~', ARGV[14], '*',
      'type', ARGV[12], 'seats', ARGV[13], 'version', ARGV[3])
  end
end
local building = redis.call('GET', p .. ':index:building')
if building and building ~= cur then
  apply(building)
end
return result
