// Package redis writes the availability index (see pkg/readmodel) with
// version-gated Lua scripts, so concurrent projectors, duplicates and a
// rebuild running beside live events never corrupt it.
package redis

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/projector/internal/app"
)

//go:embed apply.lua
var applySource string

var applyScript = rueidis.NewLuaScript(applySource)

// switchScript makes ARGV[1] current, ends the rebuild and records the
// schema; it returns the generation replaced.
var switchScript = rueidis.NewLuaScript(`
local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[3], ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return old or '0'`)

// abortScript ends a failed rebuild if it is still the one building.
var abortScript = rueidis.NewLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`)

// unlockScript releases the rebuild lock only if this process holds it.
var unlockScript = rueidis.NewLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// Index is the projector's view of the availability index.
type Index struct {
	client       rueidis.Client
	keys         readmodel.Keys
	streamMaxLen int
	lockTTL      time.Duration
}

// NewIndex returns the index under keys.
func NewIndex(client rueidis.Client, keys readmodel.Keys, streamMaxLen int) *Index {
	return &Index{client: client, keys: keys, streamMaxLen: streamMaxLen, lockTTL: 10 * time.Minute}
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
	execs := make([]rueidis.LuaExec, 0, len(updates))
	for _, u := range updates {
		args, err := ix.args(target, u)
		if err != nil {
			return 0, err
		}
		execs = append(execs, rueidis.LuaExec{Args: args})
	}
	applied := 0
	for i, r := range applyScript.ExecMulti(ctx, ix.client, execs...) {
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
	kind, changed := "", "[]"
	if u.Change != nil {
		kind, changed = u.Change.Kind, mustJSON(u.Change.Seats)
	}
	return []string{
		ix.keys.Prefix(), u.FlightID, strconv.FormatInt(u.Version, 10), target,
		doc, route, score, aircraft, layout, seatsFlag, sold, kind, changed,
		strconv.Itoa(ix.streamMaxLen), origin, dest,
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

// Begin names a new generation and makes Apply write to it too.
func (ix *Index) Begin(ctx context.Context) (int64, error) {
	gen, err := ix.client.Do(ctx, ix.client.B().Incr().Key(ix.keys.Generation()).Build()).AsInt64()
	if err != nil {
		return 0, err
	}
	err = ix.client.Do(ctx, ix.client.B().Set().Key(ix.keys.Building()).Value(strconv.FormatInt(gen, 10)).Build()).Error()
	return gen, err
}

// Switch makes gen current and returns the generation it replaced.
func (ix *Index) Switch(ctx context.Context, gen int64) (int64, error) {
	keys := []string{ix.keys.Current(), ix.keys.Building(), ix.keys.Schema()}
	args := []string{strconv.FormatInt(gen, 10), strconv.Itoa(readmodel.SchemaVersion)}
	s, err := switchScript.Exec(ctx, ix.client, keys, args).ToString()
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
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

// Lock takes the rebuild lock for this process.
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
	return func() {
		_ = unlockScript.Exec(context.WithoutCancel(ctx), ix.client, []string{ix.keys.RebuildLock()}, []string{token}).Error()
	}, nil
}

// Status reports the current generation and whether it was built with this
// schema version; gen is 0 when there is no index.
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
	return cur, schema == readmodel.SchemaVersion, nil
}

// normalizeLayout orders exit rows and blocked seats so that the same seat
// map always serialises the same way, whichever path delivered it.
func normalizeLayout(l events.SeatLayout) events.SeatLayout {
	l.ExitRows = slices.Sorted(slices.Values(l.ExitRows))
	l.Blocked = slices.SortedFunc(slices.Values(l.Blocked), compareSeats)
	if l.ExitRows == nil {
		l.ExitRows = []int{}
	}
	if l.Blocked == nil {
		l.Blocked = []string{}
	}
	return l
}

// compareSeats orders "9C" before "12A": by row number, then letter.
func compareSeats(a, b string) int {
	ra, la := splitSeat(a)
	rb, lb := splitSeat(b)
	if c := cmp.Compare(ra, rb); c != 0 {
		return c
	}
	return strings.Compare(la, lb)
}

func splitSeat(s string) (int, string) {
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:]
}
