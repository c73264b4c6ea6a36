package launcher

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
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

	// instances are the services' processes in start order; supervisors
	// (one per instance, run until Stop cancels run) restart a crashed one.
	instances   []*instance
	supervisors errgroup.Group
	run         context.Context
	cancelRun   context.CancelFunc
	ready       atomic.Bool   // every service answered /readyz: crashes restart from now on
	exits       chan *process // a backend that ended, or a service before the fleet was ready

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
	f.run, f.cancelRun = context.WithCancel(context.Background())
	f.info = Info{Ports: s.ports.override(o.Ports), PIDs: map[string]int{}, Addrs: map[string]string{}}
	f.info.GatewayURL = fmt.Sprintf("http://localhost:%d", f.info.Ports.Gateway)
	f.planInstances()
	return f, nil
}

// planInstances names every service process and gives it its ports.
func (f *Fleet) planInstances() {
	for _, service := range serviceNames {
		n := f.o.Scale.of(service)
		for i := 1; i <= n; i++ {
			in := &instance{service: service, name: instanceName(service, i, n), port: instancePort(f.portOf(service), i)}
			if service == "gateway" {
				in.adminPort = instancePort(f.info.Ports.GatewayAdmin, i)
			}
			f.instances = append(f.instances, in)
			f.info.Addrs[in.name] = localAddr(in.port)
			f.con.fit(in.name)
		}
	}
}

// Info describes the running fleet; PIDs and Instances show the processes
// running now, which restarts replace.
func (f *Fleet) Info() Info {
	info := f.info
	info.PIDs = maps.Clone(f.info.PIDs)
	info.Instances = nil
	for _, in := range f.instances {
		i := Instance{Name: in.name, Service: in.service, Port: in.port, AdminPort: in.adminPort}
		if p := in.current(); p != nil {
			i.PID = p.pid()
			info.PIDs[in.name] = i.PID
		}
		info.Instances = append(info.Instances, i)
	}
	return info
}

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

// Wait blocks until ctx ends (nil). A service that crashes meanwhile is
// restarted; a backend the launcher started (PostgreSQL, Redis) that ends
// makes Wait return early, with an error carrying its last lines.
func (f *Fleet) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		f.con.say("stopping")
		return nil
	case p := <-f.exits:
		return p.unexpectedExit()
	}
}

// onExit reports a backend that ended while the fleet was meant to run.
func (f *Fleet) onExit(p *process) {
	if f.run.Err() == nil {
		f.reportExit(p)
	}
}

// reportExit hands Start or Wait a child whose exit ends the fleet.
func (f *Fleet) reportExit(p *process) {
	select {
	case f.exits <- p:
	default:
	}
}

// Stop ends every service (SIGTERM, then SIGKILL after the stop timeout),
// then Redis, PostgreSQL and the Kafka broker. It is safe to call twice.
func (f *Fleet) Stop() error {
	f.stopOnce.Do(func() {
		errs := []error{f.stopServices()}
		for i := len(f.backends) - 1; i >= 0; i-- {
			b := f.backends[i]
			if err := b.stop(); err != nil {
				errs = append(errs, fmt.Errorf("stop %s: %w", b.name, err))
			}
		}
		f.stopErr = errors.Join(errs...)
		if len(f.backends) > 0 || f.started() {
			f.con.say("everything stopped")
		}
	})
	return f.stopErr
}

// started reports whether any service process was started.
func (f *Fleet) started() bool {
	return slices.ContainsFunc(f.instances, func(in *instance) bool { return in.current() != nil })
}

// childEnv is the environment of `command seed` and the services: the
// caller's, plus where the backends are, which ports the first instances
// serve on and every instance the gateway forwards to.
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
		"APP_GATEWAY__COMMAND_URLS="+f.urlsOf("command"),
		"APP_GATEWAY__QUERY_URLS="+f.urlsOf("query"),
	)
}

// instanceEnv is childEnv with the instance's own ports.
func (f *Fleet) instanceEnv(in *instance) []string {
	env := f.childEnv()
	if in.service == "gateway" {
		env = setEnv(env, "APP_SERVER__PORT", strconv.Itoa(in.port))
		return setEnv(env, "APP_GATEWAY__ADMIN_PORT", strconv.Itoa(in.adminPort))
	}
	return setEnv(env, "APP_"+strings.ToUpper(in.service)+"__PORT", strconv.Itoa(in.port))
}

// urlsOf lists every instance of service, comma-separated as a list
// setting takes it from the environment.
func (f *Fleet) urlsOf(service string) string {
	var urls []string
	for _, in := range f.instances {
		if in.service == service {
			urls = append(urls, "http://"+localAddr(in.port))
		}
	}
	return strings.Join(urls, ",")
}

// setEnv replaces key's value in environ.
func setEnv(environ []string, key, value string) []string {
	out := slices.DeleteFunc(environ, func(kv string) bool { return strings.HasPrefix(kv, key+"=") })
	return append(out, key+"="+value)
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
