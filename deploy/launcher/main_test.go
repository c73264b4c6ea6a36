package launcher_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/altisair/altis/deploy/launcher"
)

// fakeEnv makes the test binary act as an Altis service: the fleet tests
// link bin/<service> to it, so the launcher's logic is tested in seconds
// without building the real services.
const (
	fakeEnv      = "ALTIS_LAUNCHER_FAKE_SERVICE"
	fakeCrashEnv = "ALTIS_LAUNCHER_FAKE_CRASH" // the named service exits 3 at start
)

func TestMain(m *testing.M) {
	if os.Getenv(fakeEnv) == "1" {
		os.Exit(fakeService(filepath.Base(os.Args[0]), os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeService follows the binary contract: `-config file [seed]`, /readyz
// on the port its APP_* variable names, a clean exit on SIGTERM.
func fakeService(name string, args []string) int {
	if len(args) == 3 && args[2] == "seed" {
		fmt.Println("seeded")
		return 0
	}
	if os.Getenv(fakeCrashEnv) == name {
		fmt.Println("boom: cannot start")
		return 3
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv(fakePortEnv[name]), Handler: http.HandlerFunc(fakeHandler)}
	go func() { _ = srv.ListenAndServe() }()
	fmt.Println("serving on", srv.Addr)
	<-ctx.Done()
	_ = srv.Shutdown(context.Background())
	return 0
}

var fakePortEnv = map[string]string{
	"gateway": "APP_SERVER__PORT", "command": "APP_COMMAND__PORT",
	"query": "APP_QUERY__PORT", "projector": "APP_PROJECTOR__PORT",
}

// fakeHandler answers 200 everywhere; /env/KEY answers the value of the
// environment variable KEY, so a test sees what the launcher passed.
func fakeHandler(w http.ResponseWriter, r *http.Request) {
	if key, ok := strings.CutPrefix(r.URL.Path, "/env/"); ok {
		fmt.Fprint(w, os.Getenv(key))
	}
}

// needServers skips (or fails under CI=true) when the machine lacks the
// PostgreSQL or Redis programs the throwaway mode needs.
func needServers(t *testing.T) {
	t.Helper()
	var missing []string
	if _, err := exec.LookPath("redis-server"); err != nil {
		missing = append(missing, "redis-server (apt-get install redis-server)")
	}
	_, onPath := exec.LookPath("initdb")
	debian, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if onPath != nil && len(debian) == 0 {
		missing = append(missing, "initdb (apt-get install postgresql)")
	}
	if len(missing) == 0 {
		return
	}
	msg := "throwaway mode needs " + strings.Join(missing, ", ")
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// stateDir is a fresh state folder that the postgres user can reach when
// the tests run as root (t.TempDir's folders are private to the owner).
func stateDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// testEnviron is the test's environment without APP_* variables, so the
// launcher starts its own servers, plus the gateway's rate limits lifted
// (every test guest comes from one address, and the budgets outlive a
// restart in Redis), plus extra.
func testEnviron(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "APP_") {
			env = append(env, kv)
		}
	}
	for _, budget := range []string{"SEARCH", "HOLDS", "COMMITS", "TOKENS"} {
		env = append(env, "APP_GATEWAY__LIMITS__"+budget+"__PER_SECOND=1000000", "APP_GATEWAY__LIMITS__"+budget+"__BURST=1000000")
	}
	return append(env, extra...)
}

// freePorts gives each service a free port so a developer's `make run`
// does not clash with the tests; the port a second instance would take
// (100 above) is free too.
func freePorts(t *testing.T) launcher.Ports {
	t.Helper()
	var ports [5]int
	for i := range ports {
		for ports[i] == 0 {
			p, err := launcher.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+100)); err == nil {
				ln.Close()
				ports[i] = p
			}
		}
	}
	return launcher.Ports{Gateway: ports[0], Command: ports[1], Query: ports[2], Projector: ports[3], GatewayAdmin: ports[4]}
}

// repoRoot finds the folder holding go.work.
func repoRoot(t *testing.T) string {
	t.Helper()
	if out, err := exec.Command("go", "env", "GOWORK").Output(); err == nil {
		if w := strings.TrimSpace(string(out)); w != "" && w != "off" {
			return filepath.Dir(w)
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
	}
	t.Fatal("go.work not found above the test's folder")
	return ""
}

// testWriter forwards the launcher's output to t.Log and keeps it for
// assertions.
type testWriter struct {
	t   *testing.T
	mu  sync.Mutex
	all strings.Builder
}

func newOutput(t *testing.T) *testWriter { return &testWriter{t: t} }

func (w *testWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Log(strings.TrimRight(string(b), "\n"))
	w.all.Write(b)
	return len(b), nil
}

func (w *testWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all.String()
}

// assertStopped checks that no child (nor anything in its process group)
// is alive and that every port the fleet used is free again.
func assertStopped(t *testing.T, info launcher.Info) {
	t.Helper()
	for name, pid := range info.PIDs {
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (process group %d) still alive after Stop: kill 0 = %v", name, pid, err)
		}
	}
	for name, addr := range info.Addrs {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("%s's address %s still in use after Stop: %v", name, addr, err)
			continue
		}
		ln.Close()
	}
}

// waitOutput polls the launcher's output until it holds want.
func waitOutput(t *testing.T, out *testWriter, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the launcher did not say %q within %s", want, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startFleet starts the launcher and stops it when the test ends.
func startFleet(t *testing.T, o launcher.Options) (*launcher.Fleet, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	f, err := launcher.Start(ctx, o)
	if f != nil {
		t.Cleanup(func() { _ = f.Stop() })
	}
	t.Cleanup(func() { checkContract(t) })
	return f, err
}
