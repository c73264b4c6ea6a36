// Command query is the read side of Altis: flight search, seat maps and
// live seat streams (SSE) served from Redis only — never from PostgreSQL.
//
//	query [-config file]
//	query [-config file] healthcheck
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/rueidis"
	"golang.org/x/sync/errgroup"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/lifecycle"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/pkg/readmodel"
	redisindex "github.com/altisair/altis/services/query/internal/adapters/redis"
	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/ports/http"
	"github.com/altisair/altis/services/query/internal/ports/sse"
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
	keys := readmodel.NewKeys(cfg.Redis.Prefix)
	ix := redisindex.NewIndex(rdb, keys)
	srv.Ready(readyChecks(rdb, ix)...)
	st := cfg.Query.Stream
	hub, err := sse.NewHub(sse.Config{Buffer: st.Buffer, MaxPerGuest: st.MaxPerGuest, MaxConnections: st.MaxConnections},
		srv.Registry, env.Log)
	if err != nil {
		return err
	}
	seatEvents := redisindex.NewSeatEvents(rdb, keys, env.Log)
	h, err := handlers(ix, seatEvents, hub, st.Heartbeat, engine, guests, env.Log)
	if err != nil {
		return err
	}
	h.Register(srv.Echo)
	// The hub's one Redis subscription and the server stop together: when
	// ctx ends the hub ends every stream (so the server can drain), and
	// when either fails the other stops.
	return serveWithStreams(ctx, srv, cfg.Query.Config, hub, seatEvents)
}

// serveWithStreams runs the hub's one feed and the server together until
// ctx ends or either fails. Streams outlive the signal while /readyz
// drains: the hub stops when the listener closes (or when serving fails),
// and each stream then ends with a retry hint so its client reconnects
// elsewhere.
func serveWithStreams(ctx context.Context, srv *web.Server, c web.Config, hub *sse.Hub, feed sse.Feed) error {
	g, ctx := errgroup.WithContext(ctx)
	feedCtx, stopFeed := context.WithCancel(context.WithoutCancel(ctx))
	srv.OnShutdown(stopFeed)
	g.Go(func() error { return hub.Run(feedCtx, feed) })
	g.Go(func() error {
		defer stopFeed()
		return srv.Serve(ctx, c)
	})
	return g.Wait()
}

// readyChecks make /readyz fail until the query can answer: Redis answers
// and the availability index exists ("index" fails while the projector
// builds it for the first time, so no load balancer sends searches that
// could only get 503).
func readyChecks(rdb rueidis.Client, ix *redisindex.Index) []web.Check {
	return []web.Check{{Name: "redis", Fn: redis.Ping(rdb)}, {Name: "index", Fn: ix.Ready}}
}

func handlers(ix index, seatLog app.SeatLog, hub *sse.Hub, heartbeat time.Duration, engine *pricing.Engine,
	guests *auth.Verifier, log *slog.Logger) (*http.Handlers, error) {
	search, err := app.NewSearchFlights(ix, engine, time.Now, log)
	if err != nil {
		return nil, err
	}
	seats, err := app.NewGetSeatMap(ix)
	if err != nil {
		return nil, err
	}
	streams, err := app.NewStreamSeats(ix, seatLog)
	if err != nil {
		return nil, err
	}
	stream := http.Stream{Seats: streams, Hub: hub, Heartbeat: heartbeat, Log: log}
	return http.NewHandlers(search, seats, stream, time.Now, guests)
}

// index is what the use cases read from the availability index.
type index interface {
	app.Index
	app.FlightCatalog
}
