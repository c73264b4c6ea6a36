package launcher_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sseEvent is one Server-Sent Event as a client sees it.
type sseEvent struct {
	id, name, data string
}

// sseStream reads events from one open stream in the background.
type sseStream struct {
	cancel context.CancelFunc
	events chan sseEvent
}

// openStream opens the flight's seat stream through the gateway, with a
// bearer token or (token "") a stream ticket in the query string, resuming
// after lastID when it is set.
func (c *client) openStream(flightID, ticket, lastID string) *sseStream {
	c.t.Helper()
	s, err := c.tryOpenStream(flightID, ticket, lastID)
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

// tryOpenStream is openStream reporting a failure instead of failing.
func (c *client) tryOpenStream(flightID, ticket, lastID string) (*sseStream, error) {
	url := fmt.Sprintf("http://127.0.0.1:%d/v1/flights/%s/stream", c.gateway, flightID)
	if ticket != "" {
		url += "?ticket=" + ticket
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if ticket == "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := gatewayHTTP(c.t).Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open stream: %w", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("open stream: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	s := &sseStream{cancel: cancel, events: make(chan sseEvent, 64)}
	go s.read(resp)
	c.t.Cleanup(s.close)
	return s, nil
}

func (s *sseStream) read(resp *http.Response) {
	defer resp.Body.Close()
	defer close(s.events)
	sc := bufio.NewScanner(resp.Body)
	var e sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if e.name != "" {
				s.events <- e
			}
			e = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			e.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			e.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			e.data = strings.TrimPrefix(line, "data: ")
		}
	}
}

func (s *sseStream) close() { s.cancel() }

// next waits up to within for the next event.
func (s *sseStream) next(t *testing.T, within time.Duration) sseEvent {
	t.Helper()
	select {
	case e, ok := <-s.events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return e
	case <-time.After(within):
		t.Fatalf("no event within %v", within)
		return sseEvent{}
	}
}

// expectSeat checks an event's name, id and exact data: the flight, the
// seat, its status and a version, and nothing else (no trip, no guest).
func expectSeat(t *testing.T, e sseEvent, name, flightID, seat, status string) {
	t.Helper()
	var data map[string]any
	if err := json.Unmarshal([]byte(e.data), &data); err != nil {
		t.Fatalf("event %+v: %v", e, err)
	}
	v, _ := data["version"].(float64)
	if e.name != name || e.id == "" || len(data) != 4 || data["flight_id"] != flightID ||
		data["seat_number"] != seat || data["status"] != status || v < 1 {
		t.Fatalf("event %+v, want %s of %s (%s)", e, name, seat, status)
	}
}

// checkStreams: a subscriber sees A's hold of the first free seat within a
// second and its release after; a subscriber that went away and comes
// back with Last-Event-ID receives what it missed, in order.
func checkStreams(t *testing.T, gateway int) {
	t.Helper()
	day := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	flights := search(t, gateway, [][2]string{{"JFK", "LHR"}}, day).Legs[0].Flights
	flight := flights[len(flights)-1].FlightID // not the one checkHolds uses
	a, b, watcher := newClient(t, gateway), newClient(t, gateway), newClient(t, gateway)
	var ticket struct {
		Ticket string `json:"ticket"`
	}
	watcher.call(http.MethodPost, "/v1/flights/"+flight+"/stream-ticket", nil, http.StatusCreated, &ticket)
	live := watcher.openStream(flight, ticket.Ticket, "")
	leaving := watcher.openStream(flight, "", "")

	var tripA, tripB struct {
		TripID string `json:"trip_id"`
	}
	a.call(http.MethodPost, "/v1/holds/trip", map[string]any{"flight_ids": []string{flight}}, http.StatusCreated, &tripA)
	b.call(http.MethodPost, "/v1/holds/trip", map[string]any{"flight_ids": []string{flight}}, http.StatusCreated, &tripB)
	seat := func(trip string) map[string]string {
		return map[string]string{"trip_id": trip, "flight_id": flight, "seat_number": "1A"}
	}
	a.call(http.MethodPost, "/v1/holds/seat", seat(tripA.TripID), http.StatusCreated, nil)
	held := live.next(t, time.Second)
	expectSeat(t, held, "seat_held", flight, "1A", "held")
	if strings.Contains(held.data, tripA.TripID) {
		t.Fatal("the stream leaked a trip id")
	}
	last := leaving.next(t, time.Second)
	expectSeat(t, last, "seat_held", flight, "1A", "held")
	leaving.close()

	a.call(http.MethodDelete, "/v1/holds/seat", seat(tripA.TripID), http.StatusOK, nil)
	expectSeat(t, live.next(t, time.Second), "seat_released", flight, "1A", "available")
	b.call(http.MethodPost, "/v1/holds/seat", seat(tripB.TripID), http.StatusCreated, nil)
	expectSeat(t, live.next(t, time.Second), "seat_held", flight, "1A", "held")

	back := watcher.openStream(flight, "", last.id)
	expectSeat(t, back.next(t, time.Second), "seat_released", flight, "1A", "available")
	expectSeat(t, back.next(t, time.Second), "seat_held", flight, "1A", "held")
	b.call(http.MethodDelete, "/v1/holds/seat", seat(tripB.TripID), http.StatusOK, nil)
	expectSeat(t, back.next(t, time.Second), "seat_released", flight, "1A", "available")
}
