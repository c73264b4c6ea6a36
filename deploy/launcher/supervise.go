package launcher

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/altisair/altis/pkg/platform/lifecycle"
)

// Restart timing of a crashed service: the first wait, its cap (it doubles
// between them) and how long a process must have run for its next crash to
// start over from the first wait.
const (
	defaultRestartDelay    = 500 * time.Millisecond
	defaultRestartMaxDelay = 10 * time.Second
	restartResetAfter      = 30 * time.Second
)

// instance is one process of a service: its name and ports, and the process
// running now, which a restart replaces.
type instance struct {
	service   string
	name      string // "query", or "query.2" when the service is scaled
	port      int
	adminPort int // the gateway's /metrics listener; 0 for the others
	spec      procSpec

	mu   sync.Mutex
	proc *process // nil until the first start
}

func (in *instance) readyURL() string { return fmt.Sprintf("http://%s/readyz", localAddr(in.port)) }

func (in *instance) current() *process {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.proc
}

// start runs a new process, unless ctx (the fleet's run) has ended: Stop
// ends it before it collects the processes to stop, so a start that races
// with Stop either finishes first (and is stopped) or does not happen.
func (in *instance) start(ctx context.Context) (*process, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := startProcess(in.spec)
	if err != nil {
		return nil, err
	}
	in.proc = p
	return p, nil
}

// supervise watches in's process until ctx ends (Stop). Once the fleet is
// ready, a process that exits is restarted on the same port after a
// backoff; before that an exit is fatal, so Start reports it with the
// process's last lines instead of restarting a broken configuration.
func (f *Fleet) supervise(ctx context.Context, in *instance) {
	b := newBackoff(f.o.RestartDelay, f.o.RestartMaxDelay)
	for p := in.current(); p != nil; {
		select {
		case <-ctx.Done():
			return
		case <-p.done:
		}
		if ctx.Err() != nil {
			return // stopped by Stop
		}
		if !f.ready.Load() {
			f.reportExit(p)
			return
		}
		up := p.uptime()
		p = f.restart(ctx, in, b, fmt.Sprintf("%s exited (%s) after %s", in.name, p.status(), up.Round(time.Millisecond)), up)
	}
}

// restart waits out the backoff and starts in again, retrying a start that
// fails. It returns the new process, or nil once ctx ends.
func (f *Fleet) restart(ctx context.Context, in *instance, b *backoff, what string, up time.Duration) *process {
	for {
		d := b.delay(up)
		f.con.say("%s; restarting in %s", what, d)
		if lifecycle.Sleep(ctx, d) != nil {
			return nil
		}
		p, err := in.start(ctx)
		if err == nil {
			f.con.say("%s restarted (pid %d, port %d)", in.name, p.pid(), in.port)
			return p
		}
		if ctx.Err() != nil {
			return nil
		}
		what, up = fmt.Sprintf("%s could not start (%v)", in.name, err), 0
	}
}

// backoff is the wait before each restart of one instance: first, doubling
// up to max, and back to first after a process that ran restartResetAfter.
type backoff struct {
	first, max, next time.Duration
}

func newBackoff(first, max time.Duration) *backoff {
	return &backoff{first: first, max: max, next: first}
}

// delay is the wait before restarting a process that ran for up.
func (b *backoff) delay(up time.Duration) time.Duration {
	if up >= restartResetAfter {
		b.next = b.first
	}
	d := min(b.next, b.max)
	b.next = min(b.next*2, b.max)
	return d
}
