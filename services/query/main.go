// Command query is the read side of Altis: flight search and seat maps
// served from the Redis availability index only — never from PostgreSQL.
//
//	query [-config file]
//	query [-config file] healthcheck
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/lifecycle"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/pkg/readmodel"
	redisindex "github.com/altisair/altis/services/query/internal/adapters/redis"
	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/ports/http"
)

func main() { lifecycle.Main("query", run) }

func run(ctx context.Context, env lifecycle.Env) error {
	cfg, err := loadConfig(env.Config)
	if err != nil {
		return err
	}
	switch env.Command() {
	case "":
	case "healthcheck":
		return lifecycle.Probe(ctx, cfg.Query.Port)
	default:
		return lifecycle.UnknownCommand(env.Command(), "healthcheck")
	}
	engine, err := pricing.New(cfg.Pricing)
	if err != nil {
		return fmt.Errorf("config [pricing]: %w", err)
	}
	guests, err := auth.NewVerifier(cfg.Auth.Settings())
	if err != nil {
		return fmt.Errorf("config [auth]: %w", err)
	}
	rdb, err := redis.Open(cfg.Redis, env.Log)
	if err != nil {
		return err
	}
	defer rdb.Close()
	srv := web.New(web.Options{Service: "query", Log: env.Log, Errors: http.Errors})
	srv.Ready(web.Check{Name: "redis", Fn: redis.Ping(rdb)})
	h, err := handlers(redisindex.NewIndex(rdb, readmodel.NewKeys(cfg.Redis.Prefix)), engine, guests, env.Log)
	if err != nil {
		return err
	}
	h.Register(srv.Echo)
	return srv.Serve(ctx, cfg.Query.Addr(), cfg.Query.ShutdownTimeout)
}

func handlers(ix app.Index, engine *pricing.Engine, guests *auth.Verifier, log *slog.Logger) (*http.Handlers, error) {
	search, err := app.NewSearchFlights(ix, engine, time.Now, log)
	if err != nil {
		return nil, err
	}
	seats, err := app.NewGetSeatMap(ix)
	if err != nil {
		return nil, err
	}
	return http.NewHandlers(search, seats, time.Now, guests)
}
