// Package redis reads the availability index (see pkg/readmodel) with one
// Lua script per question, so each answer is one round trip and reads one
// consistent generation; and the seat events every writer emits, live
// through one subscription and from each flight's retained stream.
package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/events"
	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/domain"
)

// recentSales is Lua shared by the read scripts: the seats the command
// service sold (readmodel Keys.RecentSold) at a version the index has not
// reached (above its seats_v) and that its sold set lacks. It returns how
// many, and appends them to into when given. A commit therefore shows as
// sold the moment it returns, before the projector catches up; once the
// index has the sale, the entry no longer counts.
const recentSales = `
-- sold_count reads a flight's sold count; a value that is not a count
-- fails the script: it is never read as "0 sold".
local function sold_count(raw, id)
  local n = tonumber(raw or '0')
  if not n or n < 0 or n % 1 ~= 0 then
    return redis.error_reply('corrupt sold count for flight ' .. id)
  end
  return n
end

local function recent_sales(cur, id, seats_v, into)
  local n = 0
  for _, s in ipairs(redis.call('ZRANGEBYSCORE', K.recent_sold(id), '(' .. (seats_v or '0'), '+inf')) do
    if redis.call('SISMEMBER', K.sold(cur, id), s) == 0 then
      n = n + 1
      if into then into[#into + 1] = s end
    end
  end
  return n
end
`

// legScript returns {1, origin served, destination served, doc, sold,
// held, ...} or {0} when there is no index. Held counts only holds whose
// expiry is in the future by the Redis clock: an expired hold frees its
// seat at once, whether or not a sweeper has tidied it.
var legScript = platformredis.NewScript(readmodel.Lua(recentSales + `
local cur = redis.call('GET', K.current())
if not cur then return {0} end
local out = {1, redis.call('SISMEMBER', K.airports(cur), ARGV[2]),
             redis.call('SISMEMBER', K.airports(cur), ARGV[3])}
local ids = redis.call('ZRANGEBYSCORE', K.route(cur, ARGV[2] .. ':' .. ARGV[3] .. ':' .. ARGV[4]), ARGV[5], '+inf')
local now = now_ms()
for _, id in ipairs(ids) do
  local v = redis.call('HMGET', K.flight(cur, id), 'doc', 'sold', 'seats_v')
  if v[1] then
    out[#out + 1] = v[1]
    local sold = sold_count(v[2], id)
    if type(sold) == 'table' then return sold end
    out[#out + 1] = sold + recent_sales(cur, id, v[3])
    out[#out + 1] = redis.call('ZCOUNT', K.holds(id), '(' .. now, '+inf')
  end
end
return out`))

// seatMapScript returns {1, doc, sold count, layout, n, n sold seats...,
// held seats...}, {0} when there is no index, or {2} when the flight is
// unknown. Held seats are those whose hold has not expired.
var seatMapScript = platformredis.NewScript(readmodel.Lua(recentSales + `
local cur = redis.call('GET', K.current())
if not cur then return {0} end
local v = redis.call('HMGET', K.flight(cur, ARGV[2]), 'doc', 'sold', 'seats_v')
if not v[1] then return {2} end
local doc = cjson.decode(v[1])
local sold = redis.call('SMEMBERS', K.sold(cur, ARGV[2]))
local count = sold_count(v[2], ARGV[2])
if type(count) == 'table' then return count end
local recent = {}
recent_sales(cur, ARGV[2], v[3], recent)
local out = {1, v[1], count + #recent, redis.call('GET', K.layout(cur, doc.aircraft)) or '', #sold + #recent}
for _, s in ipairs(sold) do
  out[#out + 1] = s
end
for _, s in ipairs(recent) do
  out[#out + 1] = s
end
for _, s in ipairs(redis.call('ZRANGEBYSCORE', K.holds(ARGV[2]), '(' .. now_ms(), '+inf')) do
  out[#out + 1] = s
end
return out`))

// Index reads the availability index.
type Index struct {
	client rueidis.Client
	keys   readmodel.Keys
	docs   *docCache
}

// NewIndex returns a reader under keys.
func NewIndex(client rueidis.Client, keys readmodel.Keys) *Index {
	return &Index{client: client, keys: keys, docs: newDocCache()}
}

// Legs answers every leg in one round trip.
func (ix *Index) Legs(ctx context.Context, legs []domain.Leg, since time.Time) ([]app.LegFlights, error) {
	calls := make([]platformredis.Call, len(legs))
	for i, l := range legs {
		calls[i] = platformredis.Call{Args: []string{ix.keys.Prefix(), string(l.Origin), string(l.Destination),
			l.Date.Format(time.DateOnly), strconv.FormatInt(since.Unix()+1, 10)}}
	}
	out := make([]app.LegFlights, len(legs))
	for i, r := range legScript.ExecMulti(ctx, ix.client, calls) {
		vals, err := r.ToArray()
		if err != nil {
			return nil, fmt.Errorf("search index: %w", err)
		}
		if out[i], err = ix.toLeg(vals); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (ix *Index) toLeg(vals []rueidis.RedisMessage) (app.LegFlights, error) {
	if ok, _ := vals[0].AsInt64(); ok != 1 {
		return app.LegFlights{}, app.ErrNoIndex
	}
	o, _ := vals[1].AsInt64()
	d, _ := vals[2].AsInt64()
	leg := app.LegFlights{OriginKnown: o == 1, DestinationKnown: d == 1}
	for i := 3; i+2 < len(vals); i += 3 {
		f, err := ix.toFlight(vals[i], vals[i+1])
		if err != nil {
			return leg, err
		}
		if f.Held, err = asCount(vals[i+2]); err != nil {
			return leg, fmt.Errorf("flight %s held seats: %w", f.ID, err)
		}
		leg.Flights = append(leg.Flights, f)
	}
	return leg, nil
}

func (ix *Index) toFlight(docMsg, soldMsg rueidis.RedisMessage) (domain.Flight, error) {
	raw, err := docMsg.ToString()
	if err != nil {
		return domain.Flight{}, err
	}
	f, err := ix.docs.flight(raw)
	if err != nil {
		return f, err
	}
	// A count that cannot be read is an error, never "0 sold".
	if f.Sold, err = asCount(soldMsg); err != nil {
		return f, fmt.Errorf("flight %s sold seats: %w", f.ID, err)
	}
	return f, nil
}

// asCount reads a non-negative count sent as an integer or a string.
func asCount(m rueidis.RedisMessage) (int, error) {
	if n, err := m.AsInt64(); err == nil && n >= 0 {
		return int(n), nil
	}
	s, err := m.ToString()
	if err != nil {
		return 0, fmt.Errorf("unreadable count: %w", err)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("corrupt count %q", s)
	}
	return n, nil
}

func toDomain(d readmodel.FlightDoc, sold int) domain.Flight {
	return domain.Flight{
		ID: d.ID, Number: d.Number, Origin: domain.AirportCode(d.Origin),
		Destination: domain.AirportCode(d.Destination), DepartureAt: d.DepartureAt, ArrivalAt: d.ArrivalAt,
		Aircraft: d.Aircraft, AircraftName: d.AircraftName, Status: d.Status, Currency: d.Currency,
		Fares: d.Fares, Capacity: d.Capacity, Sold: sold,
	}
}

// SeatMap reads one flight with its layout, sold seats and held seats.
func (ix *Index) SeatMap(ctx context.Context, flightID string) (app.FlightSeats, error) {
	vals, err := seatMapScript.Exec(ctx, ix.client, nil, []string{ix.keys.Prefix(), flightID}).ToArray()
	if err != nil {
		return app.FlightSeats{}, fmt.Errorf("seat map: %w", err)
	}
	switch status, _ := vals[0].AsInt64(); status {
	case 0:
		return app.FlightSeats{}, app.ErrNoIndex
	case 2:
		return app.FlightSeats{}, domain.ErrFlightNotFound
	}
	f, err := ix.toFlight(vals[1], vals[2])
	if err != nil {
		return app.FlightSeats{}, err
	}
	layout, err := toLayout(vals[3])
	if err != nil {
		return app.FlightSeats{}, err
	}
	n, err := asCount(vals[4])
	if err != nil || 5+n > len(vals) {
		return app.FlightSeats{}, fmt.Errorf("seat map of %s: bad sold seat count", flightID)
	}
	out := app.FlightSeats{Flight: f, Layout: layout}
	if out.Sold, err = seatSet(vals[5 : 5+n]); err != nil {
		return out, err
	}
	out.Held, err = seatSet(vals[5+n:])
	return out, err
}

func seatSet(msgs []rueidis.RedisMessage) (map[string]bool, error) {
	out := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		s, err := m.ToString()
		if err != nil {
			return nil, fmt.Errorf("seat number: %w", err)
		}
		out[s] = true
	}
	return out, nil
}

func toLayout(m rueidis.RedisMessage) (domain.Layout, error) {
	raw, _ := m.ToString()
	var l events.SeatLayout
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		return domain.Layout{}, fmt.Errorf("seat layout: %w", err)
	}
	out := domain.Layout{Aircraft: l.Aircraft, Name: l.Name, ExitRows: l.ExitRows, Blocked: l.Blocked}
	for _, c := range l.Cabins {
		out.Cabins = append(out.Cabins, domain.Cabin{Code: c.Code, Name: c.Name, FirstRow: c.FirstRow, LastRow: c.LastRow, Layout: c.Layout})
	}
	return out, nil
}
