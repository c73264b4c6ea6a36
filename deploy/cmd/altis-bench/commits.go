package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/altisair/altis/deploy/bench"
	"github.com/altisair/altis/pkg/platform/config"
)

// commitPlanRate is the commit rate planned for: each spread run gets
// this many commits per second of -hold-duration (a run that uses them up
// early says so).
const commitPlanRate = 1000

// outboxDrain bounds the wait for the relay between runs.
const outboxDrain = 2 * time.Minute

// commitLoad measures booking commits, closed model, with the seat-hold
// runs' workers and duration: first the bare transaction a commit writes
// (pgbench, as many clients as workers, straight at PostgreSQL), then the
// command service with commits spread over many flights, with every
// commit on one flight (one inventory row), and through the gateway.
// Every trip is planned beforehand (one adult, one held seat, a guest of
// its own), so every commit must answer 201.
func commitLoad(ctx context.Context, o options, databaseURL string, out io.Writer) error {
	if databaseURL == "" {
		url, err := databaseOf(o.config)
		if err != nil {
			return err
		}
		databaseURL = url
	}
	tokens, err := issuer(o.config)
	if err != nil {
		return err
	}
	want := int(o.holdDuration.Seconds() * commitPlanRate)
	progress("planning %d spread commits and one flight's", 2*want+1)
	plans, err := bench.PlanCommits(ctx, o.query, o.command, tokens, 2*want)
	if err != nil {
		return err
	}
	client := bench.NewClient(o.holdWorkers)
	id, err := bench.CommitOne(ctx, client, o.command, plans.Sample)
	if err != nil {
		return fmt.Errorf("sample commit: %w", err)
	}
	sample, err := bench.ReadSample(ctx, databaseURL, id)
	if err != nil {
		return err
	}
	progress("pgbench: bare commit transaction")
	bare, err := bench.BareCommit{DatabaseURL: databaseURL, Clients: o.holdWorkers, Duration: o.holdDuration,
		Exclude: plans.Flights, Sample: sample}.Run(ctx)
	if err != nil {
		return err
	}
	results := []bench.Closed{bare.Closed}
	parts := plans.Spread.Split(2)
	runs := []struct {
		name string
		plan *bench.CommitPlan
		url  string
	}{
		{"command: commit, spread", parts[0], o.command},
		{"command: commit, one flight", plans.OneFlight, o.command},
		{"gateway → command: commit, spread", parts[1], o.gateway},
	}
	for _, r := range runs {
		waited, err := bench.WaitOutbox(ctx, databaseURL, outboxDrain)
		if err != nil {
			return err
		}
		progress("%s (outbox drained in %s)", r.name, waited.Round(time.Millisecond))
		results = append(results, bench.Saturate(ctx, r.name, o.holdWorkers, o.holdDuration, http.StatusCreated, client,
			func(i int) (*http.Request, bool) { return r.plan.Request(r.url, i) }))
	}
	writeCommits(out, o, plans, sample, bare, results)
	return nil
}

func writeCommits(out io.Writer, o options, plans *bench.CommitPlans, sample bench.Sample, bare bench.BareResult, results []bench.Closed) {
	fmt.Fprintf(out, "\nBooking commits (closed model, %d workers, %s each; planned: %d spread commits per run over %d flights, "+
		"%d on one flight, its free seats)\n\n", o.holdWorkers, o.holdDuration, plans.Spread.Len()/2, len(plans.Flights)-1, plans.OneFlight.Len())
	bench.WriteClosed(out, results)
	fmt.Fprintf(out, "\npgbench: %d transactions rotating over %d other flights, latency average %s (its own figure); "+
		"quote %d bytes, the service's outbox row %d bytes; the service's booking had %d payment row(s), pgbench writes 1.\n",
		bare.Requests, bare.Flights, bare.LatencyAvg.Round(time.Microsecond), len(sample.Quote), sample.OutboxBytes, sample.Payments)
	for _, r := range results[1:] {
		if r.Elapsed < o.holdDuration*9/10 {
			fmt.Fprintf(out, "%s: finished its %d planned commits after %s.\n", r.Name, r.Requests, r.Elapsed.Round(time.Millisecond))
		}
	}
	if bare.Rate > 0 {
		share := results[1].Rate / bare.Rate * 100
		verdict := "met"
		if share < 70 {
			verdict = "not met"
		}
		fmt.Fprintf(out, "Target: the command service (spread) at ≥ 70%% of the bare transaction's rate: %.0f%%, %s.\n", share, verdict)
	}
}

// databaseOf is the [database] URL of the configuration, for a fleet this
// tool did not start. (The section is read here rather than with
// pkg/platform/postgres, which would pull pgxpool into this module.)
func databaseOf(path string) (string, error) {
	l, err := config.Load(path, nil)
	if err != nil {
		return "", err
	}
	var c struct {
		URL      string `koanf:"url"`
		MaxConns int32  `koanf:"max_conns"`
	}
	if err := l.Section("database", &c); err != nil {
		return "", err
	}
	return c.URL, nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format(time.TimeOnly)}, args...)...)
}
