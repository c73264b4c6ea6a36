package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/ports/sse"
)

const (
	// retryOpen is the reconnection delay a stream announces first;
	// retryShutdown the one it leaves when the service stops, so clients
	// come back soon (to another instance).
	retryOpen     = 2 * time.Second
	retryShutdown = time.Second
	// tooManyRetryAfter is the Retry-After of a 429 for too many streams.
	tooManyRetryAfter = 5 * time.Second
	// maxBatch bounds the queued frames written before one flush.
	maxBatch = 64
)

// Stream is what the seat stream route needs.
type Stream struct {
	Seats     *app.StreamSeats
	Hub       *sse.Hub
	Heartbeat time.Duration // ": ping" interval
	Log       *slog.Logger
}

func (s Stream) valid() bool {
	return s.Seats != nil && s.Hub != nil && s.Heartbeat > 0 && s.Log != nil
}

// streamSeats answers GET /v1/flights/:id/stream: the flight's seat changes
// as Server-Sent Events. It subscribes to the hub first, then replays what
// a reconnecting client missed (Last-Event-ID), then sends live changes
// newer than the last one sent: no gap and no duplicate.
func (h *Handlers) streamSeats(c echo.Context) error {
	id, err := parseFlightID(c.Param("id"))
	if err != nil {
		return err
	}
	after, err := lastEventID(c.Request().Header.Get("Last-Event-ID"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.stream.Seats.Open(ctx, id); err != nil {
		return err
	}
	sub, err := h.stream.Hub.Subscribe(id, web.GuestID(c))
	if err != nil {
		return toTooMany(err)
	}
	defer sub.Close()
	var rp app.Replay
	if after != nil {
		if rp, err = h.stream.Seats.CatchUp(ctx, id, *after); err != nil {
			return err
		}
	}
	w := sse.Start(c.Response(), retryOpen)
	s := &seatStream{Stream: h.stream, w: w, sub: sub, flightID: id}
	s.replay(rp)
	if w.Flush() != nil {
		return nil
	}
	s.run(ctx)
	return nil
}

// lastEventID reads the header: nil when absent, app.ErrBadEventID when
// malformed.
func lastEventID(raw string) (*app.EventID, error) {
	if raw == "" {
		return nil, nil
	}
	id, err := app.ParseEventID(raw)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

func toTooMany(err error) error {
	if !errors.Is(err, sse.ErrTooManyStreams) {
		return err
	}
	return &web.Error{Status: http.StatusTooManyRequests, Code: "too_many_streams",
		Message: "too many open seat streams; close one or retry later", RetryAfter: tooManyRetryAfter}
}

// seatStream is one open stream after its headers were sent.
type seatStream struct {
	Stream
	w        *sse.Writer
	sub      *sse.Subscription
	flightID string
	last     app.EventID // newest change the client has (zero: none)
}

// run sends live changes, heartbeats and catch-ups until the client
// leaves, the hub drops the stream, or the service stops.
func (s *seatStream) run(ctx context.Context) {
	ping := time.NewTicker(s.Heartbeat)
	defer ping.Stop()
	for {
		select {
		case f := <-s.sub.Frames():
			s.send(f)
		case <-s.sub.Gap():
			if !s.catchUp(ctx) {
				return
			}
		case <-ping.C:
			s.w.Ping()
		case <-s.sub.Dropped():
			return // the client reconnects with Last-Event-ID
		case <-ctx.Done():
			s.w.Retry(retryShutdown)
			_ = s.w.Flush()
			return
		case <-s.Hub.Done():
			s.w.Retry(retryShutdown)
			_ = s.w.Flush()
			return
		}
		if s.w.Flush() != nil {
			return
		}
	}
}

// send writes f and whatever else is queued, skipping changes the client
// already has.
func (s *seatStream) send(f *sse.Frame) {
	for range maxBatch {
		if s.last.Less(f.ID) {
			s.w.Frame(f)
			s.last = f.ID
		}
		select {
		case f = <-s.sub.Frames():
		default:
			return
		}
	}
}

// catchUp replays the history after the last change sent, after the feed
// may have missed changes.
func (s *seatStream) catchUp(ctx context.Context) bool {
	rp, err := s.Seats.CatchUp(ctx, s.flightID, s.last)
	if err != nil {
		if ctx.Err() == nil {
			s.Log.WarnContext(ctx, "seat stream ended: cannot catch up", "flight_id", s.flightID, "err", err)
		}
		return false // the client reconnects with Last-Event-ID
	}
	s.replay(rp)
	return true
}

func (s *seatStream) replay(rp app.Replay) {
	if rp.Resync {
		s.w.Resync(s.flightID, rp.Last)
	}
	for _, c := range rp.Changes {
		s.w.Frame(sse.Encode(c))
	}
	s.Hub.Replayed(len(rp.Changes))
	// After a resync Last may even be older than what the client claimed
	// to have (an id from elsewhere): from now on it is the reference.
	s.last = rp.Last
}
