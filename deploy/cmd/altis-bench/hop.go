package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/altisair/altis/deploy/bench"
)

// hopLoad measures what the gateway's hop costs: flight search, closed
// model, at the query service directly, through a bare
// httputil.ReverseProxy (this tool run with -serve-proxy, a process of its
// own) and through the gateway, in rounds so drift on a shared machine
// shows. With -profile it saves a CPU profile of the gateway's first run
// (the fleet serves /debug/pprof on the gateway's admin port).
func hopLoad(ctx context.Context, o options, out io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	proxyURL, stopProxy, err := bench.StartProxy(ctx, self, "-serve-proxy", o.query)
	if err != nil {
		return err
	}
	defer stopProxy()
	client := bench.NewClient(o.hopWorkers)
	legs := []struct{ name, url string }{
		{"query service (direct)", o.query}, {"bare ReverseProxy → query", proxyURL}, {"gateway → query", o.gateway},
	}
	var hops []bench.Hop
	for round := 1; round <= o.hopRounds; round++ {
		for _, l := range legs {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			next := bench.SearchRequests(l.url, time.Now())
			bench.Saturate(ctx, "warm-up", o.hopWorkers, time.Second, http.StatusOK, client, next)
			fmt.Fprintf(os.Stderr, "%s %s, round %d\n", time.Now().Format(time.TimeOnly), l.name, round)
			var g errgroup.Group
			if l.url == o.gateway && round == 1 && o.profile != "" {
				g.Go(func() error { return profile(ctx, o, o.profile) })
			}
			r := bench.Saturate(ctx, l.name, o.hopWorkers, o.hopDuration, http.StatusOK, client, next)
			if err := g.Wait(); err != nil {
				return err
			}
			hops = append(hops, bench.Hop{Closed: r, Round: round})
		}
	}
	fmt.Fprintf(out, "\nThe gateway's hop: flight search (closed model, %d workers, %s each)\n\n", o.hopWorkers, o.hopDuration)
	bench.WriteHops(out, hops)
	return nil
}

// profile saves a CPU profile of the gateway taken over most of one run.
func profile(ctx context.Context, o options, path string) error {
	seconds := max(1, int(o.hopDuration.Seconds())-1)
	admin := strings.TrimSuffix(o.gatewayMetrics, "/metrics")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", admin, seconds), nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("gateway profile: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("gateway profile: %s (is [gateway] admin_pprof on?)", res.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
