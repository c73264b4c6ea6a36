// Package redis writes the availability index (see pkg/readmodel) with
// version-gated Lua scripts, so concurrent projectors, duplicates and a
// rebuild running beside live events never corrupt it.
package redis

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/events"
	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/projector/internal/app"
)

//go:embed apply.lua
var applySource string

var applyScript = platformredis.NewScript(readmodel.Lua(applySource))

// switchScript makes ARGV[2] current, ends the rebuild, records the schema
// and schedules the generation replaced for dropping ARGV[4] ms from now
// (Redis clock) in K.retired(); it returns that generation. It refuses
// when ARGV[2] is no longer the generation being built (Redis lost the
// marker, or another rebuild took over): live events may then have missed
// it.
var switchScript = platformredis.NewScript(readmodel.Lua(`
if redis.call('GET', K.building()) ~= ARGV[2] then
  return redis.error_reply('ALTIS_STALE generation ' .. ARGV[2] .. ' is no longer the one being built')
end
local old = redis.call('GET', K.current())
redis.call('SET', K.current(), ARGV[2])
redis.call('SET', K.schema(), ARGV[3])
redis.call('DEL', K.building())
if old and old ~= ARGV[2] then
  redis.call('ZADD', K.retired(), now_ms() + tonumber(ARGV[4]), old)
end
return old or '0'`))

// dueScript lists the retired generations due for dropping (by the Redis
// clock), never the current one or the one being built.
var dueScript = platformredis.NewScript(readmodel.Lua(`
local out = {}
local cur, building = redis.call('GET', K.current()), redis.call('GET', K.building())
for _, g in ipairs(redis.call('ZRANGEBYSCORE', K.retired(), '-inf', now_ms())) do
  if g == cur or g == building then
    redis.call('ZREM', K.retired(), g)
  else
    out[#out + 1] = g
  end
end
return out`))

// beginScript names a new generation the one being built and returns it
// with the generation an earlier, abandoned rebuild left behind (0: none).
var beginScript = rueidis.NewLuaScript(`
local gen = redis.call('INCR', KEYS[1])
local abandoned = redis.call('GET', KEYS[2]) or '0'
redis.call('SET', KEYS[2], gen)
return {gen, tonumber(abandoned)}`)

// renewScript extends the rebuild lock only while this process holds it.
var renewScript = rueidis.NewLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)

// abortScript ends a failed rebuild if it is still the one building.
var abortScript = rueidis.NewLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`)

// unlockScript releases the rebuild lock only if this process holds it.
var unlockScript = rueidis.NewLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// seatVersionsScript returns, for each flight id in ARGV[2..], the
// seats_v of the current generation (0 when the flight is missing), or
// {-1} when there is no current generation.
var seatVersionsScript = platformredis.NewScript(readmodel.Lua(`
local cur = redis.call('GET', K.current())
if not cur then return {-1} end
local out = {}
for i = 2, #ARGV do
  out[#out + 1] = tonumber(redis.call('HGET', K.flight(cur, ARGV[i]), 'seats_v') or '0')
end
return out`))

// Index is the projector's view of the availability index.
type Index struct {
	client       rueidis.Client
	keys         readmodel.Keys
	streamMaxLen int
	lockTTL      time.Duration
}

// NewIndex returns the index under keys.
func NewIndex(client rueidis.Client, keys readmodel.Keys, streamMaxLen int) *Index {
	return &Index{client: client, keys: keys, streamMaxLen: streamMaxLen, lockTTL: 30 * time.Second}
}

// Apply writes updates in one round trip, in order.
func (ix *Index) Apply(ctx context.Context, updates []app.Update) (int, error) {
	return ix.exec(ctx, "", updates)
}

// Load writes snapshot updates into generation gen only.
func (ix *Index) Load(ctx context.Context, gen int64, updates []app.Update) error {
	_, err := ix.exec(ctx, strconv.FormatInt(gen, 10), updates)
	return err
}

func (ix *Index) exec(ctx context.Context, target string, updates []app.Update) (int, error) {
	if len(updates) == 0 {
		return 0, nil
	}
	calls := make([]platformredis.Call, 0, len(updates))
	for _, u := range updates {
		args, err := ix.args(target, u)
		if err != nil {
			return 0, err
		}
		calls = append(calls, platformredis.Call{Args: args})
	}
	applied := 0
	for i, r := range applyScript.ExecMulti(ctx, ix.client, calls) {
		n, err := r.AsInt64()
		if err != nil {
			return 0, fmt.Errorf("apply flight %s: %w", updates[i].FlightID, err)
		}
		applied += int(n)
	}
	return applied, nil
}

func (ix *Index) args(target string, u app.Update) ([]string, error) {
	doc, route, score, aircraft, layout, origin, dest, err := flightArgs(u)
	if err != nil {
		return nil, err
	}
	seatsFlag, sold := "0", "[]"
	if u.HasSeats {
		seatsFlag, sold = "1", mustJSON(u.SoldSeats)
	}
	status, changed := "", "[]"
	if u.Change != nil {
		status, changed = u.Change.Status, mustJSON(u.Change.Seats)
	}
	return []string{
		ix.keys.Prefix(), u.FlightID, strconv.FormatInt(u.Version, 10), target,
		doc, route, score, aircraft, layout, seatsFlag, sold, status, changed,
		strconv.Itoa(ix.streamMaxLen), origin, dest, layoutVersion(u),
	}, nil
}

func flightArgs(u app.Update) (doc, route, score, aircraft, layout, origin, dest string, err error) {
	f := u.Flight
	if f == nil {
		return "", "", "0", "", "", "", "", nil
	}
	b, err := json.Marshal(toDoc(u.FlightID, f))
	if err != nil {
		return
	}
	lb, err := json.Marshal(normalizeLayout(f.Layout))
	if err != nil {
		return
	}
	return string(b), readmodel.RouteKey(f.Origin, f.Destination, f.DepartureAt),
		strconv.FormatInt(f.DepartureAt.Unix(), 10), f.Layout.Aircraft, string(lb), f.Origin, f.Destination, nil
}

func layoutVersion(u app.Update) string {
	if u.Flight == nil {
		return "0"
	}
	return strconv.FormatInt(u.Flight.LayoutVersion, 10)
}

func toDoc(id string, f *app.Flight) readmodel.FlightDoc {
	return readmodel.FlightDoc{
		ID: id, Number: f.Number, Origin: f.Origin, Destination: f.Destination,
		DepartureAt: f.DepartureAt.UTC(), ArrivalAt: f.ArrivalAt.UTC(),
		Aircraft: f.Layout.Aircraft, AircraftName: f.Layout.Name, Status: f.Status,
		Currency: f.Currency, Fares: f.Fares, Capacity: f.Capacity,
	}
}

func mustJSON(v []string) string {
	b, _ := json.Marshal(v) // a []string always marshals
	return string(b)
}

// Begin names a new generation and makes Apply write to it too. What an
// abandoned rebuild (a crashed projector) left behind is deleted.
func (ix *Index) Begin(ctx context.Context) (int64, error) {
	vals, err := beginScript.Exec(ctx, ix.client, []string{ix.keys.Generation(), ix.keys.Building()}, nil).AsIntSlice()
	if err != nil {
		return 0, err
	}
	if err := ix.Drop(ctx, vals[1]); err != nil {
		return 0, fmt.Errorf("drop abandoned generation %d: %w", vals[1], err)
	}
	return vals[0], nil
}

// Switch makes gen current and returns the generation it replaced, which
// it records as retired: due for dropping once grace has passed.
func (ix *Index) Switch(ctx context.Context, gen int64, grace time.Duration) (int64, error) {
	args := []string{ix.keys.Prefix(), strconv.FormatInt(gen, 10), strconv.Itoa(readmodel.SchemaVersion),
		strconv.FormatInt(grace.Milliseconds(), 10)}
	s, err := switchScript.Exec(ctx, ix.client, nil, args).ToString()
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

// SeatVersions implements app.SeatVersions in one round trip that reads
// one generation.
func (ix *Index) SeatVersions(ctx context.Context, flightIDs []string) ([]int64, error) {
	vs, err := seatVersionsScript.Exec(ctx, ix.client, nil, append([]string{ix.keys.Prefix()}, flightIDs...)).AsIntSlice()
	if err != nil {
		return nil, err
	}
	if len(vs) == 1 && vs[0] == -1 {
		return nil, app.ErrNoCurrentIndex
	}
	if len(vs) != len(flightIDs) {
		return nil, fmt.Errorf("seat versions: %d answers for %d flights", len(vs), len(flightIDs))
	}
	return vs, nil
}

// DueRetired lists the retired generations whose grace has passed.
func (ix *Index) DueRetired(ctx context.Context) ([]int64, error) {
	return dueScript.Exec(ctx, ix.client, nil, []string{ix.keys.Prefix()}).AsIntSlice()
}

// Forget removes gen from the retired generations once it is dropped.
func (ix *Index) Forget(ctx context.Context, gen int64) error {
	return ix.client.Do(ctx, ix.client.B().Zrem().Key(ix.keys.Retired()).Member(strconv.FormatInt(gen, 10)).Build()).Error()
}

// Abort ends a failed rebuild of gen and deletes what it wrote.
func (ix *Index) Abort(ctx context.Context, gen int64) error {
	err := abortScript.Exec(ctx, ix.client, []string{ix.keys.Building()}, []string{strconv.FormatInt(gen, 10)}).Error()
	if err != nil {
		return err
	}
	return ix.Drop(ctx, gen)
}

// Drop deletes every key of gen.
func (ix *Index) Drop(ctx context.Context, gen int64) error {
	if gen <= 0 {
		return nil
	}
	var cursor uint64
	for {
		cmd := ix.client.B().Scan().Cursor(cursor).Match(ix.keys.GenPrefix(gen) + "*").Count(1000).Build()
		entry, err := ix.client.Do(ctx, cmd).AsScanEntry()
		if err != nil {
			return err
		}
		if len(entry.Elements) > 0 {
			if err := ix.client.Do(ctx, ix.client.B().Unlink().Key(entry.Elements...).Build()).Error(); err != nil {
				return err
			}
		}
		if cursor = entry.Cursor; cursor == 0 {
			return nil
		}
	}
}

// Lock takes the rebuild lock for this process. The lock is short-lived
// and renewed while held, so a crashed rebuild blocks the next one for
// seconds, not minutes.
func (ix *Index) Lock(ctx context.Context) (func(), error) {
	token := uuid.NewString()
	cmd := ix.client.B().Set().Key(ix.keys.RebuildLock()).Value(token).Nx().Px(ix.lockTTL).Build()
	err := ix.client.Do(ctx, cmd).Error()
	if rueidis.IsRedisNil(err) {
		return nil, app.ErrRebuildRunning
	}
	if err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go ix.renew(token, stop, done)
	return func() {
		close(stop)
		<-done
		_ = unlockScript.Exec(context.WithoutCancel(ctx), ix.client, []string{ix.keys.RebuildLock()}, []string{token}).Error()
	}, nil
}

func (ix *Index) renew(token string, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(ix.lockTTL / 3)
	defer t.Stop()
	ttl := strconv.FormatInt(ix.lockTTL.Milliseconds(), 10)
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			_ = renewScript.Exec(context.Background(), ix.client, []string{ix.keys.RebuildLock()}, []string{token, ttl}).Error()
		}
	}
}

// Status reports the current generation and whether it was built with a
// schema version at least this code's (a newer one belongs to a newer
// projector during a rolling deploy: rebuilding over it would flip-flop);
// gen is 0 when there is no index.
func (ix *Index) Status(ctx context.Context) (gen int64, schemaOK bool, err error) {
	vals, err := ix.client.Do(ctx, ix.client.B().Mget().Key(ix.keys.Current(), ix.keys.Schema()).Build()).ToArray()
	if err != nil {
		return 0, false, err
	}
	cur, err := vals[0].AsInt64()
	if rueidis.IsRedisNil(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	schema, err := vals[1].AsInt64()
	if err != nil && !rueidis.IsRedisNil(err) {
		return 0, false, err
	}
	return cur, schema >= readmodel.SchemaVersion, nil
}

// normalizeLayout orders exit rows and blocked seats so that the same seat
// map always serialises the same way, whichever path delivered it.
func normalizeLayout(l events.SeatLayout) events.SeatLayout {
	l.ExitRows = slices.Sorted(slices.Values(l.ExitRows))
	l.Blocked = slices.SortedFunc(slices.Values(l.Blocked), readmodel.CompareSeats)
	if l.ExitRows == nil {
		l.ExitRows = []int{}
	}
	if l.Blocked == nil {
		l.Blocked = []string{}
	}
	return l
}
