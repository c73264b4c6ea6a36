package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/query/internal/app"
)

// SeatEvents reads the seat events every writer emits (readmodel's
// emit_seat): a flight's retained history from its stream, and the live
// events from the one pub/sub channel, through ONE subscription.
type SeatEvents struct {
	client rueidis.Client
	keys   readmodel.Keys
	log    *slog.Logger
	// Backoff bounds the wait before subscribing again after the
	// subscription failed; it doubles from Backoff.Min up to Backoff.Max.
	Backoff struct{ Min, Max time.Duration }
}

// NewSeatEvents returns a reader under keys.
func NewSeatEvents(client rueidis.Client, keys readmodel.Keys, log *slog.Logger) *SeatEvents {
	s := &SeatEvents{client: client, keys: keys, log: log}
	s.Backoff.Min, s.Backoff.Max = 100*time.Millisecond, 5*time.Second
	return s
}

// historyScript returns {} when the flight's stream holds nothing, else
// {oldest id, newest id, entries after ARGV[3] (inclusive start), at most
// ARGV[4] of them}: one consistent read.
var historyScript = platformredis.NewScript(readmodel.Lua(`
local key = K.seat_events(ARGV[2])
local first = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)
if #first == 0 then return {} end
local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
return {first[1][1], last[1][1], redis.call('XRANGE', key, ARGV[3], '+', 'COUNT', ARGV[4])}`))

// After reads up to limit events of flightID that come after after.
func (s *SeatEvents) After(ctx context.Context, flightID string, after app.EventID, limit int) (app.SeatLogPage, error) {
	args := []string{s.keys.Prefix(), flightID, startAfter(after), strconv.Itoa(limit)}
	vals, err := historyScript.Exec(ctx, s.client, nil, args).ToArray()
	if err != nil {
		return app.SeatLogPage{}, fmt.Errorf("SeatEvents.After(%q, %s): %w", flightID, after, err)
	}
	if len(vals) == 0 {
		return app.SeatLogPage{}, nil
	}
	page, err := toPage(flightID, vals)
	if err != nil {
		return app.SeatLogPage{}, fmt.Errorf("SeatEvents.After(%q, %s): %w", flightID, after, err)
	}
	return page, nil
}

// startAfter is the first stream id after id, for an inclusive XRANGE
// start ("+" when id is the largest: nothing comes after it).
func startAfter(id app.EventID) string {
	switch {
	case id.Seq < math.MaxUint64:
		id.Seq++
	case id.Ms < math.MaxUint64:
		id = app.EventID{Ms: id.Ms + 1}
	default:
		return "+"
	}
	return id.String()
}

func toPage(flightID string, vals []rueidis.RedisMessage) (app.SeatLogPage, error) {
	if len(vals) != 3 {
		return app.SeatLogPage{}, fmt.Errorf("history: %d values, want 3", len(vals))
	}
	var page app.SeatLogPage
	var err error
	if page.First, err = messageID(vals[0]); err != nil {
		return page, err
	}
	if page.Last, err = messageID(vals[1]); err != nil {
		return page, err
	}
	entries, err := vals[2].AsXRange()
	if err != nil {
		return page, fmt.Errorf("history entries: %w", err)
	}
	page.Changes = make([]app.SeatChange, 0, len(entries))
	for _, e := range entries {
		ev, err := readmodel.SeatEventFromStream(flightID, e.ID, e.FieldValues)
		if err != nil {
			return page, fmt.Errorf("history entry %s: %w", e.ID, err)
		}
		c, err := toChange(ev)
		if err != nil {
			return page, err
		}
		page.Changes = append(page.Changes, c)
	}
	return page, nil
}

func messageID(m rueidis.RedisMessage) (app.EventID, error) {
	s, err := m.ToString()
	if err != nil {
		return app.EventID{}, fmt.Errorf("stream id: %w", err)
	}
	return app.ParseEventID(s)
}

// toChange converts the contract's event; its id must be a stream id.
func toChange(e readmodel.SeatEvent) (app.SeatChange, error) {
	id, err := app.ParseEventID(e.ID)
	if err != nil {
		return app.SeatChange{}, fmt.Errorf("%w: id %q", readmodel.ErrBadSeatEvent, e.ID)
	}
	return app.SeatChange{ID: id, Name: e.Name(), FlightID: e.FlightID, SeatNumber: e.SeatNumber,
		Status: e.Status, Version: e.Version}, nil
}

// Run holds the process's one subscription to the seat channel until ctx
// ends, subscribing again (with backoff) whenever it fails. It passes each
// published event to deliver, in order, and calls subscribed every time
// the subscription is (again) in place: events published while it was not
// were missed and must be read from the streams. Both are called on one
// goroutine and must not block.
func (s *SeatEvents) Run(ctx context.Context, deliver func(app.SeatChange), subscribed func()) error {
	channel := s.keys.SeatChannel()
	hooked := rueidis.WithOnSubscriptionHook(ctx, func(sub rueidis.PubSubSubscription) {
		if sub.Kind == "subscribe" && sub.Channel == channel {
			subscribed()
		}
	})
	onMessage := func(m rueidis.PubSubMessage) {
		ev, err := readmodel.ParseSeatEvent([]byte(m.Message))
		if err == nil {
			var c app.SeatChange
			if c, err = toChange(ev); err == nil {
				deliver(c)
				return
			}
		}
		s.log.Warn("unreadable seat event skipped", "channel", channel, "err", err)
	}
	wait := s.Backoff.Min
	for {
		started := time.Now()
		err := s.client.Receive(hooked, s.client.B().Subscribe().Channel(channel).Build(), onMessage)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(started) > s.Backoff.Max {
			wait = s.Backoff.Min // it held for a while: a new failure
		}
		if err == nil {
			err = errors.New("unsubscribed")
		}
		s.log.Warn("seat channel subscription ended; subscribing again", "channel", channel, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, s.Backoff.Max)
	}
}
