// Command altis-bench measures, in one run on one fleet:
//
//   - flight search under open-model load, at the query service alone and
//     through the gateway;
//   - seat holds under closed-model load (workers back to back: the most
//     each sustains), at the command service and through the gateway, next
//     to a bare echo handler answering a small POST in the same process;
//   - booking commits under closed-model load, at the command service
//     (spread over many flights, and all on one flight) and through the
//     gateway, next to pgbench running the commit's bare transaction;
//   - with -only hop: flight search under closed-model load at the query
//     service directly, through a bare httputil.ReverseProxy and through
//     the gateway, so the gateway's hop is read against the bare one;
//   - with -only scale: flight search through the gateway on fleets of its
//     own with 1, 2 and 3 query processes, and the CPU each service used.
//
// Without -query/-gateway/-command it starts its own fleet (throwaway
// PostgreSQL and Redis, embedded broker, the default 30-day seed) from the
// binaries in -bin, like `make run`.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/altisair/altis/deploy/bench"
	"github.com/altisair/altis/deploy/launcher"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "altis-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	query, gateway, command, bin string
	rates, only, config          string
	serveBare                    string
	serveProxy, listen           string
	profile                      string
	hopDuration                  time.Duration
	hopWorkers, hopRounds        int
	queryMetrics, gatewayMetrics string
	duration, holdDuration       time.Duration
	holdWorkers                  int
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("altis-bench", flag.ContinueOnError)
	fs.StringVar(&o.query, "query", "", "query service base URL (default: start a fleet)")
	fs.StringVar(&o.gateway, "gateway", "", "gateway base URL (default: start a fleet)")
	fs.StringVar(&o.command, "command", "", "command service base URL (default: start a fleet)")
	fs.StringVar(&o.config, "config", "config/default.toml", "the fleet's configuration (its [auth] signs the bench's guest tokens)")
	fs.StringVar(&o.only, "only", "", `run only "search", "holds", "commits", "hop" or "scale"`)
	fs.StringVar(&o.serveBare, "serve-bare", "", "serve the bare echo baseline on this address and nothing else (the tool runs itself so)")
	fs.StringVar(&o.serveProxy, "serve-proxy", "", "serve a bare reverse proxy to this URL on the address that follows, and nothing else (the tool runs itself so)")
	fs.DurationVar(&o.hopDuration, "hop-duration", 8*time.Second, "length of each run of the hop comparison and of each scale run")
	fs.IntVar(&o.hopWorkers, "hop-workers", 32, "concurrent workers of each hop and scale run")
	fs.IntVar(&o.hopRounds, "hop-rounds", 1, "rounds of the hop comparison (direct, bare proxy, gateway each)")
	fs.StringVar(&o.profile, "profile", "", "hop: save a CPU profile of the gateway's first run to this file")
	fs.DurationVar(&o.holdDuration, "hold-duration", 8*time.Second, "length of each seat-hold run")
	fs.IntVar(&o.holdWorkers, "hold-workers", 32, "concurrent workers of each seat-hold run")
	fs.StringVar(&o.queryMetrics, "query-metrics", "", "query /metrics URL (default: <query>/metrics)")
	fs.StringVar(&o.gatewayMetrics, "gateway-metrics", "", "gateway /metrics URL on its admin port")
	fs.StringVar(&o.bin, "bin", "bin", "built binaries, for the fleet this tool starts")
	fs.StringVar(&o.rates, "rates", "500,1000,2000", "offered request rates per second, comma-separated")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each attack")
	err := fs.Parse(args)
	o.listen = fs.Arg(0) // -serve-proxy's address
	return o, err
}

func run(ctx context.Context, args []string, out io.Writer) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	if o.serveBare != "" {
		return bench.ServeBare(ctx, o.serveBare)
	}
	if o.serveProxy != "" {
		if o.listen == "" {
			return fmt.Errorf("-serve-proxy %s: the address to listen on must follow", o.serveProxy)
		}
		return bench.ServeProxy(ctx, o.listen, o.serveProxy)
	}
	switch o.only {
	case "", "search", "holds", "commits", "hop":
	case "scale":
		return scaleLoad(ctx, o, out)
	default:
		return fmt.Errorf("-only %q: want search, holds, commits, hop or scale", o.only)
	}
	rates, err := parseRates(o.rates)
	if err != nil {
		return err
	}
	databaseURL := "" // the fleet's; otherwise the configuration's
	if o.query == "" || o.gateway == "" || o.command == "" {
		state, err := os.MkdirTemp("", "altis-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(state)
		f, err := startFleet(ctx, o.bin, state, nil)
		if err != nil {
			return err
		}
		defer f.Stop()
		p := f.Info().Ports
		o.query, o.gateway = fmt.Sprintf("http://127.0.0.1:%d", p.Query), f.Info().GatewayURL
		o.command = fmt.Sprintf("http://127.0.0.1:%d", p.Command)
		o.gatewayMetrics = fmt.Sprintf("http://127.0.0.1:%d/metrics", p.GatewayAdmin)
		databaseURL = f.Info().DatabaseURL
	}
	if o.queryMetrics == "" {
		o.queryMetrics = o.query + "/metrics"
	}
	fmt.Fprintf(out, "\n%s, %d CPUs, %s\n", time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), runtime.Version())
	if o.only == "" || o.only == "search" {
		if err := searchLoad(ctx, o, rates, out); err != nil {
			return err
		}
	}
	if o.only == "" || o.only == "holds" {
		if err := holdLoad(ctx, o, out); err != nil {
			return err
		}
	}
	if o.only == "" || o.only == "commits" {
		if err := commitLoad(ctx, o, databaseURL, out); err != nil {
			return err
		}
	}
	if o.only == "hop" {
		return hopLoad(ctx, o, out)
	}
	return nil
}

// searchLoad runs the open-model search attacks.
func searchLoad(ctx context.Context, o options, rates []int, out io.Writer) error {
	var results []bench.Result
	for _, t := range []struct{ name, url, metrics string }{
		{"query service", o.query, o.queryMetrics}, {"gateway → query", o.gateway, o.gatewayMetrics},
	} {
		targets := bench.SearchTargets(t.url, 7, time.Now())
		bench.Warm(targets)
		for _, r := range rates {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			results = append(results, attack(t.name, t.metrics, targets, r, o.duration))
		}
	}
	fmt.Fprintf(out, "\nFlight search (open model)\n\n")
	bench.WriteTable(out, results)
	return nil
}

// attack runs one load and reads the service's own latency around it.
func attack(name, metricsURL string, targets []vegeta.Target, rate int, d time.Duration) bench.Result {
	before, _ := bench.ScrapeSearchLatency(metricsURL)
	res := bench.Attack(name, targets, rate, d)
	if after, err := bench.ScrapeSearchLatency(metricsURL); err == nil && before != nil {
		res.ServerP99, res.ServerWithin1ms = bench.Quantile(before, after, 0.99, time.Millisecond)
	}
	return res
}

func parseRates(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad rate %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// startFleet runs the fleet in a temporary state folder on free ports, with
// the gateway's rate limits lifted (all load comes from one IP).
func startFleet(ctx context.Context, bin, state string, scale launcher.Scale) (*launcher.Fleet, error) {
	ports, err := freePorts()
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "APP_LOG__LEVEL=warn", "APP_GATEWAY__ADMIN_PPROF=true")
	for _, budget := range []string{"SEARCH", "HOLDS", "COMMITS", "TOKENS"} {
		env = append(env, "APP_GATEWAY__LIMITS__"+budget+"__PER_SECOND=1000000", "APP_GATEWAY__LIMITS__"+budget+"__BURST=1000000")
	}
	return launcher.Start(ctx, launcher.Options{StateDir: state, BinDir: bin, Environ: env, Ports: ports, Scale: scale, Out: io.Discard})
}

func freePorts() (launcher.Ports, error) {
	var p [5]int
	for i := range p {
		n, err := launcher.FreePort()
		if err != nil {
			return launcher.Ports{}, err
		}
		p[i] = n
	}
	return launcher.Ports{Gateway: p[0], GatewayAdmin: p[1], Command: p[2], Query: p[3], Projector: p[4]}, nil
}
