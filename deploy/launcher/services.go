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

// childSpec runs one of the built binaries from the repository root with
// the configuration file and env.
func (f *Fleet) childSpec(name, binary string, env []string, args ...string) procSpec {
	return procSpec{
		name: name, path: filepath.Join(f.o.BinDir, binary), dir: f.o.Dir, env: env,
		args:     append([]string{"-config", f.o.ConfigPath}, args...),
		deathSig: syscall.SIGKILL,
		sink:     func(line string) { f.con.line(name, line) },
	}
}

// seed runs `command seed`, which migrates and then seeds the schedule.
func (f *Fleet) seed(ctx context.Context) error {
	f.con.say("migrating and seeding (command seed)")
	p, err := startProcess(f.childSpec("seed", "command", f.childEnv(), "seed"))
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

// startServices starts every instance, each watched by a supervisor.
func (f *Fleet) startServices(context.Context) error {
	for _, in := range f.instances {
		in.spec = f.childSpec(in.name, in.service, f.instanceEnv(in))
		if _, err := in.start(f.run); err != nil {
			return err
		}
		f.supervisors.Go(func() error {
			f.supervise(f.run, in)
			return nil
		})
	}
	return nil
}

// waitReady polls every instance's /readyz until all answer 200, a child
// exits, or the ready timeout passes; from then on a crash is restarted.
func (f *Fleet) waitReady(ctx context.Context) error {
	if err := f.pollReady(ctx); err != nil {
		return err
	}
	f.ready.Store(true)
	return nil
}

func (f *Fleet) pollReady(ctx context.Context) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.NewTimer(f.o.ReadyTimeout)
	defer deadline.Stop()
	pending := map[string]*instance{}
	for _, in := range f.instances {
		pending[in.name] = in
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

func (f *Fleet) probeAll(ctx context.Context, client *http.Client, pending map[string]*instance, last map[string]string) {
	for name, in := range pending {
		if why, ok := probe(ctx, client, in.readyURL()); !ok {
			last[name] = why
			continue
		}
		delete(pending, name)
		f.con.say("%s ready on port %d", name, in.port)
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

func (f *Fleet) notReady(pending map[string]*instance, last map[string]string) error {
	names := make([]string, 0, len(pending))
	for name := range pending {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "not ready within %s: %s", f.o.ReadyTimeout, strings.Join(names, ", "))
	for _, name := range names {
		in := pending[name]
		fmt.Fprintf(&b, "\n  %s: GET %s: %s; its last lines:\n%s", name, in.readyURL(), last[name], in.current().out.tail)
	}
	return errors.New(b.String())
}

// stopServices ends the supervisors' run (no restart from now on), sends
// SIGTERM to every service process, the gateway first, and waits for all of
// them together; whoever outlasts the stop timeout is killed.
func (f *Fleet) stopServices() error {
	f.cancelRun()
	procs := make([]*process, len(f.instances))
	for i, in := range f.instances {
		procs[i] = in.current()
	}
	for i := len(procs) - 1; i >= 0; i-- {
		if p := procs[i]; p != nil && !p.exited() {
			p.signalGroup(syscall.SIGTERM)
		}
	}
	deadline := time.Now().Add(f.o.StopTimeout)
	var errs []error
	for _, p := range procs {
		if p == nil || p.waitFor(time.Until(deadline)) {
			continue
		}
		errs = append(errs, p.terminate(syscall.SIGKILL, 5*time.Second))
		errs = append(errs, fmt.Errorf("%s did not stop within %s of SIGTERM and was killed", p.name, f.o.StopTimeout))
	}
	_ = f.supervisors.Wait() // each returns once run ends
	return errors.Join(errs...)
}
