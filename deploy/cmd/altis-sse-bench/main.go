// Command altis-sse-bench measures seat event fan-out: the latency from an
// event's emission to its arrival at every subscriber, at each subscriber
// count, for the query service (started from -bin, events emitted into
// Redis with readmodel's emit_seat as every writer does) and for a bare
// net/http broadcaster, the baseline.
//
//	altis-sse-bench [-bin bin] [-subscribers 1000,5000] [-events 50] [-rate 20] [-redis URL]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/altisair/altis/deploy/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "altis-sse-bench:", err)
		os.Exit(1)
	}
}

func parse(args []string) (bench.SSEOptions, error) {
	o := bench.SSEOptions{}
	var subscribers string
	fs := flag.NewFlagSet("altis-sse-bench", flag.ContinueOnError)
	fs.StringVar(&o.Bin, "bin", "bin", "directory of the built binaries (the query service)")
	fs.StringVar(&o.Config, "config", "config/default.toml", "configuration file of the query service")
	fs.StringVar(&subscribers, "subscribers", "1000,5000", "concurrent streams per run, comma-separated")
	fs.IntVar(&o.Events, "events", 50, "measured events per run")
	fs.IntVar(&o.Rate, "rate", 20, "events per second")
	fs.StringVar(&o.RedisURL, "redis", defaultRedis(), "Redis URL (default $TEST_REDIS_URL or redis://127.0.0.1:6379/0)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, f := range strings.Split(subscribers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("bad subscriber count %q", f)
		}
		o.Subscribers = append(o.Subscribers, n)
	}
	if o.Events < 1 || o.Rate < 1 {
		return o, fmt.Errorf("-events and -rate must be positive")
	}
	return o, nil
}

func defaultRedis() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

func run(ctx context.Context, args []string, out, progress io.Writer) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	o.Log = progress
	// Each subscriber is a socket here and one in the query service (which
	// inherits the limit).
	if err := raiseFileLimit(uint64(2*slices.Max(o.Subscribers) + 1024)); err != nil {
		fmt.Fprintln(progress, "altis-sse-bench:", err)
	}
	results, err := bench.RunSSE(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s, %d CPUs, %s, %d events at %d/s per run (after %d warm-up)\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), runtime.Version(), o.Events, o.Rate, bench.SSEWarmUp)
	bench.WriteSSETable(out, results)
	return nil
}

// raiseFileLimit lifts the soft limit on open files towards want (at most
// the hard limit).
func raiseFileLimit(want uint64) error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return err
	}
	if l.Cur >= want {
		return nil
	}
	l.Cur = min(want, l.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return err
	}
	if l.Cur < want {
		return fmt.Errorf("open files limited to %d (hard limit), %d wanted", l.Cur, want)
	}
	return nil
}
