package sse

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/query/internal/app"
)

// Frame is one seat change encoded as an SSE event, shared read-only by
// every stream it is queued to.
type Frame struct {
	ID    app.EventID
	Bytes []byte
}

// seatData is an event's data: exactly these four fields.
type seatData struct {
	FlightID   string `json:"flight_id"`
	SeatNumber string `json:"seat_number"`
	Status     string `json:"status"`
	Version    int64  `json:"version"`
}

// Encode renders c as "id: …\nevent: …\ndata: {…}\n\n".
func Encode(c app.SeatChange) *Frame {
	data, _ := json.Marshal(seatData{FlightID: c.FlightID, SeatNumber: c.SeatNumber, Status: c.Status, Version: c.Version})
	b := make([]byte, 0, len(data)+len(c.Name)+64)
	b = append(b, "id: "...)
	b = c.ID.AppendTo(b)
	b = append(b, "\nevent: "...)
	b = append(b, c.Name...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	return &Frame{ID: c.ID, Bytes: b}
}

// Writer writes an event stream; the first write error sticks and every
// later write is skipped.
type Writer struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	err error
}

// Start answers 200 with the event stream headers and the client's
// reconnection delay.
func Start(w http.ResponseWriter, retry time.Duration) *Writer {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	// The stream outlives the server's WriteTimeout.
	err := web.KeepOpen(w)
	w.WriteHeader(http.StatusOK)
	sw := &Writer{w: w, rc: http.NewResponseController(w), err: err}
	sw.Retry(retry)
	return sw
}

func (w *Writer) write(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

// Frame writes an encoded event.
func (w *Writer) Frame(f *Frame) { w.write(f.Bytes) }

// Retry sets the client's reconnection delay.
func (w *Writer) Retry(d time.Duration) {
	w.write(strconv.AppendInt([]byte("retry: "), d.Milliseconds(), 10))
	w.write([]byte("\n\n"))
}

// Ping writes a comment that keeps an idle stream open.
func (w *Writer) Ping() { w.write([]byte(": ping\n\n")) }

// Resync tells the client to fetch flightID's seat map again: the changes
// it missed are gone. last, when not zero, becomes its Last-Event-ID.
func (w *Writer) Resync(flightID string, last app.EventID) {
	data, _ := json.Marshal(struct {
		FlightID string `json:"flight_id"`
	}{flightID})
	var b []byte
	if !last.IsZero() {
		b = last.AppendTo(append(b, "id: "...))
		b = append(b, '\n')
	}
	b = append(b, "event: resync\ndata: "...)
	b = append(append(b, data...), "\n\n"...)
	w.write(b)
}

// Flush sends what was written and returns the first error so far.
func (w *Writer) Flush() error {
	if w.err == nil {
		w.err = w.rc.Flush()
	}
	return w.err
}
