// Command gateway is Altis's edge: it issues guest tokens and stream
// tickets, verifies them before anything is proxied, applies rate and body
// limits and CORS, and proxies /v1 to the command and query services (SSE
// unbuffered) with the token, which they verify again.
package main

import (
	"context"
	"log/slog"
	"net/url"

	"github.com/redis/rueidis"
	"golang.org/x/sync/errgroup"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/lifecycle"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/gateway/internal/limits"
	httpport "github.com/altisair/altis/services/gateway/internal/ports/http"
	"github.com/altisair/altis/services/gateway/internal/proxy"
)

func main() { lifecycle.Main("gateway", run) }

func run(ctx context.Context, env lifecycle.Env) error {
	cfg, err := loadConfig(env.Config)
	if err != nil {
		return err
	}
	switch env.Command() {
	case "":
	case "healthcheck":
		return lifecycle.Probe(ctx, cfg.Server.Port)
	default:
		return lifecycle.UnknownCommand(env.Command(), "healthcheck")
	}
	srv := web.New(web.Options{Service: "gateway", Log: env.Log, Errors: httpport.Errors, PrivateMetrics: true,
		Info: []any{"admin", cfg.Gateway.AdminAddr(), "command", cfg.Gateway.CommandURLs, "query", cfg.Gateway.QueryURLs, "cors_origins", cfg.Gateway.CORSOrigins}})
	rdb, err := redis.Open(cfg.Redis, env.Log)
	if err != nil {
		return err
	}
	defer rdb.Close()
	deps, err := wire(cfg, env.Log, srv, rdb)
	if err != nil {
		return err
	}
	if err := httpport.Register(srv.Echo, deps); err != nil {
		return err
	}
	srv.Ready(
		web.Check{Name: "command", Fn: deps.Upstreams[proxy.Command].Check},
		web.Check{Name: "query", Fn: deps.Upstreams[proxy.Query].Check},
		web.Check{Name: "redis", Fn: redis.Ping(rdb)},
	)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Serve(ctx, cfg.Server) })
	g.Go(func() error {
		return srv.ServeAdmin(ctx, cfg.Gateway.AdminAddr(), cfg.Server)
	})
	return g.Wait()
}

// wire builds the route dependencies from the validated configuration.
func wire(cfg config, log *slog.Logger, srv *web.Server, rdb rueidis.Client) (httpport.Deps, error) {
	d := httpport.Deps{BodyLimit: cfg.Gateway.BodyLimitBytes, CORSOrigins: cfg.Gateway.CORSOrigins,
		TrustedProxies: cfg.Gateway.trustedProxies(), Stopping: srv.Stopping()}
	var err error
	if d.Upstreams, err = upstreams(cfg.Gateway, log); err != nil {
		return d, err
	}
	l := cfg.Gateway.Limits
	if d.Limits, err = limits.New(rdb, cfg.Redis.Prefix, l.RedisTimeout, l.budgets()...); err != nil {
		return d, err
	}
	if d.Metrics, err = httpport.NewMetrics(srv.Registry); err != nil {
		return d, err
	}
	err = tokens(cfg.Auth, &d)
	return d, err
}

// tokens builds the issuer and verifier and the handlers that issue guest
// tokens and stream tickets; d.Metrics must be set.
func tokens(c auth.Config, d *httpport.Deps) error {
	issuer, err := auth.NewIssuer(c.Settings())
	if err != nil {
		return err
	}
	if d.Verifier, err = auth.NewVerifier(c.Settings()); err != nil {
		return err
	}
	if d.Tokens, err = httpport.NewGuestTokens(issuer, d.Metrics); err != nil {
		return err
	}
	d.Tickets, err = httpport.NewStreamTickets(issuer)
	return err
}

func upstreams(c gatewayConfig, log *slog.Logger) (map[proxy.Target]*proxy.Upstream, error) {
	out := map[proxy.Target]*proxy.Upstream{}
	for target, raw := range map[proxy.Target][]string{proxy.Command: c.CommandURLs, proxy.Query: c.QueryURLs} {
		u, err := url.Parse(raw[0])
		if err != nil {
			return nil, err
		}
		if out[target], err = proxy.New(string(target), u, c.UpstreamTimeout, log); err != nil {
			return nil, err
		}
	}
	return out, nil
}
