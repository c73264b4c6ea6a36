package launcher_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/altisair/altis/deploy/launcher"
)

// fakeBin links bin/<service> to this test binary (see fakeService).
func fakeBin(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"command", "projector", "query", "gateway"} {
		if err := os.Symlink(self, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func fakeOptions(t *testing.T, state string, extraEnv ...string) launcher.Options {
	return launcher.Options{
		Dir:          repoRoot(t),
		StateDir:     state,
		BinDir:       fakeBin(t),
		Environ:      testEnviron(append([]string{fakeEnv + "=1"}, extraEnv...)...),
		Ports:        freePorts(t),
		Out:          newOutput(t),
		ReadyTimeout: 30 * time.Second,
		StopTimeout:  10 * time.Second,
	}
}

// TestFleetStartsAndStopsEverything runs real throwaway PostgreSQL and Redis
// and the embedded broker with fake services: twice on one state folder.
func TestFleetStartsAndStopsEverything(t *testing.T) {
	needServers(t)
	state := stateDir(t)
	for i, wantInitDB := range []bool{true, false} {
		o := fakeOptions(t, state)
		f, err := startFleet(t, o)
		if err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
		info := f.Info()
		if info.InitDB != wantInitDB {
			t.Errorf("start %d: InitDB = %v, want %v", i+1, info.InitDB, wantInitDB)
		}
		checkInfo(t, info, o.Ports)
		if err := f.Stop(); err != nil {
			t.Fatalf("stop %d: %v", i+1, err)
		}
		assertStopped(t, info)
	}
}

func checkInfo(t *testing.T, info launcher.Info, ports launcher.Ports) {
	t.Helper()
	if info.Ports != ports {
		t.Errorf("Ports = %+v, want %+v", info.Ports, ports)
	}
	for _, name := range []string{"postgres", "redis", "command", "projector", "query", "gateway"} {
		if info.PIDs[name] == 0 {
			t.Errorf("no pid recorded for %s: %v", name, info.PIDs)
		}
	}
	for _, prefix := range []string{"postgres://", "redis://"} {
		if !strings.Contains(info.DatabaseURL+" "+info.RedisURL, prefix) {
			t.Errorf("missing %s URL: %q %q", prefix, info.DatabaseURL, info.RedisURL)
		}
	}
	if len(info.KafkaBrokers) != 1 {
		t.Errorf("KafkaBrokers = %v, want the embedded broker", info.KafkaBrokers)
	}
}

func TestFleetFailsWhenAServiceCannotStart(t *testing.T) {
	needServers(t)
	o := fakeOptions(t, stateDir(t), fakeCrashEnv+"=query")
	f, err := startFleet(t, o)
	if err == nil {
		t.Fatal("Start succeeded although query exits at start")
	}
	if f != nil {
		t.Fatal("Start returned a fleet with its error")
	}
	for _, want := range []string{"query exited unexpectedly", "exit status 3", "boom: cannot start"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

// TestFleetRestartsACrashedService kills a service once the fleet is
// ready: the launcher says so, starts it again on the same port, and Stop
// still leaves nothing behind.
func TestFleetRestartsACrashedService(t *testing.T) {
	needServers(t)
	o := fakeOptions(t, stateDir(t))
	f, err := startFleet(t, o)
	if err != nil {
		t.Fatal(err)
	}
	before := f.Info()
	old := before.PIDs["projector"]
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	out := o.Out.(*testWriter)
	waitOutput(t, out, "projector exited (signal: killed) after", 10*time.Second)
	waitOutput(t, out, "; restarting in 500ms", time.Second)
	pid := waitRestarted(t, f, "projector", old, 10*time.Second)
	waitAnswers(t, fmt.Sprintf("http://127.0.0.1:%d/readyz", before.Ports.Projector), 10*time.Second)
	if f.Info().PIDs["query"] != before.PIDs["query"] {
		t.Error("query was restarted too")
	}
	after := f.Info()
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	assertStopped(t, after)
	if err := syscall.Kill(-old, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the killed projector's group %d: kill 0 = %v", old, err)
	}
	t.Logf("projector restarted as pid %d (was %d)", pid, old)
}

// TestFleetStopsDuringARestartWait: Ctrl-C while a crashed service waits
// out its backoff stops everything at once and restarts nothing.
func TestFleetStopsDuringARestartWait(t *testing.T) {
	needServers(t)
	o := fakeOptions(t, stateDir(t))
	o.RestartDelay = time.Hour
	f, err := startFleet(t, o)
	if err != nil {
		t.Fatal(err)
	}
	info := f.Info()
	ctx, ctrlC := context.WithCancel(context.Background())
	waited := make(chan error, 1)
	go func() { waited <- f.Wait(ctx) }()
	if err := syscall.Kill(info.PIDs["query"], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	out := o.Out.(*testWriter)
	waitOutput(t, out, "query exited (signal: killed)", 10*time.Second)
	waitOutput(t, out, "; restarting in 1h0m0s", time.Second)
	began := time.Now()
	ctrlC()
	if err := <-waited; err != nil {
		t.Fatalf("Wait = %v after Ctrl-C", err)
	}
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	// The bound only tells "stopped" from "waited out the hour".
	if took := time.Since(began); took > time.Minute {
		t.Errorf("stopping took %s", took)
	}
	if strings.Contains(out.String(), "query restarted") {
		t.Error("query was restarted after Ctrl-C")
	}
	assertStopped(t, info)
}

// TestFleetScalesServices runs two of query, projector and gateway: every
// instance listens on its own port (the first one's + 100), and every
// gateway is told about every query.
func TestFleetScalesServices(t *testing.T) {
	needServers(t)
	o := fakeOptions(t, stateDir(t))
	o.Scale = launcher.Scale{"query": 2, "projector": 2, "gateway": 2}
	f, err := startFleet(t, o)
	if err != nil {
		t.Fatal(err)
	}
	info := f.Info()
	p := o.Ports
	want := []launcher.Instance{
		{Name: "command", Service: "command", Port: p.Command},
		{Name: "projector.1", Service: "projector", Port: p.Projector},
		{Name: "projector.2", Service: "projector", Port: p.Projector + 100},
		{Name: "query.1", Service: "query", Port: p.Query},
		{Name: "query.2", Service: "query", Port: p.Query + 100},
		{Name: "gateway.1", Service: "gateway", Port: p.Gateway, AdminPort: p.GatewayAdmin},
		{Name: "gateway.2", Service: "gateway", Port: p.Gateway + 100, AdminPort: p.GatewayAdmin + 100},
	}
	if len(info.Instances) != len(want) {
		t.Fatalf("instances %+v, want %+v", info.Instances, want)
	}
	for i, in := range info.Instances {
		if in.PID == 0 || info.PIDs[in.Name] != in.PID {
			t.Errorf("%s: pid %d, PIDs %v", in.Name, in.PID, info.PIDs)
		}
		in.PID = 0
		if in != want[i] {
			t.Errorf("instance %d = %+v, want %+v", i, in, want[i])
		}
	}
	queries := fmt.Sprintf("http://127.0.0.1:%d,http://127.0.0.1:%d", p.Query, p.Query+100)
	for port, env := range map[int]map[string]string{
		p.Gateway + 100: {"APP_GATEWAY__QUERY_URLS": queries, "APP_SERVER__PORT": fmt.Sprint(p.Gateway + 100),
			"APP_GATEWAY__ADMIN_PORT": fmt.Sprint(p.GatewayAdmin + 100)},
		p.Gateway:         {"APP_GATEWAY__QUERY_URLS": queries, "APP_GATEWAY__COMMAND_URLS": fmt.Sprintf("http://127.0.0.1:%d", p.Command)},
		p.Query + 100:     {"APP_QUERY__PORT": fmt.Sprint(p.Query + 100)},
		p.Projector + 100: {"APP_PROJECTOR__PORT": fmt.Sprint(p.Projector + 100)},
	} {
		for key, value := range env {
			if got := fakeEnvOf(t, port, key); got != value {
				t.Errorf("the process on %d has %s=%q, want %q", port, key, got, value)
			}
		}
	}
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	assertStopped(t, info)
}

// TestStartRejectsABadScale fails before anything starts.
func TestStartRejectsABadScale(t *testing.T) {
	o := launcher.Options{Dir: repoRoot(t), Environ: testEnviron(), Out: newOutput(t),
		Scale: launcher.Scale{"querry": 2, "projector": 0}}
	_, err := launcher.Start(context.Background(), o)
	for _, want := range []string{`unknown service "querry"`, "projector=0: the count must be between 1 and 9"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Start = %v, want %q", err, want)
		}
	}
}

// fakeEnvOf asks the fake service on port for an environment variable.
func fakeEnvOf(t *testing.T, port int, key string) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/env/%s", port, key))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitRestarted waits until name runs as a process other than old.
func waitRestarted(t *testing.T, f *launcher.Fleet, name string, old int, within time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if pid := f.Info().PIDs[name]; pid != old && pid != 0 {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not restarted within %s", name, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitAnswers polls url until it answers 200.
func waitAnswers(t *testing.T, url string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: no 200 within %s (last: %v)", url, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStartFailsFastWithoutBinaries(t *testing.T) {
	o := launcher.Options{
		Dir: repoRoot(t), StateDir: t.TempDir(), BinDir: t.TempDir(),
		Environ: testEnviron(), Out: newOutput(t), Ports: freePorts(t),
	}
	_, err := launcher.Start(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "make build") {
		t.Fatalf("Start = %v, want a hint to build first", err)
	}
}

func TestStartRejectsUnknownOverride(t *testing.T) {
	o := launcher.Options{Dir: repoRoot(t), Environ: testEnviron("APP_NOPE__PORT=1"), Out: newOutput(t)}
	_, err := launcher.Start(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "nope.port") {
		t.Fatalf("Start = %v, want the unknown key named", err)
	}
}

// TestRunListsEveryInstance: the banner names every process and where it
// listens, and Ctrl-C (ctx) ends Run cleanly.
func TestRunListsEveryInstance(t *testing.T) {
	needServers(t)
	o := fakeOptions(t, stateDir(t))
	o.Scale = launcher.Scale{"query": 2}
	ctx, ctrlC := context.WithCancel(context.Background())
	defer ctrlC()
	ran := make(chan error, 1)
	go func() { ran <- launcher.Run(ctx, o) }()
	out := o.Out.(*testWriter)
	waitOutput(t, out, "Ctrl-C stops everything", time.Minute)
	for _, want := range []string{
		fmt.Sprintf("query.1   http://localhost:%d  pid ", o.Ports.Query),
		fmt.Sprintf("query.2   http://localhost:%d  pid ", o.Ports.Query+100),
		fmt.Sprintf("command   http://localhost:%d  pid ", o.Ports.Command),
		fmt.Sprintf("gateway   http://localhost:%d  pid ", o.Ports.Gateway),
		fmt.Sprintf("metrics http://localhost:%d/metrics", o.Ports.GatewayAdmin),
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the banner does not show %q", want)
		}
	}
	ctrlC()
	if err := <-ran; err != nil {
		t.Fatalf("Run = %v after Ctrl-C", err)
	}
}
