package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/altisair/altis/services/command/internal/domain/schedule"
)

// ScheduleStore persists the reference data and flights of a schedule.
// Saving is idempotent: rows that exist are left alone.
type ScheduleStore interface {
	SaveReference(ctx context.Context, airports []schedule.Airport, fleet []schedule.Aircraft) error
	// SaveFlights stores flights not stored yet, each with its inventory and
	// a flight.scheduled event in the outbox, and returns how many were new.
	SaveFlights(ctx context.Context, flights []schedule.Flight) (int, error)
}

// SeedSchedule generates the deterministic seed schedule and stores it.
type SeedSchedule struct {
	store ScheduleStore
	log   *slog.Logger
	batch int
}

// NewSeedSchedule builds the use case.
func NewSeedSchedule(store ScheduleStore, log *slog.Logger) (*SeedSchedule, error) {
	if store == nil || log == nil {
		return nil, errors.New("seed schedule: nil dependency")
	}
	return &SeedSchedule{store: store, log: log, batch: 1000}, nil
}

// SeedResult counts what a run generated and what was new.
type SeedResult struct {
	Generated, Inserted int
	Took                time.Duration
}

// Handle seeds opts.Days of flights from opts.Start.
func (s *SeedSchedule) Handle(ctx context.Context, opts schedule.Options) (SeedResult, error) {
	start := time.Now()
	flights, err := schedule.Generate(opts)
	if err != nil {
		return SeedResult{}, err
	}
	if err := s.store.SaveReference(ctx, schedule.Airports(), schedule.Fleet()); err != nil {
		return SeedResult{}, err
	}
	inserted := 0
	for i := 0; i < len(flights); i += s.batch {
		n, err := s.store.SaveFlights(ctx, flights[i:min(i+s.batch, len(flights))])
		if err != nil {
			return SeedResult{}, fmt.Errorf("save flights: %w", err)
		}
		inserted += n
		s.log.Debug("seed progress", "done", min(i+s.batch, len(flights)), "of", len(flights))
	}
	return SeedResult{Generated: len(flights), Inserted: inserted, Took: time.Since(start)}, nil
}
