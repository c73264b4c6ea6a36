// Command projector consumes Altis events from Kafka and maintains the
// Redis availability index; it can rebuild the index from PostgreSQL.
//
//	projector [-config file]           serve (rebuilds first if the index is missing)
//	projector [-config file] rebuild   rebuild the index now and exit
//	projector [-config file] healthcheck
package main

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/rueidis"
	"golang.org/x/sync/errgroup"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/platform/kafka"
	"github.com/altisair/altis/pkg/platform/lifecycle"
	platformpg "github.com/altisair/altis/pkg/platform/postgres"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/projector/internal/adapters/postgres"
	redisindex "github.com/altisair/altis/services/projector/internal/adapters/redis"
	"github.com/altisair/altis/services/projector/internal/app"
	kafkaport "github.com/altisair/altis/services/projector/internal/ports/kafka"
)

func main() { lifecycle.Main("projector", run) }

func run(ctx context.Context, env lifecycle.Env) error {
	cfg, err := loadConfig(env.Config)
	if err != nil {
		return err
	}
	if env.Command() == "healthcheck" {
		return lifecycle.Probe(ctx, cfg.Projector.Port)
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
	switch {
	case env.Command() == "":
		return serve(ctx, env, cfg, pool, rdb)
	case env.Command() == "rebuild":
		return rebuild(ctx, env, cfg, pool, rdb)
	}
	return lifecycle.UnknownCommand(env.Command(), "rebuild", "healthcheck")
}

// wiring is the projector's use cases over its adapters.
type wiring struct {
	index   *redisindex.Index
	ensure  *app.EnsureIndex
	rebuild *app.RebuildIndex
	check   *app.CheckIndex
}

func wire(env lifecycle.Env, cfg config, pool *pgxpool.Pool, rdb rueidis.Client, reg prometheus.Registerer) (wiring, error) {
	ix := redisindex.NewIndex(rdb, readmodel.NewKeys(cfg.Redis.Prefix), cfg.Readmodel.SeatEventsMaxLen)
	rb, err := app.NewRebuildIndex(postgres.NewSnapshot(pool), ix, env.Log, cfg.Projector.RebuildBatch, cfg.Projector.DropGrace)
	if err != nil {
		return wiring{}, err
	}
	m := app.NewMetrics(reg)
	ens, err := app.NewEnsureIndex(ix, rb, ix, env.Log, m)
	if err != nil {
		return wiring{}, err
	}
	p := cfg.Projector
	check, err := app.NewCheckIndex(postgres.NewInventory(pool), ix, rb, env.Log, m, p.CheckSample, p.CheckGrace)
	return wiring{index: ix, ensure: ens, rebuild: rb, check: check}, err
}

// indexBuilt is ready once a current index generation of this schema exists.
func indexBuilt(ix *redisindex.Index) func(context.Context) error {
	return func(ctx context.Context) error {
		gen, ok, err := ix.Status(ctx)
		switch {
		case err != nil:
			return err
		case gen == 0 || !ok:
			return errors.New("the availability index is being built")
		}
		return nil
	}
}

func rebuild(ctx context.Context, env lifecycle.Env, cfg config, pool *pgxpool.Pool, rdb rueidis.Client) error {
	w, err := wire(env, cfg, pool, rdb, prometheus.NewRegistry())
	if err != nil {
		return err
	}
	if _, err := w.rebuild.Handle(ctx); err != nil {
		return err
	}
	env.Log.Info("waiting for readers before dropping the old generation", "grace", cfg.Projector.DropGrace.String())
	// Interrupted, the drop stays recorded in Redis for a serving projector.
	return w.ensure.DropAfterGrace(ctx, cfg.Projector.DropGrace)
}

func serve(ctx context.Context, env lifecycle.Env, cfg config, pool *pgxpool.Pool, rdb rueidis.Client) error {
	srv := web.New(web.Options{Service: "projector", Log: env.Log})
	w, err := wire(env, cfg, pool, rdb, srv.Registry)
	if err != nil {
		return err
	}
	kc, err := kafka.NewClient(cfg.Kafka, kafkaport.ClientOptions(cfg.Projector.SessionTimeout)...)
	if err != nil {
		return err
	}
	// The consumer blocks rebalances while it applies a poll; leaving the
	// group on shutdown must not wait for one.
	defer kc.CloseAllowingRebalance()
	srv.Ready(
		web.Check{Name: "postgres", Fn: pool.Ping},
		web.Check{Name: "redis", Fn: redis.Ping(rdb)},
		web.Check{Name: "kafka", Fn: kafka.Ping(kc)},
		web.Check{Name: "index", Fn: indexBuilt(w.index)},
	)
	project, err := app.NewProjectEvents(w.index, env.Log)
	if err != nil {
		return err
	}
	consumer, err := kafkaport.NewConsumer(kc, project, env.Log, srv.Registry)
	if err != nil {
		return err
	}
	// Every goroutine of the projector is one of these (the rebuild lock's
	// renewal is started and stopped within RebuildIndex.Handle); each
	// returns when ctx ends, and the first failure ends the others.
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return w.ensure.Watch(ctx, cfg.Projector.WatchInterval) })
	g.Go(func() error { return w.check.Watch(ctx, cfg.Projector.CheckInterval) })
	g.Go(func() error {
		if err := kafka.WaitTopics(ctx, kc, cfg.Kafka, env.Log, events.Topics()...); err != nil {
			return err
		}
		return consumer.Run(ctx)
	})
	g.Go(func() error {
		return srv.Serve(ctx, cfg.Projector.Config)
	})
	return g.Wait()
}
