// Command gateway is Altis's edge: it issues guest tokens and stream
// tickets, verifies them before anything is proxied, applies rate and body
// limits and CORS, and proxies /v1 to the command and query services (SSE
// unbuffered) with the token, which they verify again.
package main

import (
	"context"
	"log/slog"
	"net/url"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/lifecycle"
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
	srv := web.New(web.Options{Service: "gateway", Log: env.Log, Errors: httpport.Errors, PrivateMetrics: true})
	deps, err := wire(cfg, env.Log, srv)
	if err != nil {
		return err
	}
	if err := httpport.Register(srv.Echo, deps); err != nil {
		return err
	}
	srv.Ready(
		web.Check{Name: "command", Fn: deps.Upstreams[proxy.Command].Check},
		web.Check{Name: "query", Fn: deps.Upstreams[proxy.Query].Check},
	)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Serve(ctx, cfg.Server.Addr(), cfg.Server.ShutdownTimeout) })
	g.Go(func() error {
		return srv.ServeAdmin(ctx, cfg.Gateway.AdminAddr(), cfg.Server.ShutdownTimeout)
	})
	for _, up := range deps.Upstreams {
		g.Go(func() error { return up.Run(ctx) })
	}
	return g.Wait()
}

// wire builds the route dependencies from the validated configuration.
func wire(cfg config, log *slog.Logger, srv *web.Server) (httpport.Deps, error) {
	d := httpport.Deps{BodyLimit: cfg.Gateway.BodyLimitBytes, CORSOrigins: cfg.Gateway.CORSOrigins}
	var err error
	if d.Upstreams, err = upstreams(cfg.Gateway, log, srv.Registry); err != nil {
		return d, err
	}
	if d.Limiter, d.GuestLimits, err = limiters(cfg.Gateway); err != nil {
		return d, err
	}
	if d.Metrics, err = httpport.NewMetrics(srv.Registry); err != nil {
		return d, err
	}
	err = tokens(cfg.Auth, &d)
	return d, err
}

func limiters(c gatewayConfig) (perClient, guestTokens *limits.Limiter, err error) {
	if perClient, err = limits.New(c.RateLimitPerSecond, c.RateLimitBurst); err != nil {
		return nil, nil, err
	}
	guestTokens, err = limits.PerMinute(c.GuestTokensPerMinute)
	return perClient, guestTokens, err
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

// upstreams builds one pool per service over its configured URLs and
// registers the pools' metrics; run keeps their addresses resolved.
func upstreams(c gatewayConfig, log *slog.Logger, reg prometheus.Registerer) (map[proxy.Target]*proxy.Upstream, error) {
	out := map[proxy.Target]*proxy.Upstream{}
	opt := proxy.Options{Timeout: c.UpstreamTimeout, ResolveEvery: c.ResolveInterval, EjectFor: c.EjectFor, EjectMax: c.EjectMax}
	for target, raw := range map[proxy.Target][]string{proxy.Command: c.CommandURLs, proxy.Query: c.QueryURLs} {
		urls := make([]*url.URL, len(raw))
		for i, r := range raw {
			var err error
			if urls[i], err = url.Parse(r); err != nil {
				return nil, err
			}
		}
		up, err := proxy.New(string(target), urls, opt, log)
		if err != nil {
			return nil, err
		}
		if err := reg.Register(up); err != nil {
			return nil, err
		}
		out[target] = up
	}
	return out, nil
}
