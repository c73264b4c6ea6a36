// Command command is the write side of Altis: trip and seat holds in Redis,
// bookings as PostgreSQL transactions with an outbox, and the outbox relay.
//
//	command [-config file]            serve
//	command [-config file] migrate    create the database if missing, apply migrations and exit
//	command [-config file] seed [-days N] [-scale N]
//	                                  migrate, seed the schedule and exit
//	command [-config file] healthcheck
package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/altisair/altis/migrations"
	"github.com/altisair/altis/pkg/platform/lifecycle"
	platformpg "github.com/altisair/altis/pkg/platform/postgres"
	"github.com/altisair/altis/services/command/internal/adapters/postgres"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/domain/schedule"
)

func main() { lifecycle.Main("command", run) }

func run(ctx context.Context, env lifecycle.Env) error {
	cfg, err := loadConfig(env.Config)
	if err != nil {
		return err
	}
	switch env.Command() {
	case "":
		return serve(ctx, env, cfg)
	case "migrate":
		return migrate(ctx, env, cfg)
	case "seed":
		return seed(ctx, env, cfg)
	case "healthcheck":
		return lifecycle.Probe(ctx, cfg.Command.Port)
	}
	return lifecycle.UnknownCommand(env.Command(), "migrate", "seed", "healthcheck")
}

// migrate creates the database if the server lacks it, then applies the
// migrations.
func migrate(ctx context.Context, env lifecycle.Env, cfg config) error {
	if err := platformpg.EnsureDatabase(ctx, cfg.Database.URL, env.Log); err != nil {
		return err
	}
	_, err := migrations.Up(ctx, cfg.Database.URL, env.Log)
	return err
}

func seed(ctx context.Context, env lifecycle.Env, cfg config) error {
	if err := migrate(ctx, env, cfg); err != nil {
		return err
	}
	pool, err := platformpg.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer pool.Close()
	uc, err := app.NewSeedSchedule(postgres.NewScheduleStore(pool), env.Log)
	if err != nil {
		return err
	}
	opts, err := seedOptions(env.Args[1:], cfg.Seed)
	if err != nil {
		return err
	}
	res, err := uc.Handle(ctx, opts)
	if err != nil {
		return err
	}
	env.Log.Info("schedule seeded", "from", opts.Start.Format(time.DateOnly), "days", opts.Days, "scale", opts.Scale,
		"flights", res.Generated, "new", res.Inserted, "took", res.Took.String())
	return nil
}

// seedOptions reads `seed -days N -scale N`; [seed] gives the defaults.
// -scale 10 with the default 30 days gives 99,600 flights.
func seedOptions(args []string, c seedConfig) (schedule.Options, error) {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.IntVar(&c.Days, "days", c.Days, "days of flights from today (UTC)")
	fs.IntVar(&c.Scale, "scale", c.Scale, "multiplies daily frequencies (10 → ~100k flights over 30 days)")
	if err := fs.Parse(args); err != nil {
		return schedule.Options{}, err
	}
	if err := c.Validate(); err != nil {
		return schedule.Options{}, fmt.Errorf("seed: %w", err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	return schedule.Options{Start: today, Days: c.Days, Scale: c.Scale}, nil
}
