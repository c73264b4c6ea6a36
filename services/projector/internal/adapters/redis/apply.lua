-- Applies one flight update to the availability index, version-gated.
-- Key names come from the readmodel prelude (K.*, P = ARGV[1]).
-- ARGV: 1 prefix, 2 flight id, 3 version, 4 target generation ('' = the
-- current one plus the one being rebuilt), 5 flight doc JSON ('' = none),
-- 6 route key, 7 departure score, 8 aircraft, 9 layout JSON, 10 has seats
-- ('1'/'0'), 11 sold seats JSON array, 12 status of the changed seats
-- ('' = no seat events; 'sold' or 'available'), 13 changed seats JSON
-- array, 14 seat-events maxlen, 15 origin, 16 destination, 17 layout
-- version (unix ms; the aircraft's layout is shared by many flights, so
-- it is written only when this version is at least the one stored).
-- Returns 1 when the update changed the current (or target) generation.
local id, v = ARGV[2], tonumber(ARGV[3])

local function apply(gen)
  local fk = K.flight(gen, id)
  local changed = 0
  if ARGV[5] ~= '' and v > tonumber(redis.call('HGET', fk, 'doc_v') or '0') then
    local old = redis.call('HGET', fk, 'route')
    if old and old ~= ARGV[6] then
      redis.call('ZREM', K.route(gen, old), id)
    end
    redis.call('HSET', fk, 'doc', ARGV[5], 'doc_v', v, 'route', ARGV[6])
    redis.call('ZADD', K.route(gen, ARGV[6]), ARGV[7], id)
    local lv = tonumber(ARGV[17])
    if lv >= tonumber(redis.call('GET', K.layout_v(gen, ARGV[8])) or '0') then
      redis.call('SET', K.layout(gen, ARGV[8]), ARGV[9])
      redis.call('SET', K.layout_v(gen, ARGV[8]), lv)
    end
    redis.call('SADD', K.airports(gen), ARGV[15], ARGV[16])
    changed = 1
  end
  if ARGV[10] == '1' and v > tonumber(redis.call('HGET', fk, 'seats_v') or '0') then
    local sk = K.sold(gen, id)
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
local cur = redis.call('GET', K.current())
if cur then
  result = apply(cur)
  if result == 1 and ARGV[12] ~= '' then
    for _, seat in ipairs(cjson.decode(ARGV[13])) do
      emit_seat(K.seat_events(id), K.seat_seq(id), id, seat, ARGV[12], ARGV[14])
    end
  end
end
local building = redis.call('GET', K.building())
if building and building ~= cur then
  apply(building)
end
return result
