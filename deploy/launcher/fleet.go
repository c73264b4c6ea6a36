package launcher

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
)

// Environment variables that name external servers; when one is set the
// launcher uses that server instead of starting its own.
const (
	envDatabase = "APP_DATABASE__URL"
	envRedis    = "APP_REDIS__URL"
	envKafka    = "APP_KAFKA__BROKERS"
)

// Fleet is a running set of backends and services, made by Start.
type Fleet struct {
	o        Options
	con      *console
	settings settings
	info     Info
	tools    tools
	backends []backend // in start order; stopped in reverse
	services []*service
	exits    chan *process
	stopping atomic.Bool
	stopOnce sync.Once
	stopErr  error
}

// backend is a server the launcher started and must stop.
type backend struct {
	name string
	stop func() error
}

func newFleet(o Options) (*Fleet, error) {
	s, err := loadSettings(o.ConfigPath, o.Environ)
	if err != nil {
		return nil, err
	}
	f := &Fleet{o: o, con: newConsole(o.Out), settings: s, exits: make(chan *process, 16)}
	f.info = Info{Ports: s.ports.override(o.Ports), PIDs: map[string]int{}, Addrs: map[string]string{}}
	f.info.GatewayURL = fmt.Sprintf("http://localhost:%d", f.info.Ports.Gateway)
	return f, nil
}

// Info describes the running fleet.
func (f *Fleet) Info() Info { return f.info }

func (f *Fleet) start(ctx context.Context) error {
	steps := []func(context.Context) error{
		f.checkTools, f.checkPorts, f.startBackends, f.seed, f.startServices, f.waitReady,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted: %w", err)
		}
	}
	return nil
}

func (f *Fleet) startBackends(ctx context.Context) error {
	if err := f.openStateDir(); err != nil {
		return err
	}
	if err := f.usePostgres(ctx); err != nil {
		return err
	}
	if err := f.useRedis(ctx); err != nil {
		return err
	}
	return f.useKafka(ctx)
}

func (f *Fleet) addBackend(name string, stop func() error) {
	f.backends = append(f.backends, backend{name: name, stop: stop})
}

// Wait blocks until ctx ends (nil) or a child exits unexpectedly (an error
// carrying its last lines).
func (f *Fleet) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		f.con.say("stopping")
		return nil
	case p := <-f.exits:
		return p.unexpectedExit()
	}
}

// onExit reports a child that ended while the fleet was meant to run.
func (f *Fleet) onExit(p *process) {
	if f.stopping.Load() {
		return
	}
	select {
	case f.exits <- p:
	default:
	}
}

// Stop ends every service (SIGTERM, then SIGKILL after the stop timeout),
// then Redis, PostgreSQL and the Kafka broker. It is safe to call twice.
func (f *Fleet) Stop() error {
	f.stopOnce.Do(func() {
		f.stopping.Store(true)
		errs := []error{f.stopServices()}
		for i := len(f.backends) - 1; i >= 0; i-- {
			b := f.backends[i]
			if err := b.stop(); err != nil {
				errs = append(errs, fmt.Errorf("stop %s: %w", b.name, err))
			}
		}
		f.stopErr = errors.Join(errs...)
		if len(f.backends)+len(f.services) > 0 {
			f.con.say("everything stopped")
		}
	})
	return f.stopErr
}

// childEnv is the environment of `command seed` and the services: the
// caller's, plus where the backends are and which ports to serve on.
func (f *Fleet) childEnv() []string {
	env := append([]string(nil), f.o.Environ...)
	if lookupEnv(env, "APP_LOG__FORMAT") == "" {
		env = append(env, "APP_LOG__FORMAT=text")
	}
	p := f.info.Ports
	return append(env,
		envDatabase+"="+f.info.DatabaseURL,
		envRedis+"="+f.info.RedisURL,
		envKafka+"="+strings.Join(f.info.KafkaBrokers, ","),
		fmt.Sprintf("APP_SERVER__PORT=%d", p.Gateway),
		fmt.Sprintf("APP_GATEWAY__ADMIN_PORT=%d", p.GatewayAdmin),
		fmt.Sprintf("APP_COMMAND__PORT=%d", p.Command),
		fmt.Sprintf("APP_QUERY__PORT=%d", p.Query),
		fmt.Sprintf("APP_PROJECTOR__PORT=%d", p.Projector),
		fmt.Sprintf("APP_GATEWAY__COMMAND_URLS=http://127.0.0.1:%d", p.Command),
		fmt.Sprintf("APP_GATEWAY__QUERY_URLS=http://127.0.0.1:%d", p.Query),
	)
}

// lookupEnv returns the last value of key in environ, as exec would use it.
func lookupEnv(environ []string, key string) string {
	v := ""
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

func (f *Fleet) statePath(name string) string { return filepath.Join(f.o.StateDir, name) }

// rel shows a path relative to the working directory when it is inside it.
func (f *Fleet) rel(path string) string {
	if r, err := filepath.Rel(f.o.Dir, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}
