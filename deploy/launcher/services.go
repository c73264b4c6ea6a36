package launcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// readyPoll is how often /readyz is asked while services start.
const readyPoll = 200 * time.Millisecond

// service is a running Altis binary.
type service struct {
	name string
	port int
	proc *process
}

func (s *service) readyURL() string { return fmt.Sprintf("http://%s/readyz", localAddr(s.port)) }

// childSpec runs one of the built binaries from the repository root with
// the configuration file and the fleet's environment.
func (f *Fleet) childSpec(name, binary string, args ...string) procSpec {
	return procSpec{
		name: name, path: filepath.Join(f.o.BinDir, binary), dir: f.o.Dir, env: f.childEnv(),
		args:     append([]string{"-config", f.o.ConfigPath}, args...),
		deathSig: syscall.SIGKILL,
		sink:     func(line string) { f.con.line(name, line) },
	}
}

// seed runs `command seed`, which migrates and then seeds the schedule.
func (f *Fleet) seed(ctx context.Context) error {
	f.con.say("migrating and seeding (command seed)")
	p, err := startProcess(f.childSpec("seed", "command", "seed"))
	if err != nil {
		return err
	}
	timeout := time.NewTimer(f.o.SeedTimeout)
	defer timeout.Stop()
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("command seed failed (%s); its last lines:\n%s", p.status(), p.out.tail)
		}
		return nil
	case <-ctx.Done():
		return errors.Join(fmt.Errorf("interrupted while seeding: %w", ctx.Err()), p.terminate(syscall.SIGTERM, f.o.StopTimeout))
	case b := <-f.exits:
		return errors.Join(b.unexpectedExit(), p.terminate(syscall.SIGTERM, f.o.StopTimeout))
	case <-timeout.C:
		err := fmt.Errorf("command seed did not finish within %s; its last lines:\n%s", f.o.SeedTimeout, p.out.tail)
		return errors.Join(err, p.terminate(syscall.SIGTERM, f.o.StopTimeout))
	}
}

func (f *Fleet) startServices(context.Context) error {
	for _, name := range serviceNames {
		spec := f.childSpec(name, name)
		spec.onExit = f.onExit
		p, err := startProcess(spec)
		if err != nil {
			return err
		}
		s := &service{name: name, port: f.portOf(name), proc: p}
		f.services = append(f.services, s)
		f.recordChild(p, s.port)
	}
	return nil
}

// waitReady polls every service's /readyz until all answer 200, a child
// exits, or the ready timeout passes.
func (f *Fleet) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.NewTimer(f.o.ReadyTimeout)
	defer deadline.Stop()
	pending := map[string]*service{}
	for _, s := range f.services {
		pending[s.name] = s
	}
	last := map[string]string{}
	for {
		f.probeAll(ctx, client, pending, last)
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("interrupted while waiting for services: %w", ctx.Err())
		case p := <-f.exits:
			return p.unexpectedExit()
		case <-deadline.C:
			return f.notReady(pending, last)
		case <-time.After(readyPoll):
		}
	}
}

func (f *Fleet) probeAll(ctx context.Context, client *http.Client, pending map[string]*service, last map[string]string) {
	for name, s := range pending {
		if why, ok := probe(ctx, client, s.readyURL()); !ok {
			last[name] = why
			continue
		}
		delete(pending, name)
		f.con.say("%s ready on port %d", name, s.port)
	}
}

// probe reports whether url answers 200, and why not otherwise.
func probe(ctx context.Context, client *http.Client, url string) (string, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err.Error(), false
	}
	resp, err := client.Do(req)
	if err != nil {
		return err.Error(), false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode == http.StatusOK {
		return "", true
	}
	return fmt.Sprintf("%s %s", resp.Status, strings.TrimSpace(string(body))), false
}

func (f *Fleet) notReady(pending map[string]*service, last map[string]string) error {
	names := make([]string, 0, len(pending))
	for name := range pending {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "not ready within %s: %s", f.o.ReadyTimeout, strings.Join(names, ", "))
	for _, name := range names {
		s := pending[name]
		fmt.Fprintf(&b, "\n  %s: GET %s: %s; its last lines:\n%s", name, s.readyURL(), last[name], s.proc.out.tail)
	}
	return errors.New(b.String())
}

// stopServices sends SIGTERM to every service, the gateway first, and waits
// for all of them together; whoever outlasts the stop timeout is killed.
func (f *Fleet) stopServices() error {
	for i := len(f.services) - 1; i >= 0; i-- {
		if p := f.services[i].proc; !p.exited() {
			p.signalGroup(syscall.SIGTERM)
		}
	}
	deadline := time.Now().Add(f.o.StopTimeout)
	var errs []error
	for _, s := range f.services {
		if s.proc.waitFor(time.Until(deadline)) {
			continue
		}
		errs = append(errs, s.proc.terminate(syscall.SIGKILL, 5*time.Second))
		errs = append(errs, fmt.Errorf("%s did not stop within %s of SIGTERM and was killed", s.name, f.o.StopTimeout))
	}
	return errors.Join(errs...)
}
