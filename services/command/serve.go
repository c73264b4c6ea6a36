package main

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/platform/outbox"

	"github.com/altisair/altis/migrations"
	"github.com/altisair/altis/pkg/platform/kafka"
	"github.com/altisair/altis/pkg/platform/lifecycle"
	platformpg "github.com/altisair/altis/pkg/platform/postgres"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/command/internal/ports/http"
)

// serve runs the HTTP API and the outbox relay until ctx ends. With
// migrate_on_start the schema is applied in the background, retried until
// it succeeds; the service answers /healthz meanwhile and is not ready.
func serve(ctx context.Context, env lifecycle.Env, cfg config) error {
	var up func(context.Context) (int64, error)
	if cfg.Command.MigrateOnStart {
		up = func(ctx context.Context) (int64, error) { return migrations.Up(ctx, cfg.Database.URL, env.Log) }
	}
	migrated := newMigrator(up, env.Log)
	pool, err := platformpg.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer pool.Close()
	rdb, err := redis.Open(cfg.Redis, env.Log)
	if err != nil {
		return err
	}
	defer rdb.Close()
	kc, err := kafka.NewClient(cfg.Kafka, kafka.ProducerOptions()...)
	if err != nil {
		return err
	}
	defer kc.Close()

	srv := web.New(web.Options{Service: "command", Log: env.Log, Errors: http.Errors})
	checks := []web.Check{
		{Name: "postgres", Fn: pool.Ping},
		{Name: "redis", Fn: redis.Ping(rdb)},
		{Name: "kafka", Fn: kafka.Ping(kc)},
	}
	if cfg.Command.MigrateOnStart {
		checks = append(checks, web.Check{Name: "migrations", Fn: migrated.Check})
	}
	srv.Ready(checks...)
	r := cfg.Command.Relay
	relay, err := outbox.NewRelay(pool, kc, outbox.RelayConfig{
		BatchSize: r.BatchSize, PollInterval: r.PollInterval, LockRetry: r.LockRetry, Retention: r.Retention,
		MaxAttempts: r.MaxAttempts, RetryBackoff: r.RetryBackoff, Registerer: srv.Registry,
	}, env.Log)
	if err != nil {
		return err
	}
	deps, jobs, err := wireAPI(cfg, pool, rdb, env, srv.Registry)
	if err != nil {
		return err
	}
	if err := http.Register(srv.Echo, deps); err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return migrated.Run(ctx) })
	g.Go(func() error { return runRelay(ctx, env, cfg, kc, relay, migrated) })
	for _, job := range jobs {
		g.Go(func() error { return job(ctx) })
	}
	g.Go(func() error {
		return srv.Serve(ctx, cfg.Command.Config)
	})
	return g.Wait()
}

// runRelay waits for the schema, makes sure the topics exist (retrying
// while the broker is away), then publishes the outbox until ctx ends.
func runRelay(ctx context.Context, env lifecycle.Env, cfg config, kc *kgo.Client, relay *outbox.Relay, migrated *migrator) error {
	if err := migrated.Wait(ctx); err != nil {
		return err
	}
	if err := kafka.WaitTopics(ctx, kc, cfg.Kafka, env.Log, events.Topics()...); err != nil {
		return err
	}
	return relay.Run(ctx)
}
