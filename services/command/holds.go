package main

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/platform/lifecycle"
	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/command/internal/adapters/postgres"
	redisstore "github.com/altisair/altis/services/command/internal/adapters/redis"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/ports/http"
)

// sweepBatch is how many flights one sweeper round trip tidies.
const sweepBatch = 100

// wireHolds builds the trip and seat hold use cases and the hold sweeper.
func wireHolds(cfg config, pool *pgxpool.Pool, rdb rueidis.Client, env lifecycle.Env) (http.HoldUseCases, *app.SweepHolds, error) {
	var uc http.HoldUseCases
	engine, err := pricing.New(cfg.Pricing)
	if err != nil {
		return uc, nil, fmt.Errorf("config [pricing]: %w", err)
	}
	keys := readmodel.NewKeys(cfg.Redis.Prefix)
	trips, err := redisstore.NewTrips(rdb, keys, redisstore.TripLimits{MaxTrips: cfg.Command.MaxTripsPerGuest,
		MaxSeats: cfg.Command.MaxSeatsPerGuest, Retention: cfg.Command.TripRetention})
	if err != nil {
		return uc, nil, err
	}
	holds, err := redisstore.NewHolds(rdb, keys, cfg.Readmodel.SeatEventsMaxLen)
	if err != nil {
		return uc, nil, err
	}
	catalog, now := postgres.NewCatalog(pool), time.Now
	uc.CreateTrip, err = app.NewCreateTrip(catalog, trips, holds, engine, cfg.Command.HoldTTL)
	if err != nil {
		return uc, nil, err
	}
	if uc.GetTrip, err = app.NewGetTrip(trips, now); err != nil {
		return uc, nil, err
	}
	if uc.AddPassenger, err = app.NewAddPassenger(trips, holds, engine, now); err != nil {
		return uc, nil, err
	}
	if uc.HoldSeat, err = app.NewHoldSeat(trips, holds); err != nil {
		return uc, nil, err
	}
	if uc.ReleaseSeat, err = app.NewReleaseSeat(trips, holds); err != nil {
		return uc, nil, err
	}
	sweeper, err := app.NewSweepHolds(holds, cfg.Command.SweepInterval, sweepBatch, env.Log)
	return uc, sweeper, err
}
