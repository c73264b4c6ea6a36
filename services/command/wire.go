package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/lifecycle"
	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/command/internal/adapters/payment"
	"github.com/altisair/altis/services/command/internal/adapters/postgres"
	redisstore "github.com/altisair/altis/services/command/internal/adapters/redis"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/ports/http"
)

// Background work the API needs, and how often it runs.
const (
	sweepBatch         = 100            // flights one sweeper round trip tidies
	idempotencyPrune   = time.Hour      // how often old idempotency keys are deleted
	idempotencyKeepFor = 48 * time.Hour // keys are kept at least 24 h (DESIGN §3)
)

// stores are the adapters the use cases share.
type stores struct {
	catalog  *postgres.Catalog
	trips    *redisstore.Trips
	holds    *redisstore.Holds
	bookings *postgres.Bookings
	idem     *postgres.Idempotency
	payments *payment.TestProvider
	prices   *pricing.Engine
}

func newStores(cfg config, pool *pgxpool.Pool, rdb rueidis.Client) (stores, error) {
	var s stores
	var err error
	if s.prices, err = pricing.New(cfg.Pricing); err != nil {
		return s, fmt.Errorf("config [pricing]: %w", err)
	}
	keys := readmodel.NewKeys(cfg.Redis.Prefix)
	s.trips, err = redisstore.NewTrips(rdb, keys, redisstore.TripLimits{MaxTrips: cfg.Command.MaxTripsPerGuest,
		MaxSeats: cfg.Command.MaxSeatsPerGuest, Retention: cfg.Command.TripRetention})
	if err != nil {
		return s, err
	}
	if s.holds, err = redisstore.NewHolds(rdb, keys, cfg.Readmodel.SeatEventsMaxLen); err != nil {
		return s, err
	}
	s.catalog, s.bookings, s.idem = postgres.NewCatalog(pool), postgres.NewBookings(pool), postgres.NewIdempotency(pool)
	s.payments = payment.NewTestProvider()
	return s, nil
}

// wireAPI builds the routes' dependencies and the background jobs they
// need (the hold sweeper and the idempotency key pruner).
func wireAPI(cfg config, pool *pgxpool.Pool, rdb rueidis.Client, env lifecycle.Env, reg prometheus.Registerer) (http.Deps, []func(context.Context) error, error) {
	d := http.Deps{Log: env.Log}
	var err error
	if d.Metrics, err = http.NewMetrics(reg); err != nil {
		return d, nil, err
	}
	if d.Guests, err = auth.NewVerifier(cfg.Auth.Settings()); err != nil {
		return d, nil, fmt.Errorf("config [auth]: %w", err)
	}
	s, err := newStores(cfg, pool, rdb)
	if err != nil {
		return d, nil, err
	}
	d.Idempotency = s.idem
	if d.Holds, err = holdUseCases(cfg, s); err != nil {
		return d, nil, err
	}
	if d.Bookings, err = bookingUseCases(s, env); err != nil {
		return d, nil, err
	}
	sweeper, err := app.NewSweepHolds(s.holds, cfg.Command.SweepInterval, sweepBatch, env.Log)
	if err != nil {
		return d, nil, err
	}
	pruner, err := app.NewPruneIdempotency(s.idem, idempotencyPrune, idempotencyKeepFor, env.Log)
	if err != nil {
		return d, nil, err
	}
	return d, []func(context.Context) error{sweeper.Run, pruner.Run}, nil
}

func holdUseCases(cfg config, s stores) (http.HoldUseCases, error) {
	var uc http.HoldUseCases
	var err error
	if uc.CreateTrip, err = app.NewCreateTrip(s.catalog, s.trips, s.holds, s.prices, cfg.Command.HoldTTL); err != nil {
		return uc, err
	}
	if uc.GetTrip, err = app.NewGetTrip(s.trips, time.Now); err != nil {
		return uc, err
	}
	if uc.AddPassenger, err = app.NewAddPassenger(s.trips, s.holds, s.prices, time.Now); err != nil {
		return uc, err
	}
	if uc.HoldSeat, err = app.NewHoldSeat(s.trips, s.holds); err != nil {
		return uc, err
	}
	uc.ReleaseSeat, err = app.NewReleaseSeat(s.trips, s.holds)
	return uc, err
}

func bookingUseCases(s stores, env lifecycle.Env) (http.BookingUseCases, error) {
	var uc http.BookingUseCases
	var err error
	if uc.Commit, err = app.NewCommitBooking(s.trips, s.trips, s.holds, s.bookings, s.payments, s.prices, env.Log); err != nil {
		return uc, err
	}
	if uc.Get, err = app.NewGetBooking(s.bookings); err != nil {
		return uc, err
	}
	uc.Cancel, err = app.NewCancelBooking(s.trips, s.bookings, s.payments, env.Log)
	return uc, err
}
