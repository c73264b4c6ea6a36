package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/altisair/altis/deploy/bench"
	"github.com/altisair/altis/deploy/launcher"
)

// scaleLoad measures flight search through the gateway on fleets with 1, 2
// and 3 query processes, one fleet after another, with the CPU each kind of
// process used during the run (from /proc), so the table says where the
// machine's cores went.
func scaleLoad(ctx context.Context, o options, out io.Writer) error {
	var rows []scaleRow
	for n := 1; n <= 3; n++ {
		row, err := scaleRun(ctx, o, n)
		if err != nil {
			return fmt.Errorf("query=%d: %w", n, err)
		}
		rows = append(rows, row)
	}
	fmt.Fprintf(out, "\nFlight search through the gateway by query processes (closed model, %d workers, %s each)\n\n", o.hopWorkers, o.hopDuration)
	writeScale(out, rows)
	return nil
}

type scaleRow struct {
	queries int
	run     bench.Closed
	cpu     map[string]float64 // CPU seconds per service during the run
	spread  []int              // searches each query process served
}

func scaleRun(ctx context.Context, o options, queries int) (scaleRow, error) {
	state, err := os.MkdirTemp("", "altis-bench-scale-")
	if err != nil {
		return scaleRow{}, err
	}
	defer os.RemoveAll(state)
	fmt.Fprintf(os.Stderr, "%s starting a fleet with query=%d\n", time.Now().Format(time.TimeOnly), queries)
	f, err := startFleet(ctx, o.bin, state, launcher.Scale{"query": queries})
	if err != nil {
		return scaleRow{}, err
	}
	defer f.Stop()
	client := bench.NewClient(o.hopWorkers)
	next := bench.SearchRequests(f.Info().GatewayURL, time.Now())
	bench.Saturate(ctx, "warm-up", o.hopWorkers, time.Second, http.StatusOK, client, next)
	before, err := served(f.Info().Instances)
	if err != nil {
		return scaleRow{}, err
	}
	cpu0, err := cpuByService(f.Info().Instances)
	if err != nil {
		return scaleRow{}, err
	}
	r := bench.Saturate(ctx, fmt.Sprintf("gateway → %d query", queries), o.hopWorkers, o.hopDuration, http.StatusOK, client, next)
	cpu1, err := cpuByService(f.Info().Instances)
	if err != nil {
		return scaleRow{}, err
	}
	after, err := served(f.Info().Instances)
	if err != nil {
		return scaleRow{}, err
	}
	row := scaleRow{queries: queries, run: r, cpu: map[string]float64{}}
	for svc, s := range cpu1 {
		row.cpu[svc] = s - cpu0[svc]
	}
	for i := range after {
		row.spread = append(row.spread, after[i]-before[i])
	}
	return row, nil
}

// served reads how many search requests each query process has answered
// (its http_request_duration_seconds count for the search route).
func served(instances []launcher.Instance) ([]int, error) {
	var out []int
	for _, in := range instances {
		if in.Service != "query" {
			continue
		}
		res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", in.Port))
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return nil, err
		}
		n := 0
		for _, line := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(line, "http_request_duration_seconds_count{") && strings.Contains(line, "search") {
				fields := strings.Fields(line)
				v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
				if err != nil {
					return nil, fmt.Errorf("%s /metrics: %q: %w", in.Name, line, err)
				}
				n += int(v)
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// cpuByService sums user+system CPU seconds of every process of a service,
// from Linux's /proc: a process it cannot read is an error, never 0 s.
func cpuByService(instances []launcher.Instance) (map[string]float64, error) {
	const ticks = 100.0 // USER_HZ on Linux
	out := map[string]float64{}
	for _, in := range instances {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", in.PID))
		if err != nil {
			return nil, fmt.Errorf("CPU time of %s: %w", in.Name, err)
		}
		// The fields after the command name, which may hold spaces, in "(…)".
		s := string(raw)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 13 {
			return nil, fmt.Errorf("CPU time of %s: short /proc stat %q", in.Name, s)
		}
		utime, err1 := strconv.ParseFloat(fields[11], 64)
		stime, err2 := strconv.ParseFloat(fields[12], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("CPU time of %s: %w", in.Name, err)
		}
		out[in.Service] += (utime + stime) / ticks
	}
	return out, nil
}

func writeScale(w io.Writer, rows []scaleRow) {
	fmt.Fprintln(w, "| query processes | rate | of 1 process | p50 | p99 | errors | searches per query process | CPU s: gateway / query / other |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		share := 0.0
		if rows[0].run.Rate > 0 {
			share = r.run.Rate / rows[0].run.Rate * 100
		}
		other := 0.0
		var names []string
		for svc := range r.cpu {
			names = append(names, svc)
		}
		sort.Strings(names)
		for _, svc := range names {
			if svc != "gateway" && svc != "query" {
				other += r.cpu[svc]
			}
		}
		spread := make([]string, len(r.spread))
		for i, n := range r.spread {
			spread[i] = strconv.Itoa(n)
		}
		fmt.Fprintf(w, "| %d | %.0f/s | %.0f%% | %s | %s | %d | %s | %.1f / %.1f / %.1f |\n",
			r.queries, r.run.Rate, share, bench.Millis(r.run.P50), bench.Millis(r.run.P99), r.run.Errors,
			strings.Join(spread, " / "), r.cpu["gateway"], r.cpu["query"], other)
	}
	for _, r := range rows {
		if r.run.FirstError != "" {
			fmt.Fprintf(w, "\nquery=%d: first error: %s\n", r.queries, r.run.FirstError)
		}
	}
}
