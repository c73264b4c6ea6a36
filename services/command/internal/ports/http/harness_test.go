package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/rueidis"

	"github.com/altisair/altis/migrations"
	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/logging"
	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/testenv"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/command/internal/adapters/payment"
	"github.com/altisair/altis/services/command/internal/adapters/postgres"
	redisstore "github.com/altisair/altis/services/command/internal/adapters/redis"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/domain/schedule"
	commandhttp "github.com/altisair/altis/services/command/internal/ports/http"
)

const shippedConfig = "../../../../../config/default.toml"

// harness is the command service's router on a fresh database (with a
// two-day seed schedule) and a fresh Redis prefix.
type harness struct {
	t        testing.TB
	e        *echo.Echo
	pool     *pgxpool.Pool
	tokens   *auth.Issuer
	payments *payment.TestProvider
	redis    rueidis.Client
	keys     readmodel.Keys
	metrics  *prometheus.Registry
}

type options struct {
	ttl    time.Duration
	limits redisstore.TripLimits
	// seats replaces the holds a commit checks and sells (nil: Redis).
	seats func(*redisstore.Holds) app.SeatSales
}

func newHarness(t testing.TB, o options) *harness {
	t.Helper()
	if o.ttl == 0 {
		o.ttl = 15 * time.Minute
	}
	if o.limits == (redisstore.TripLimits{}) {
		o.limits = redisstore.TripLimits{MaxTrips: 10, MaxSeats: 100, Retention: time.Hour}
	}
	pool := testenv.Pool(t, migrations.Apply)
	seed(t, pool)
	url, prefix := testenv.Redis(t)
	rdb, err := platformredis.Open(platformredis.Config{URL: url, Prefix: prefix}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rdb.Close)
	keys := readmodel.NewKeys(prefix)
	trips, err := redisstore.NewTrips(rdb, keys, o.limits)
	must(t, err)
	holds, err := redisstore.NewHolds(rdb, keys, 100)
	must(t, err)
	catalog, engine := postgres.NewCatalog(pool), shippedEngine(t)
	bookings, payments := postgres.NewBookings(pool), payment.NewTestProvider()
	var seats app.SeatSales = holds
	if o.seats != nil {
		seats = o.seats(holds)
	}
	d := commandhttp.Deps{Idempotency: postgres.NewIdempotency(pool), Log: logging.Discard()}
	d.Holds.CreateTrip, err = app.NewCreateTrip(catalog, trips, holds, engine, o.ttl)
	must(t, err)
	d.Holds.GetTrip, err = app.NewGetTrip(trips, time.Now)
	must(t, err)
	d.Holds.AddPassenger, err = app.NewAddPassenger(trips, holds, engine, time.Now)
	must(t, err)
	d.Holds.HoldSeat, err = app.NewHoldSeat(trips, holds)
	must(t, err)
	d.Holds.ReleaseSeat, err = app.NewReleaseSeat(trips, holds)
	must(t, err)
	d.Bookings.Commit, err = app.NewCommitBooking(trips, trips, seats, bookings, payments, engine, logging.Discard())
	must(t, err)
	d.Bookings.Get, err = app.NewGetBooking(bookings)
	must(t, err)
	d.Bookings.Cancel, err = app.NewCancelBooking(trips, bookings, payments, logging.Discard())
	must(t, err)
	settings := shippedAuth(t)
	d.Guests, err = auth.NewVerifier(settings)
	must(t, err)
	issuer, err := auth.NewIssuer(settings)
	must(t, err)
	srv := web.New(web.Options{Service: "command", Log: logging.Discard(), Errors: commandhttp.Errors})
	d.Metrics, err = commandhttp.NewMetrics(srv.Registry)
	must(t, err)
	must(t, commandhttp.Register(srv.Echo, d))
	return &harness{t: t, e: srv.Echo, pool: pool, tokens: issuer, payments: payments, redis: rdb, keys: keys, metrics: srv.Registry}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func seed(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	uc, err := app.NewSeedSchedule(postgres.NewScheduleStore(pool), logging.Discard())
	must(t, err)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	_, err = uc.Handle(context.Background(), schedule.Options{Start: today, Days: 2, Scale: 1})
	must(t, err)
}

func loadShipped(t testing.TB) *config.Loader {
	t.Helper()
	l, err := config.Load(shippedConfig, nil)
	must(t, err)
	return l
}

func shippedEngine(t testing.TB) *pricing.Engine {
	t.Helper()
	var cfg pricing.Config
	must(t, loadShipped(t).Section("pricing", &cfg))
	e, err := pricing.New(cfg)
	must(t, err)
	return e
}

func shippedAuth(t testing.TB) auth.Settings {
	t.Helper()
	var cfg auth.Config
	must(t, loadShipped(t).Section("auth", &cfg))
	return cfg.Settings()
}

// guest mints a token for a new guest and returns its Authorization value.
func (h *harness) guest() string {
	h.t.Helper()
	tok, err := h.tokens.Issue()
	must(h.t, err)
	return "Bearer " + tok.Value
}

// flight returns a scheduled flight departing after tomorrow's noon (UTC)
// and its aircraft: later is an offset in the ordered list.
func (h *harness) flight(later int) (id, aircraft string) {
	h.t.Helper()
	err := h.pool.QueryRow(context.Background(), `
		SELECT id::text, aircraft_code FROM flights
		WHERE departure_at > now() + interval '6 hours' ORDER BY departure_at, id OFFSET $1 LIMIT 1`, later).Scan(&id, &aircraft)
	must(h.t, err)
	return id, aircraft
}

// departed returns a flight that left before now.
func (h *harness) departed() string {
	h.t.Helper()
	var id string
	err := h.pool.QueryRow(context.Background(),
		`SELECT id::text FROM flights WHERE departure_at < now() ORDER BY departure_at LIMIT 1`).Scan(&id)
	must(h.t, err)
	return id
}

// seats returns the first n seats of aircraft that are for sale.
func (h *harness) seats(aircraft string, n int) []string {
	h.t.Helper()
	rows, err := h.pool.Query(context.Background(), `SELECT seat_number FROM aircraft_seats
		WHERE aircraft_code = $1 AND NOT is_blocked ORDER BY row_number, letter LIMIT $2`, aircraft, n)
	must(h.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		must(h.t, rows.Scan(&s))
		out = append(out, s)
	}
	must(h.t, rows.Err())
	return out
}

// blockedSeat returns a blocked seat of aircraft, or "" if it has none.
func (h *harness) blockedSeat(aircraft string) string {
	h.t.Helper()
	var seat string
	err := h.pool.QueryRow(context.Background(),
		`SELECT coalesce(min(seat_number), '') FROM aircraft_seats WHERE aircraft_code = $1 AND is_blocked`, aircraft).Scan(&seat)
	must(h.t, err)
	return seat
}

// do sends a request with an optional Authorization and JSON body.
func (h *harness) do(method, path, authz string, body any) *httptest.ResponseRecorder {
	h.t.Helper()
	return h.doWith(method, path, authz, nil, body)
}

// doWith is do with extra headers.
func (h *harness) doWith(method, path, authz string, headers map[string]string, body any) *httptest.ResponseRecorder {
	h.t.Helper()
	var buf bytes.Buffer
	switch b := body.(type) {
	case nil:
	case string:
		buf.WriteString(b)
	default:
		must(h.t, json.NewEncoder(&buf).Encode(b))
	}
	req := httptest.NewRequest(method, path, &buf)
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	if authz != "" {
		req.Header.Set(echo.HeaderAuthorization, authz)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.e.ServeHTTP(rec, req)
	return rec
}

// decode reads a JSON answer with status want.
func decode[T any](t testing.TB, rec *httptest.ResponseRecorder, want int) T {
	t.Helper()
	var v T
	if rec.Code != want {
		t.Fatalf("status %d, want %d: %s", rec.Code, want, rec.Body)
	}
	must(t, json.Unmarshal(rec.Body.Bytes(), &v))
	return v
}

type errorBody struct {
	Error struct {
		Code      string            `json:"code"`
		Message   string            `json:"message"`
		RequestID string            `json:"request_id"`
		Fields    map[string]string `json:"fields"`
	} `json:"error"`
}

// fails checks an error answer's status, code and (optionally) fields.
func fails(t testing.TB, rec *httptest.ResponseRecorder, status int, code string, fields ...string) {
	t.Helper()
	e := decode[errorBody](t, rec, status)
	if e.Error.Code != code || e.Error.RequestID == "" {
		t.Fatalf("error %+v, want code %s", e.Error, code)
	}
	for _, f := range fields {
		if e.Error.Fields[f] == "" {
			t.Errorf("no message for field %s in %v", f, e.Error.Fields)
		}
	}
	if len(fields) > 0 && len(e.Error.Fields) != len(fields) {
		t.Errorf("fields %v, want exactly %v", e.Error.Fields, fields)
	}
}

type tripCreated struct {
	TripID    string `json:"trip_id"`
	ExpiresAt int64  `json:"expires_at"`
}

// trip holds the flights for authz and returns the new trip's id.
func (h *harness) trip(authz string, flights ...string) string {
	h.t.Helper()
	return decode[tripCreated](h.t, h.do(http.MethodPost, "/v1/holds/trip", authz, map[string]any{"flight_ids": flights}), http.StatusCreated).TripID
}

func seatBody(tripID, flightID, seat string) map[string]string {
	return map[string]string{"trip_id": tripID, "flight_id": flightID, "seat_number": seat}
}

func limits(trips, seats int) redisstore.TripLimits {
	return redisstore.TripLimits{MaxTrips: trips, MaxSeats: seats, Retention: time.Hour}
}
