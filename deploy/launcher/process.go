package launcher

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// tailLines is how many of a process's last lines an error message shows.
const tailLines = 25

// procSpec describes a child process.
type procSpec struct {
	name     string
	path     string
	args     []string
	dir      string
	env      []string // nil: the launcher's own
	cred     *syscall.Credential
	deathSig syscall.Signal // sent by the kernel if the launcher dies
	sink     func(string)   // receives every output line
	onExit   func(*process) // called once the process has ended
}

// process is a running child: the leader of its own process group.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *lineWriter
	done chan struct{}
	err  error // valid once done is closed

	started time.Time
	ended   time.Time // valid once done is closed
}

func startProcess(s procSpec) (*process, error) {
	cmd := exec.Command(s.path, s.args...)
	cmd.Dir, cmd.Env = s.dir, s.env
	cmd.SysProcAttr = sysProcAttr(s.cred, s.deathSig)
	cmd.WaitDelay = 2 * time.Second
	p := &process{name: s.name, cmd: cmd, done: make(chan struct{})}
	p.out = &lineWriter{sink: s.sink, tail: newTail(tailLines)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", s.name, s.path, err)
	}
	p.started = time.Now()
	go p.wait(s.onExit)
	return p, nil
}

func (p *process) wait(onExit func(*process)) {
	p.err = p.cmd.Wait()
	p.ended = time.Now()
	p.out.flush()
	close(p.done)
	if onExit != nil {
		onExit(p)
	}
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// uptime is how long the process ran; valid once it has ended.
func (p *process) uptime() time.Duration { return p.ended.Sub(p.started) }

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitFor reports whether the process ended within d.
func (p *process) waitFor(d time.Duration) bool {
	if p.exited() || d <= 0 {
		return p.exited()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

// signalGroup signals the whole process group the child leads.
func (p *process) signalGroup(sig syscall.Signal) {
	if err := syscall.Kill(-p.pid(), sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = p.cmd.Process.Signal(sig)
	}
}

// terminate sends sig and waits; after timeout it kills the group.
func (p *process) terminate(sig syscall.Signal, timeout time.Duration) error {
	if p.exited() {
		return nil
	}
	p.signalGroup(sig)
	if p.waitFor(timeout) {
		return nil
	}
	p.signalGroup(syscall.SIGKILL)
	if !p.waitFor(5 * time.Second) {
		return fmt.Errorf("%s (pid %d) survived SIGKILL", p.name, p.pid())
	}
	return fmt.Errorf("%s did not stop within %s of %v and was killed", p.name, timeout, sig)
}

// unexpectedExit describes a child that ended on its own.
func (p *process) unexpectedExit() error {
	return fmt.Errorf("%s exited unexpectedly (%s); its last lines:\n%s", p.name, p.status(), p.out.tail)
}

func (p *process) status() string {
	if p.err == nil {
		return "exit status 0"
	}
	return p.err.Error()
}
