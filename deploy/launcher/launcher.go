// Package launcher runs the whole Altis fleet on one machine (`make run`):
// it uses the PostgreSQL, Redis and Kafka the environment names or starts
// throwaway ones, seeds the schedule, starts the four services as child
// processes, waits until they are ready and stops everything on the way out.
package launcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Ports are the services' HTTP ports; a zero field takes the configured one.
type Ports struct {
	Gateway      int
	GatewayAdmin int // the gateway's /metrics listener
	Command      int
	Query        int
	Projector    int
}

// Options configure a launch. Zero values take the defaults noted.
type Options struct {
	Dir          string        // the services' working directory (repository root); "" = current
	StateDir     string        // throwaway servers keep their data here; default ".state"
	BinDir       string        // the built binaries; default "bin"
	ConfigPath   string        // passed to every service as -config; default "config/default.toml"
	Environ      []string      // the environment the services inherit, e.g. os.Environ()
	Ports        Ports         // overrides of the configured service ports
	Out          io.Writer     // prefixed output of the launcher and services; default os.Stdout
	ReadyTimeout time.Duration // for every service's /readyz; default 90s
	SeedTimeout  time.Duration // for `command seed`; default 5m
	StopTimeout  time.Duration // per process before SIGKILL; default 15s
	// Scale is how many processes each service runs (nil: one each).
	// Instance i (from 1) listens on the service's port + (i-1)·100.
	Scale Scale
	// A service that crashes after the fleet is ready is restarted after
	// RestartDelay (default 500ms), doubling up to RestartMaxDelay (default
	// 10s); the wait starts over once a process has run for 30s.
	RestartDelay    time.Duration
	RestartMaxDelay time.Duration
}

// Info describes a running fleet.
type Info struct {
	GatewayURL   string
	Ports        Ports
	DatabaseURL  string
	RedisURL     string
	KafkaBrokers []string
	InitDB       bool              // initdb ran during this start (a fresh state folder)
	PIDs         map[string]int    // every child process by name; each leads its own process group
	Addrs        map[string]string // every host:port the fleet listens on, by name
	Elapsed      time.Duration     // from Start to every service ready
	Instances    []Instance        // every service process, in start order
}

// Instance is one process of a service.
type Instance struct {
	Name      string // "query", or "query.2" when the service is scaled
	Service   string
	Port      int
	AdminPort int // the gateway's /metrics listener; 0 for the others
	PID       int // the process running now (a restart replaces it)
}

// Run starts the fleet, prints where to reach it and keeps it running until
// ctx ends (Ctrl-C), restarting any service that crashes meanwhile, then
// stops everything.
func Run(ctx context.Context, o Options) error {
	f, err := Start(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	f.printBanner()
	err = f.Wait(ctx)
	return errors.Join(err, f.Stop())
}

// Start brings the fleet up and returns once every service answers /readyz
// with 200. On any failure it stops whatever it started and returns why.
func Start(ctx context.Context, o Options) (*Fleet, error) {
	began := time.Now()
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	f, err := newFleet(o)
	if err != nil {
		return nil, err
	}
	if err := f.start(ctx); err != nil {
		return nil, errors.Join(err, f.Stop())
	}
	f.info.Elapsed = time.Since(began)
	return f, nil
}

func (o Options) withDefaults() (Options, error) {
	var err error
	if o.Dir == "" {
		if o.Dir, err = os.Getwd(); err != nil {
			return o, fmt.Errorf("working directory: %w", err)
		}
	}
	o.StateDir = absUnder(o.Dir, orDefault(o.StateDir, ".state"))
	o.BinDir = absUnder(o.Dir, orDefault(o.BinDir, "bin"))
	o.ConfigPath = absUnder(o.Dir, orDefault(o.ConfigPath, "config/default.toml"))
	if o.Out == nil {
		o.Out = os.Stdout
	}
	o.ReadyTimeout = orDuration(o.ReadyTimeout, 90*time.Second)
	o.SeedTimeout = orDuration(o.SeedTimeout, 5*time.Minute)
	o.StopTimeout = orDuration(o.StopTimeout, 15*time.Second)
	o.RestartDelay = orDuration(o.RestartDelay, defaultRestartDelay)
	o.RestartMaxDelay = max(orDuration(o.RestartMaxDelay, defaultRestartMaxDelay), o.RestartDelay)
	return o, o.Scale.validate()
}

func absUnder(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
