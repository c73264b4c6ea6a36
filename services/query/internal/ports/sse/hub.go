// Package sse is the query service's Server-Sent Events port: a hub that
// fans the process's one feed of seat changes out to every open stream of
// each flight, and the writer of the event stream format.
package sse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/altisair/altis/services/query/internal/app"
)

// ErrTooManyStreams means a per-guest or per-process cap is reached.
var ErrTooManyStreams = errors.New("too many open seat streams")

// Feed is the process's one source of live seat changes (the Redis
// subscription). Run delivers each change in order and calls subscribed
// whenever the feed is (again) in place — changes may have been missed
// before — until ctx ends; both callbacks must not block.
type Feed interface {
	Run(ctx context.Context, deliver func(app.SeatChange), subscribed func()) error
}

// Config bounds the hub.
type Config struct {
	Buffer         int // frames queued per stream; a stream further behind is dropped
	MaxPerGuest    int // open streams per guest
	MaxConnections int // open streams per process
}

// Hub fans seat changes out to subscriptions by flight. Each change is
// encoded once; queuing never blocks: a subscription whose buffer is full
// is dropped, so one slow client never holds up the others.
type Hub struct {
	cfg     Config
	log     *slog.Logger
	stopped chan struct{}

	mu      sync.RWMutex
	flights map[string]map[*Subscription]struct{}
	guests  map[string]int
	open    int

	openGauge prometheus.Gauge
	dropped   prometheus.Counter
	events    prometheus.Counter
}

// NewHub registers the stream metrics on reg.
func NewHub(cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Hub, error) {
	if cfg.Buffer < 1 || cfg.MaxPerGuest < 1 || cfg.MaxConnections < 1 {
		return nil, fmt.Errorf("sse hub: buffer and caps must be positive: %+v", cfg)
	}
	if reg == nil || log == nil {
		return nil, errors.New("sse hub: nil dependency")
	}
	h := &Hub{
		cfg: cfg, log: log, stopped: make(chan struct{}),
		flights: map[string]map[*Subscription]struct{}{}, guests: map[string]int{},
		openGauge: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "query_streams_open", Help: "Seat streams open in this process."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "query_stream_dropped_total", Help: "Seat streams ended because the client fell a whole buffer behind."}),
		events: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "query_stream_events_total", Help: "Seat events queued to open streams (one per stream), replays included."}),
	}
	for _, c := range []prometheus.Collector{h.openGauge, h.dropped, h.events} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("sse hub metrics: %w", err)
		}
	}
	return h, nil
}

// Run feeds the hub until ctx ends; then Done is closed and every stream
// ends. A feed that stops on its own is an error.
func (h *Hub) Run(ctx context.Context, feed Feed) error {
	defer close(h.stopped)
	err := feed.Run(ctx, h.Publish, h.Resubscribed)
	if ctx.Err() != nil {
		return nil
	}
	if err == nil {
		err = errors.New("the seat feed stopped")
	}
	return fmt.Errorf("sse hub: %w", err)
}

// Done is closed when the hub stops (the service is shutting down).
func (h *Hub) Done() <-chan struct{} { return h.stopped }

// Subscription is one open stream's queue.
type Subscription struct {
	hub           *Hub
	flight, guest string
	frames        chan *Frame
	gap           chan struct{}
	dropped       chan struct{}
	gone          bool // under hub.mu: dropped or closed
}

// Frames delivers the flight's live changes, encoded, in order.
func (s *Subscription) Frames() <-chan *Frame { return s.frames }

// Gap receives when changes may have been missed (the feed was
// re-established): the stream must catch up from the history.
func (s *Subscription) Gap() <-chan struct{} { return s.gap }

// Dropped is closed when the hub gave up on a full buffer.
func (s *Subscription) Dropped() <-chan struct{} { return s.dropped }

// Close unsubscribes; it may be called more than once.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	s.hub.remove(s)
	s.hub.mu.Unlock()
}

// Subscribe opens a subscription to flightID's changes for guestID, or
// returns ErrTooManyStreams.
func (h *Hub) Subscribe(flightID, guestID string) (*Subscription, error) {
	s := &Subscription{hub: h, flight: flightID, guest: guestID,
		frames: make(chan *Frame, h.cfg.Buffer), gap: make(chan struct{}, 1), dropped: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.open >= h.cfg.MaxConnections || h.guests[guestID] >= h.cfg.MaxPerGuest {
		return nil, ErrTooManyStreams
	}
	subs := h.flights[flightID]
	if subs == nil {
		subs = map[*Subscription]struct{}{}
		h.flights[flightID] = subs
	}
	subs[s] = struct{}{}
	h.guests[guestID]++
	h.open++
	h.openGauge.Inc()
	return s, nil
}

// remove forgets s; the caller holds h.mu.
func (h *Hub) remove(s *Subscription) bool {
	if s.gone {
		return false
	}
	s.gone = true
	subs := h.flights[s.flight]
	delete(subs, s)
	if len(subs) == 0 {
		delete(h.flights, s.flight)
	}
	if h.guests[s.guest]--; h.guests[s.guest] <= 0 {
		delete(h.guests, s.guest)
	}
	h.open--
	h.openGauge.Dec()
	return true
}

// Publish encodes c once and queues it to every subscription of its
// flight; the ones whose buffer is full are dropped.
func (h *Hub) Publish(c app.SeatChange) {
	var full []*Subscription
	queued := 0
	h.mu.RLock()
	subs := h.flights[c.FlightID]
	if len(subs) == 0 {
		h.mu.RUnlock()
		return // nobody watches this flight: nothing to encode
	}
	f := Encode(c)
	for s := range subs {
		select {
		case s.frames <- f:
			queued++
		default:
			full = append(full, s)
		}
	}
	h.mu.RUnlock()
	h.events.Add(float64(queued))
	if len(full) > 0 {
		h.drop(full)
	}
}

func (h *Hub) drop(subs []*Subscription) {
	n := 0
	h.mu.Lock()
	for _, s := range subs {
		if h.remove(s) {
			close(s.dropped)
			n++
		}
	}
	h.mu.Unlock()
	if n > 0 {
		h.dropped.Add(float64(n))
		h.log.Warn("slow seat streams dropped", "count", n, "buffer", h.cfg.Buffer)
	}
}

// Resubscribed tells every subscription that changes may have been missed.
func (h *Hub) Resubscribed() {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, subs := range h.flights {
		for s := range subs {
			select {
			case s.gap <- struct{}{}:
			default: // one pending signal is enough
			}
		}
	}
}

// Replayed counts n changes a stream sent from the history.
func (h *Hub) Replayed(n int) { h.events.Add(float64(n)) }
