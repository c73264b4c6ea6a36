package http_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/domain"
	queryhttp "github.com/altisair/altis/services/query/internal/ports/http"
	"github.com/altisair/altis/services/query/internal/ports/sse"
)

// shippedConfig is config/default.toml at the root of the repository (this
// package sits five levels below it).
const shippedConfig = "../../../../../config/default.toml"

// now is the pinned clock of the component tests: inside the shipped
// TRANSATLANTIC_WINTER sale window [2026-11-01, 2027-12-31).
var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fakeIndex is an in-memory app.Index. Legs answers every flight of a
// leg's route and date without filtering: departed, cancelled and full
// flights must be dropped by the service, not by the fake.
type fakeIndex struct {
	mu       sync.Mutex
	routes   map[string][]domain.Flight // routeKey → flights in index order
	airports map[domain.AirportCode]bool
	seats    map[string]seatEntry
	err      error // when set, every call fails with it
	since    []time.Time
}

type seatEntry struct {
	flight domain.Flight
	layout domain.Layout
	sold   map[string]bool
	held   map[string]bool
}

func newFakeIndex() *fakeIndex {
	return &fakeIndex{routes: map[string][]domain.Flight{}, airports: map[domain.AirportCode]bool{}, seats: map[string]seatEntry{}}
}

func routeKey(o, d domain.AirportCode, date time.Time) string {
	return string(o) + ":" + string(d) + ":" + date.UTC().Format(time.DateOnly)
}

// add indexes flights in the order given, on their departure's UTC date.
func (f *fakeIndex) add(flights ...domain.Flight) *fakeIndex {
	for _, fl := range flights {
		k := routeKey(fl.Origin, fl.Destination, fl.DepartureAt)
		f.routes[k] = append(f.routes[k], fl)
		f.airports[fl.Origin], f.airports[fl.Destination] = true, true
	}
	return f
}

func (f *fakeIndex) addSeatMap(fl domain.Flight, l domain.Layout, sold ...string) *fakeIndex {
	s := map[string]bool{}
	for _, n := range sold {
		s[n] = true
	}
	f.seats[fl.ID] = seatEntry{flight: fl, layout: l, sold: s, held: map[string]bool{}}
	return f
}

// flight returns the indexed flight with id.
func (f *fakeIndex) flight(t *testing.T, id string) domain.Flight {
	t.Helper()
	for _, fs := range f.routes {
		for _, fl := range fs {
			if fl.ID == id {
				return fl
			}
		}
	}
	t.Fatalf("no flight %s in the fake index", id)
	return domain.Flight{}
}

func (f *fakeIndex) Legs(_ context.Context, legs []domain.Leg, since time.Time) ([]app.LegFlights, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.since = append(f.since, since)
	if f.err != nil {
		return nil, f.err
	}
	out := make([]app.LegFlights, len(legs))
	for i, l := range legs {
		out[i] = app.LegFlights{
			Flights:          slices.Clone(f.routes[routeKey(l.Origin, l.Destination, l.Date)]),
			OriginKnown:      f.airports[l.Origin],
			DestinationKnown: f.airports[l.Destination],
		}
	}
	return out, nil
}

func (f *fakeIndex) FlightExists(_ context.Context, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return false, f.err
	}
	_, ok := f.seats[id]
	return ok, nil
}

func (f *fakeIndex) SeatMap(_ context.Context, id string) (app.FlightSeats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return app.FlightSeats{}, f.err
	}
	e, ok := f.seats[id]
	if !ok {
		return app.FlightSeats{}, domain.ErrFlightNotFound
	}
	return app.FlightSeats{Flight: e.flight, Layout: e.layout, Sold: maps.Clone(e.sold), Held: maps.Clone(e.held)}, nil
}

// shippedEngine is the pricing engine built from the shipped configuration.
func shippedEngine(t testing.TB) *pricing.Engine {
	t.Helper()
	l, err := config.Load(shippedConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfg pricing.Config
	if err := l.Section("pricing", &cfg); err != nil {
		t.Fatal(err)
	}
	e, err := pricing.New(cfg)
	if err != nil {
		t.Fatalf("shipped pricing rejected: %v", err)
	}
	return e
}

// shippedAuth is the shipped [auth] settings.
func shippedAuth(t testing.TB) auth.Settings {
	t.Helper()
	l, err := config.Load(shippedConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfg auth.Config
	if err := l.Section("auth", &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Settings()
}

// shippedVerifier checks guest tokens with the shipped [auth] settings.
func shippedVerifier(t testing.TB) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(shippedAuth(t))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// server is the real echo router with the query routes, over ix, priced by
// the shipped rules, at a pinned clock.
type server struct {
	h      http.Handler
	engine *pricing.Engine
}

func newServer(t testing.TB, ix app.Index, at time.Time) server {
	t.Helper()
	srv, engine := newWebServer(t, ix, at, func(srv *web.Server) queryhttp.Stream {
		return unusedStream(t, srv, ix)
	})
	return server{h: srv.Echo, engine: engine}
}

// newWebServer is the query service's web server over ix, priced by the
// shipped rules at a pinned clock, with the seat stream stream returns.
func newWebServer(t testing.TB, ix app.Index, at time.Time, stream func(*web.Server) queryhttp.Stream) (*web.Server, *pricing.Engine) {
	t.Helper()
	clock := func() time.Time { return at }
	engine := shippedEngine(t)
	search, err := app.NewSearchFlights(ix, engine, clock, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	seats, err := app.NewGetSeatMap(ix)
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Options{Service: "query", Log: logging.Discard(), Errors: queryhttp.Errors})
	h, err := queryhttp.NewHandlers(search, seats, stream(srv), clock, shippedVerifier(t))
	if err != nil {
		t.Fatal(err)
	}
	h.Register(srv.Echo)
	return srv, engine
}

// unusedStream is a seat stream for tests that open none: its flights are
// those of ix and its history is empty.
func unusedStream(t testing.TB, srv *web.Server, ix app.Index) queryhttp.Stream {
	t.Helper()
	catalog, ok := ix.(app.FlightCatalog)
	if !ok {
		catalog = noFlights{}
	}
	seats, err := app.NewStreamSeats(catalog, emptyLog{})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := sse.NewHub(sse.Config{Buffer: 8, MaxPerGuest: 5, MaxConnections: 10}, srv.Registry, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	return queryhttp.Stream{Seats: seats, Hub: hub, Heartbeat: time.Second, Log: logging.Discard()}
}

type noFlights struct{}

func (noFlights) FlightExists(context.Context, string) (bool, error) { return false, nil }

type emptyLog struct{}

func (emptyLog) After(context.Context, string, app.EventID, int) (app.SeatLogPage, error) {
	return app.SeatLogPage{}, nil
}

func (s server) do(t *testing.T, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

func (s server) search(t *testing.T, body string) *httptest.ResponseRecorder {
	t.Helper()
	return s.do(t, http.MethodPost, "/v1/flights/search", body)
}

// searchBody renders a search request; each leg is "JFK LHR 2026-12-10".
func searchBody(pax int, legs ...string) string {
	type leg struct {
		Origin      string `json:"origin_airport_code"`
		Destination string `json:"destination_airport_code"`
		Date        string `json:"date"`
	}
	req := struct {
		Legs []leg `json:"legs"`
		Pax  int   `json:"passenger_count"`
	}{Legs: []leg{}, Pax: pax}
	for _, l := range legs {
		f := strings.Fields(l)
		req.Legs = append(req.Legs, leg{f[0], f[1], f[2]})
	}
	b, _ := json.Marshal(req)
	return string(b)
}

// The answers as a client reads them.

type line struct {
	Kind        string `json:"kind"`
	Code        string `json:"code"`
	Description string `json:"description"`
	Amount      int64  `json:"amount"`
}

type price struct {
	Currency  string `json:"currency"`
	Total     int64  `json:"total"`
	Breakdown []line `json:"breakdown"`
}

type flightOut struct {
	FlightID        string `json:"flight_id"`
	FlightNumber    string `json:"flight_number"`
	Origin          string `json:"origin_airport_code"`
	Destination     string `json:"destination_airport_code"`
	DepartureTime   string `json:"departure_time"`
	ArrivalTime     string `json:"arrival_time"`
	DurationMinutes int    `json:"duration_minutes"`
	Aircraft        struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"aircraft"`
	AvailableSeats  int              `json:"available_seats"`
	Cabin           string           `json:"cabin"`
	Price           price            `json:"price"`
	PassengerPrices map[string]price `json:"passenger_prices"`
}

type legOut struct {
	Origin      string      `json:"origin_airport_code"`
	Destination string      `json:"destination_airport_code"`
	Date        string      `json:"date"`
	Flights     []flightOut `json:"flights"`
}

type searchOut struct {
	Legs []legOut `json:"legs"`
}

type seatOut struct {
	SeatNumber      string   `json:"seat_number"`
	Letter          string   `json:"letter"`
	Characteristics []string `json:"characteristics"`
	Status          string   `json:"status"`
}

type seatMapOut struct {
	FlightID     string `json:"flight_id"`
	FlightNumber string `json:"flight_number"`
	Aircraft     struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"aircraft"`
	AvailableSeats int `json:"available_seats"`
	Cabins         []struct {
		Code string `json:"code"`
		Name string `json:"name"`
		Rows []struct {
			Row   int       `json:"row"`
			Seats []seatOut `json:"seats"`
		} `json:"rows"`
	} `json:"cabins"`
}

// decodeOK checks a 200 JSON answer and decodes it into v.
func decodeOK(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %.300s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
}

// apiError is the one error shape.
type apiError struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	RequestID string            `json:"request_id"`
	Fields    map[string]string `json:"fields"`
}

// wantError checks status and that the body is exactly the error envelope
// {"error":{"code","message","request_id"[,"fields"]}} with code, and
// returns it.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) apiError {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %.300s", rec.Code, status, rec.Body)
	}
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil || len(raw) != 1 || raw["error"] == nil {
		t.Fatalf("body %s is not {\"error\":{...}} (%v)", rec.Body, err)
	}
	for k := range raw["error"] {
		if !slices.Contains([]string{"code", "message", "request_id", "fields"}, k) {
			t.Errorf("error envelope has unexpected key %q: %s", k, rec.Body)
		}
	}
	var env struct{ Error apiError }
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	e := env.Error
	if e.Code != code {
		t.Errorf("code %q, want %q; body %s", e.Code, code, rec.Body)
	}
	if e.Message == "" {
		t.Errorf("empty message: %s", rec.Body)
	}
	if e.RequestID == "" || e.RequestID != rec.Header().Get(web.HeaderRequestID) {
		t.Errorf("request_id %q, response header %q", e.RequestID, rec.Header().Get(web.HeaderRequestID))
	}
	return e
}

// wantFields checks a 400 invalid_request naming exactly the given fields.
func wantFields(t *testing.T, rec *httptest.ResponseRecorder, fields ...string) {
	t.Helper()
	e := wantError(t, rec, http.StatusBadRequest, "invalid_request")
	got := slices.Sorted(maps.Keys(e.Fields))
	want := slices.Sorted(slices.Values(fields))
	if !slices.Equal(got, want) {
		t.Fatalf("fields %q, want %q; body %s", got, want, rec.Body)
	}
}

func sum(lines []line) int64 {
	var n int64
	for _, l := range lines {
		n += l.Amount
	}
	return n
}

// codes lists a breakdown as "kind CODE amount" strings.
func codes(lines []line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		b, _ := json.Marshal(l.Amount)
		out[i] = l.Kind + " " + l.Code + " " + string(b)
	}
	return out
}
