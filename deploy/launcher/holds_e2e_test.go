package launcher_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// client talks to the gateway as one guest.
type client struct {
	t       *testing.T
	gateway int
	token   string
}

func newClient(t *testing.T, gateway int) *client {
	t.Helper()
	c := &client{t: t, gateway: gateway}
	var tok struct {
		Token string `json:"token"`
	}
	c.call(http.MethodPost, "/v1/auth/guest", nil, http.StatusCreated, &tok)
	c.token = tok.Token
	return c
}

// call sends body as JSON and decodes the answer into out (if not nil)
// after checking its status.
func (c *client) call(method, path string, body any, want int, out any) {
	c.t.Helper()
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			c.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, fmt.Sprintf("http://127.0.0.1:%d%s", c.gateway, path), &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := gatewayHTTP(c.t).Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s = %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

type errorAnswer struct {
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

// try sends body as JSON and returns the status, whatever it is.
func (c *client) try(method, path string, body any) int {
	c.t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(body); err != nil {
		c.t.Fatal(err)
	}
	req, _ := http.NewRequest(method, fmt.Sprintf("http://127.0.0.1:%d%s", c.gateway, path), &buf)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := gatewayHTTP(c.t).Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// seatMapStatuses lists every seat of the flight's map with its status,
// in map order.
func (c *client) seatMapStatuses(flightID string) [][2]string {
	c.t.Helper()
	m := c.seatMap(flightID)
	var out [][2]string
	for _, cb := range m.Cabins {
		for _, r := range cb.Rows {
			for _, s := range r.Seats {
				out = append(out, [2]string{s.SeatNumber, s.Status})
			}
		}
	}
	return out
}

// soldSeats reads the flight's sold seats (sorted), how many are held and
// how many the map counts available.
func (c *client) soldSeats(flightID string) (sold []string, held, available int) {
	c.t.Helper()
	m := c.seatMap(flightID)
	for _, cb := range m.Cabins {
		for _, r := range cb.Rows {
			for _, s := range r.Seats {
				switch s.Status {
				case "sold":
					sold = append(sold, s.SeatNumber)
				case "held":
					held++
				}
			}
		}
	}
	slices.Sort(sold)
	if sold == nil {
		sold = []string{}
	}
	return sold, held, m.AvailableSeats
}

type seatMapAnswer struct {
	AvailableSeats int `json:"available_seats"`
	Cabins         []struct {
		Rows []struct {
			Seats []struct {
				SeatNumber string `json:"seat_number"`
				Status     string `json:"status"`
			} `json:"seats"`
		} `json:"rows"`
	} `json:"cabins"`
}

func (c *client) seatMap(flightID string) seatMapAnswer {
	c.t.Helper()
	var m seatMapAnswer
	c.call(http.MethodGet, "/v1/flights/"+flightID+"/seats", nil, http.StatusOK, &m)
	return m
}

// seatStatus reads one seat's status from the public seat map, and how
// many seats the map counts available.
func (c *client) seatStatus(flightID, seat string) (status string, available int) {
	c.t.Helper()
	m := c.seatMap(flightID)
	for _, cb := range m.Cabins {
		for _, r := range cb.Rows {
			for _, s := range r.Seats {
				if s.SeatNumber == seat {
					return s.Status, m.AvailableSeats
				}
			}
		}
	}
	c.t.Fatalf("seat %s not on the seat map of %s", seat, flightID)
	return "", 0
}

// checkHolds: guest A holds a trip and seat 1A; guest B's hold of 1A is
// refused; the seat map and search show the hold at once, and the seat
// goes back to sale when A releases it.
func checkHolds(t *testing.T, gateway int) {
	t.Helper()
	day := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	flight := search(t, gateway, [][2]string{{"JFK", "LHR"}}, day).Legs[0].Flights[0]
	a, b := newClient(t, gateway), newClient(t, gateway)
	var tripA, tripB struct {
		TripID string `json:"trip_id"`
	}
	a.call(http.MethodPost, "/v1/holds/trip", map[string]any{"flight_ids": []string{flight.FlightID}}, http.StatusCreated, &tripA)
	b.call(http.MethodPost, "/v1/holds/trip", map[string]any{"flight_ids": []string{flight.FlightID}}, http.StatusCreated, &tripB)
	seat := func(trip string) map[string]string {
		return map[string]string{"trip_id": trip, "flight_id": flight.FlightID, "seat_number": "1A"}
	}
	status, before := a.seatStatus(flight.FlightID, "1A")
	if status != "available" {
		t.Fatalf("1A is %s before any hold", status)
	}
	a.call(http.MethodPost, "/v1/holds/seat", seat(tripA.TripID), http.StatusCreated, nil)
	var refused errorAnswer
	b.call(http.MethodPost, "/v1/holds/seat", seat(tripB.TripID), http.StatusConflict, &refused)
	if refused.Error.Code != "seat_unavailable" {
		t.Fatalf("B's hold of 1A: %+v", refused)
	}
	if status, after := b.seatStatus(flight.FlightID, "1A"); status != "held" || after != before-1 {
		t.Fatalf("after A's hold: 1A %s, %d available (was %d)", status, after, before)
	}
	again := search(t, gateway, [][2]string{{"JFK", "LHR"}}, day).Legs[0].Flights[0]
	if again.FlightID != flight.FlightID || again.AvailableSeats != flight.AvailableSeats-1 {
		t.Fatalf("search shows %d seats, want %d", again.AvailableSeats, flight.AvailableSeats-1)
	}
	a.call(http.MethodDelete, "/v1/holds/seat", seat(tripA.TripID), http.StatusOK, nil)
	if status, _ := b.seatStatus(flight.FlightID, "1A"); status != "available" {
		t.Fatalf("after A's release: 1A %s", status)
	}
	b.call(http.MethodPost, "/v1/holds/seat", seat(tripB.TripID), http.StatusCreated, nil)
	var other errorAnswer
	b.call(http.MethodGet, "/v1/holds/trip/"+tripA.TripID, nil, http.StatusNotFound, &other)
	// Leave 1A free for the next start on the same state folder.
	b.call(http.MethodDelete, "/v1/holds/seat", seat(tripB.TripID), http.StatusOK, nil)
}
