package launcher_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/altisair/altis/deploy/launcher"
)

// TestIndexEqualsPostgresAfterRandomTraffic runs 2,000 random holds,
// releases, commits and cancels from concurrent guests through the
// gateway, then checks that the index the projector maintained says what
// PostgreSQL says (sold seats, counts), and that a rebuild from PostgreSQL
// gives the same seat maps.
func TestIndexEqualsPostgresAfterRandomTraffic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every service; skipped with -short")
	}
	needServers(t)
	root := repoRoot(t)
	bin := buildFleet(t, root)
	f, err := startFleet(t, launcher.Options{Dir: root, StateDir: stateDir(t), BinDir: bin,
		Environ: testEnviron("APP_SEED__DAYS=2", "APP_LOG__LEVEL=warn"), // rate limits lifted by testEnviron
		Ports:   freePorts(t), Out: newOutput(t), ReadyTimeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	info := f.Info()
	gw := info.Ports.Gateway
	day := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	var flights []string
	for _, fl := range search(t, gw, [][2]string{{"JFK", "LHR"}}, day).Legs[0].Flights[:3] {
		flights = append(flights, fl.FlightID)
	}
	seats := firstSeats(t, newClient(t, gw), flights[0], 24)
	const workers, opsEach = 6, 334 // ≥ 2,000 operations
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			traffic(t, gw, rand.New(rand.NewPCG(uint64(w), 11)), flights, seats, opsEach)
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	c := newClient(t, gw)
	checkContract(t)
	indexMatchesPostgres(t, c, info.DatabaseURL, flights)
	before := seatMaps(t, c, flights)
	rebuild(t, root, bin, info)
	if after := seatMaps(t, c, flights); !maps.Equal(before, after) {
		t.Fatalf("a rebuild from PostgreSQL changed the seat maps:\nbefore %v\nafter  %v", before, after)
	}
}

// firstSeats lists seats that exist and are not blocked on the flight
// (every flight of one route and day flies the same aircraft here).
func firstSeats(t *testing.T, c *client, flight string, n int) []string {
	t.Helper()
	var out []string
	for _, s := range c.seatMapStatuses(flight) {
		if s[1] == "available" && len(out) < n {
			out = append(out, s[0])
		}
	}
	return out
}

// traffic is one worker's guests doing random things, ops times.
func traffic(t *testing.T, gw int, rng *rand.Rand, flights, seats []string, ops int) {
	type state struct {
		c        *client
		trip     string
		flight   string
		held     []string
		bookings []string
	}
	guests := make([]*state, 4)
	for i := range guests {
		guests[i] = &state{c: newClient(t, gw)}
	}
	for range ops {
		g := guests[rng.IntN(len(guests))]
		switch {
		case len(g.bookings) > 0 && rng.IntN(6) == 0:
			i := rng.IntN(len(g.bookings))
			g.c.call(http.MethodPost, "/v1/bookings/"+g.bookings[i]+"/cancel", nil, http.StatusOK, nil)
			g.bookings = slices.Delete(g.bookings, i, i+1)
		case g.trip == "":
			g.flight = flights[rng.IntN(len(flights))]
			var tr struct {
				TripID string `json:"trip_id"`
			}
			g.c.call(http.MethodPost, "/v1/holds/trip", map[string]any{"flight_ids": []string{g.flight}}, http.StatusCreated, &tr)
			g.trip, g.held = tr.TripID, nil
			for _, typ := range []string{"ADULT", "CHILD"} {
				g.c.call(http.MethodPost, "/v1/holds/trip/"+g.trip+"/passengers",
					map[string]string{"first_name": "Pat", "last_name": "Random", "passenger_type": typ}, http.StatusCreated, nil)
			}
		case len(g.held) < 2:
			seat := seats[rng.IntN(len(seats))]
			if g.c.try(http.MethodPost, "/v1/holds/seat", map[string]string{"trip_id": g.trip, "flight_id": g.flight, "seat_number": seat}) == http.StatusCreated {
				g.held = append(g.held, seat)
			}
		case rng.IntN(4) == 0:
			seat := g.held[0]
			g.c.call(http.MethodDelete, "/v1/holds/seat", map[string]string{"trip_id": g.trip, "flight_id": g.flight, "seat_number": seat}, http.StatusOK, nil)
			g.held = g.held[1:]
		default:
			var b struct {
				BookingID string `json:"booking_id"`
			}
			var pax []map[string]any
			for _, s := range g.held {
				pax = append(pax, map[string]any{"first_name": "Pat", "last_name": "Random",
					"seats": []map[string]string{{"flight_id": g.flight, "seat_number": s}}})
			}
			g.c.call(http.MethodPost, "/v1/bookings/commit", map[string]any{"trip_id": g.trip, "user_email": "pat@example.com",
				"payment_token": "tok_visa", "passengers": pax}, http.StatusCreated, &b)
			g.bookings, g.trip = append(g.bookings, b.BookingID), ""
		}
	}
}

// indexMatchesPostgres waits until, for every flight, the seat map's sold
// seats are PostgreSQL's and its count of available seats is capacity −
// sold − held.
func indexMatchesPostgres(t *testing.T, c *client, dbURL string, flights []string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	deadline := time.Now().Add(20 * time.Second)
	for _, f := range flights {
		var want []string
		var capacity, sold int
		if err := conn.QueryRow(ctx, `SELECT coalesce(array_agg(seat_number ORDER BY seat_number), '{}'),
			(SELECT capacity FROM flight_inventory WHERE flight_id = $1), (SELECT sold FROM flight_inventory WHERE flight_id = $1)
			FROM booked_seats WHERE flight_id = $1 AND released_at IS NULL`, f).Scan(&want, &capacity, &sold); err != nil {
			t.Fatal(err)
		}
		if sold != len(want) {
			t.Fatalf("flight %s: inventory says %d sold, booked seats %d", f, sold, len(want))
		}
		for {
			got, held, available := c.soldSeats(f)
			if slices.Equal(got, want) && available == capacity-sold-held {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("flight %s: index sold %v (%d available, %d held), PostgreSQL sold %v of %d",
					f, got, available, held, want, capacity)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func seatMaps(t *testing.T, c *client, flights []string) map[string]string {
	out := map[string]string{}
	for _, f := range flights {
		out[f] = fmt.Sprint(c.seatMapStatuses(f))
	}
	return out
}

// rebuild runs `projector rebuild` against the fleet's servers.
func rebuild(t *testing.T, root, bin string, info launcher.Info) {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "projector"), "-config", filepath.Join(root, "config/default.toml"), "rebuild")
	cmd.Env = testEnviron("APP_DATABASE__URL="+info.DatabaseURL, "APP_REDIS__URL="+info.RedisURL,
		"APP_KAFKA__BROKERS="+strings.Join(info.KafkaBrokers, ","), "APP_PROJECTOR__PORT=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("projector rebuild: %v\n%s", err, out)
	}
}
