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

// serve runs the HTTP API and the outbox relay until ctx ends.
func serve(ctx context.Context, env lifecycle.Env, cfg config) error {
	if cfg.Command.MigrateOnStart {
		if _, err := migrations.Up(ctx, cfg.Database.URL, env.Log); err != nil {
			env.Log.Error("migrations not applied; database unreachable?", "err", err)
		}
	}
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
	relay, err := outbox.NewRelay(pool, kc, outbox.RelayConfig{
		BatchSize: cfg.Command.Relay.BatchSize, PollInterval: cfg.Command.Relay.PollInterval,
		LockRetry: cfg.Command.Relay.LockRetry, Retention: cfg.Command.Relay.Retention,
	}, env.Log)
	if err != nil {
		return err
	}

	srv := web.New(web.Options{Service: "command", Log: env.Log, Errors: http.Errors})
	srv.Ready(
		web.Check{Name: "postgres", Fn: pool.Ping},
		web.Check{Name: "redis", Fn: redis.Ping(rdb)},
		web.Check{Name: "kafka", Fn: kafka.Ping(kc)},
	)
	deps, jobs, err := wireAPI(cfg, pool, rdb, env)
	if err != nil {
		return err
	}
	if err := http.Register(srv.Echo, deps); err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return runRelay(ctx, env, cfg, kc, relay) })
	for _, job := range jobs {
		g.Go(func() error { return job(ctx) })
	}
	g.Go(func() error {
		return srv.Serve(ctx, cfg.Command.Config)
	})
	return g.Wait()
}

// runRelay makes sure the topics exist (retrying while the broker is away),
// then publishes the outbox until ctx ends.
func runRelay(ctx context.Context, env lifecycle.Env, cfg config, kc *kgo.Client, relay *outbox.Relay) error {
	if err := kafka.WaitTopics(ctx, kc, cfg.Kafka, env.Log, events.Topics()...); err != nil {
		return err
	}
	return relay.Run(ctx)
}
