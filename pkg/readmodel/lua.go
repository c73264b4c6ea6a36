package readmodel

import (
	"strings"
)

// Lua returns body preceded by the contract's Lua prelude:
//
//   - P, the key prefix: every script takes it as ARGV[1];
//   - K.<name>(params...), one function per key of the layout table, e.g.
//     K.flight(gen, flight), K.holds(flight), K.trip(guest, trip);
//   - now_ms(), the Redis server's clock in unix milliseconds, so that
//     every instance judges a hold's expiry by the same clock;
//   - emit_seat(events_key, seq_key, flight, seat, status, maxlen), which
//     appends one seat event to the flight's capped stream with the next
//     version and publishes it on K.seat_channel() (see SeatEvent).
//
// Only the key functions body (or a helper) calls are defined: Redis runs
// the prelude on every call, so a script pays for what it uses only.
func Lua(body string) string {
	var b strings.Builder
	b.WriteString("local P = ARGV[1]\nlocal K = {}\n")
	for _, l := range layout {
		call := "K." + l.name + "("
		if strings.Contains(body, call) || strings.Contains(luaHelpers, call) {
			b.WriteString(templates[l.name].lua())
		}
	}
	b.WriteString(luaHelpers)
	b.WriteString(body)
	return b.String()
}

const luaHelpers = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function emit_seat(events_key, seq_key, flight, seat, status, maxlen)
  local v = redis.call('INCR', seq_key)
  local id = redis.call('XADD', events_key, 'MAXLEN', '~', maxlen, '*',
    'seat', seat, 'status', status, 'version', v)
  redis.call('PUBLISH', K.seat_channel(), '{"id":"' .. id .. '","flight_id":"' .. flight ..
    '","seat_number":"' .. seat .. '","status":"' .. status .. '","version":' .. v .. '}')
  return id
end
`
