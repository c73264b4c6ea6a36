// Command gateway is Altis's edge: it issues and verifies guest tokens,
// applies rate and body limits and CORS, and proxies /v1 to the command and
// query services (SSE unbuffered).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"

	"golang.org/x/sync/errgroup"

	"github.com/altisair/altis/pkg/platform/lifecycle"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/gateway/internal/auth"
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
		return srv.ServeAdmin(ctx, fmt.Sprintf(":%d", cfg.Gateway.AdminPort), cfg.Server.ShutdownTimeout)
	})
	return g.Wait()
}

// wire builds the route dependencies from the validated configuration.
func wire(cfg config, log *slog.Logger, srv *web.Server) (httpport.Deps, error) {
	d := httpport.Deps{BodyLimit: cfg.Gateway.BodyLimitBytes, CORSOrigins: cfg.Gateway.CORSOrigins}
	var err error
	if d.Upstreams, err = upstreams(cfg.Gateway, log); err != nil {
		return d, err
	}
	if d.Limiter, d.GuestLimits, err = limiters(cfg.Gateway); err != nil {
		return d, err
	}
	if d.Metrics, err = httpport.NewMetrics(srv.Registry); err != nil {
		return d, err
	}
	d.Tokens, d.Verifier, err = tokens(cfg.Auth, d.Metrics)
	return d, err
}

func limiters(c gatewayConfig) (perClient, guestTokens *limits.Limiter, err error) {
	if perClient, err = limits.New(c.RateLimitPerSecond, c.RateLimitBurst); err != nil {
		return nil, nil, err
	}
	guestTokens, err = limits.PerMinute(c.GuestTokensPerMinute)
	return perClient, guestTokens, err
}

func tokens(c authConfig, m *httpport.Metrics) (*httpport.GuestTokens, *auth.Verifier, error) {
	issuer, err := auth.NewIssuer(c.settings())
	if err != nil {
		return nil, nil, err
	}
	verifier, err := auth.NewVerifier(c.settings())
	if err != nil {
		return nil, nil, err
	}
	handler, err := httpport.NewGuestTokens(issuer, m)
	return handler, verifier, err
}

func upstreams(c gatewayConfig, log *slog.Logger) (map[proxy.Target]*proxy.Upstream, error) {
	out := map[proxy.Target]*proxy.Upstream{}
	for target, raw := range map[proxy.Target]string{proxy.Command: c.CommandURL, proxy.Query: c.QueryURL} {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, err
		}
		if out[target], err = proxy.New(string(target), u, c.UpstreamTimeout, log); err != nil {
			return nil, err
		}
	}
	return out, nil
}
