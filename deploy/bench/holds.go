package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/altisair/altis/pkg/platform/auth"
)

// Seated passengers and flights per planned trip: the most one trip may
// hold (9 seats on each of 6 flights), so few trips cover many holds.
const (
	planPassengers = 9
	planFlights    = 6
)

// HoldPlan is a list of seat holds ready to send, each by its trip's owner.
type HoldPlan struct {
	holds []plannedHold
}

type plannedHold struct {
	token string
	body  []byte
}

// Len is the number of planned holds.
func (p *HoldPlan) Len() int { return len(p.holds) }

// Split cuts the plan into parts of at most n holds each.
func (p *HoldPlan) Split(parts int) []*HoldPlan {
	out := make([]*HoldPlan, parts)
	size := len(p.holds) / parts
	for i := range out {
		out[i] = &HoldPlan{holds: p.holds[i*size : (i+1)*size]}
	}
	return out
}

// Request builds the i-th hold against baseURL; false when the plan is
// used up.
func (p *HoldPlan) Request(baseURL string, i int) (*http.Request, bool) {
	if i >= len(p.holds) {
		return nil, false
	}
	h := p.holds[i]
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/v1/holds/seat", bytes.NewReader(h.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+h.token)
	return req, true
}

// PlanHolds prepares at least n seat holds on free seats of the seeded
// schedule: it finds flights by searching the query service, reads their
// seat maps, and creates trips (6 flights, 9 passengers each) at the
// command service, each for a guest of its own.
func PlanHolds(ctx context.Context, queryURL, commandURL string, tokens *auth.Issuer, n int) (*HoldPlan, error) {
	seats, err := freeSeats(queryURL, n)
	if err != nil {
		return nil, err
	}
	var trips [][]string // flight ids of each trip
	var pick []map[string][]string
	for g := 0; g+planFlights <= len(seats.order); g += planFlights {
		group := seats.order[g : g+planFlights]
		for {
			take := map[string][]string{}
			for _, f := range group {
				if len(seats.free[f]) < planPassengers {
					take = nil
					break
				}
				take[f], seats.free[f] = seats.free[f][:planPassengers], seats.free[f][planPassengers:]
			}
			if take == nil {
				break
			}
			trips, pick = append(trips, group), append(pick, take)
		}
	}
	plan := &HoldPlan{}
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range trips {
		if len(trips)*planFlights*planPassengers > n && i*planFlights*planPassengers >= n {
			break
		}
		g.Go(func() error {
			holds, err := planTrip(ctx, commandURL, tokens, trips[i], pick[i])
			mu.Lock()
			plan.holds = append(plan.holds, holds...)
			mu.Unlock()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if plan.Len() < n {
		return plan, fmt.Errorf("only %d free seats found for %d holds", plan.Len(), n)
	}
	return plan, nil
}

// planTrip creates one trip with its passengers and lists its holds.
func planTrip(ctx context.Context, commandURL string, tokens *auth.Issuer, flights []string, seats map[string][]string) ([]plannedHold, error) {
	tok, err := tokens.Issue()
	if err != nil {
		return nil, err
	}
	var trip struct {
		TripID string `json:"trip_id"`
	}
	if err := post(ctx, commandURL+"/v1/holds/trip", tok.Value, map[string]any{"flight_ids": flights}, &trip); err != nil {
		return nil, err
	}
	for range planPassengers {
		p := map[string]string{"first_name": "Bench", "last_name": "Guest", "passenger_type": "ADULT"}
		if err := post(ctx, commandURL+"/v1/holds/trip/"+trip.TripID+"/passengers", tok.Value, p, nil); err != nil {
			return nil, err
		}
	}
	var out []plannedHold
	for _, f := range flights {
		for _, s := range seats[f] {
			body, _ := json.Marshal(map[string]string{"trip_id": trip.TripID, "flight_id": f, "seat_number": s})
			out = append(out, plannedHold{token: tok.Value, body: body})
		}
	}
	return out, nil
}

func post(ctx context.Context, url, token string, body, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// seatPool is the free seats of the flights found, in the order found.
type seatPool struct {
	order []string
	free  map[string][]string
}

// freeSeats searches the seeded routes day by day and reads seat maps
// until it has at least n free seats (with room for whole trips).
func freeSeats(queryURL string, n int) (seatPool, error) {
	pool := seatPool{free: map[string][]string{}}
	total := 0
	for day := 1; day <= 30 && total < n*5/4; day++ {
		for _, id := range searchIDs(queryURL, day) {
			seats, err := availableSeats(queryURL, id)
			if err != nil {
				return pool, err
			}
			pool.order, pool.free[id] = append(pool.order, id), seats
			total += len(seats)
		}
	}
	return pool, nil
}

func searchIDs(queryURL string, day int) []string {
	var ids []string
	for _, t := range SearchTargets(queryURL, 1, time.Now().AddDate(0, 0, day-1)) {
		resp, err := http.Post(t.URL, "application/json", bytes.NewReader(t.Body))
		if err != nil {
			continue
		}
		var out struct {
			Legs []struct {
				Flights []struct {
					FlightID string `json:"flight_id"`
				} `json:"flights"`
			} `json:"legs"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		for _, l := range out.Legs {
			for _, f := range l.Flights {
				ids = append(ids, f.FlightID)
			}
		}
	}
	return ids
}

func availableSeats(queryURL, flightID string) ([]string, error) {
	resp, err := http.Get(queryURL + "/v1/flights/" + flightID + "/seats")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var m struct {
		Cabins []struct {
			Rows []struct {
				Seats []struct {
					SeatNumber string `json:"seat_number"`
					Status     string `json:"status"`
				} `json:"seats"`
			} `json:"rows"`
		} `json:"cabins"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return nil, fmt.Errorf("seat map of %s: %w", flightID, err)
	}
	var out []string
	for _, c := range m.Cabins {
		for _, r := range c.Rows {
			for _, s := range r.Seats {
				if s.Status == "available" {
					out = append(out, s.SeatNumber)
				}
			}
		}
	}
	return out, nil
}
