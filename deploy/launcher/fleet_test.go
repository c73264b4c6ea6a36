package launcher_test

import (
	"context"
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

func TestFleetWaitReportsAChildThatDies(t *testing.T) {
	needServers(t)
	f, err := startFleet(t, fakeOptions(t, stateDir(t)))
	if err != nil {
		t.Fatal(err)
	}
	info := f.Info()
	if err := syscall.Kill(info.PIDs["projector"], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = f.Wait(ctx)
	if err == nil || !strings.Contains(err.Error(), "projector exited unexpectedly") {
		t.Fatalf("Wait = %v, want projector's unexpected exit", err)
	}
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	assertStopped(t, info)
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
