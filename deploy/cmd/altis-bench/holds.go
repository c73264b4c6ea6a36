package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/altisair/altis/deploy/bench"
	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/config"
)

// holdLoad measures seat holds at the command service and through the
// gateway, after a bare echo handler as the baseline: the same machine,
// the same HTTP stack, a process of its own (this tool run with
// -serve-bare), no work.
// Every hold is a new seat for a trip with room for it, so every answer
// must be 201.
func holdLoad(ctx context.Context, o options, out io.Writer) error {
	tokens, err := issuer(o.config)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	bareURL, stopBare, err := bench.StartBare(ctx, self, "-serve-bare")
	if err != nil {
		return err
	}
	defer stopBare()
	// Enough holds for both runs at a generous rate.
	want := int(o.holdDuration.Seconds()) * 11000
	fmt.Fprintf(os.Stderr, "%s planning %d seat holds\n", time.Now().Format(time.TimeOnly), 2*want)
	plan, err := bench.PlanHolds(ctx, o.query, o.command, tokens, 2*want)
	if err != nil {
		return err
	}
	parts := plan.Split(2)
	client := bench.NewClient(o.holdWorkers)
	bare := []byte(`{"trip_id":"3f2504e0-4f89-41d3-9a0c-0305e82c3301","flight_id":"3f2504e0-4f89-41d3-9a0c-0305e82c3302","seat_number":"12A"}`)
	runs := []struct {
		name string
		next func(i int) (*http.Request, bool)
	}{
		{"bare echo POST", func(int) (*http.Request, bool) { return bench.JSONRequest(bareURL+"/bare", bare), true }},
		{"command: seat hold", func(i int) (*http.Request, bool) { return parts[0].Request(o.command, i) }},
		{"gateway → command: seat hold", func(i int) (*http.Request, bool) { return parts[1].Request(o.gateway, i) }},
	}
	var results []bench.Closed
	for _, r := range runs {
		fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format(time.TimeOnly), r.name)
		results = append(results, bench.Saturate(ctx, r.name, o.holdWorkers, o.holdDuration, http.StatusCreated, client, r.next))
	}
	fmt.Fprintf(out, "\nSeat holds (closed model, %d workers, %s each; %d holds planned)\n\n", o.holdWorkers, o.holdDuration, plan.Len())
	bench.WriteClosed(out, results)
	return nil
}

// issuer signs guest tokens the fleet accepts, from its [auth] settings.
func issuer(path string) (*auth.Issuer, error) {
	l, err := config.Load(path, nil)
	if err != nil {
		return nil, err
	}
	var c auth.Config
	if err := l.Section("auth", &c); err != nil {
		return nil, err
	}
	return auth.NewIssuer(c.Settings())
}
