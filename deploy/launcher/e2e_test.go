package launcher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/deploy/launcher"
)

// TestEndToEnd builds the real binaries and runs the fleet in throwaway
// mode: initdb really runs, a guest token comes through the gateway, every
// /readyz answers 200, searches and a seat map through the gateway answer
// from the index the pipeline built, nothing survives Stop, and a second start on the same
// state folder skips initdb.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every service; skipped with -short")
	}
	needServers(t)
	root := repoRoot(t)
	bin := buildFleet(t, root)
	state := stateDir(t)
	for i, wantInitDB := range []bool{true, false} {
		out := newOutput(t)
		info := runOnce(t, launcher.Options{
			Dir: root, StateDir: state, BinDir: bin,
			// Debug level for the personal-data canary; limits high
			// enough for the ownership and malformed-body suites.
			Environ: testEnviron("APP_SEED__DAYS=2", "APP_LOG__LEVEL=debug", "APP_GATEWAY__RATE_LIMIT_PER_SECOND=10000",
				"APP_GATEWAY__RATE_LIMIT_BURST=10000", "APP_GATEWAY__GUEST_TOKENS_PER_MINUTE=10000"),
			Ports:        freePorts(t),
			Out:          out,
			ReadyTimeout: 2 * time.Minute,
		})
		if info.InitDB != wantInitDB {
			t.Errorf("start %d: InitDB = %v, want %v", i+1, info.InitDB, wantInitDB)
		}
		checkNoCanary(t, out, state) // the fleet has stopped: every line is in
	}
}

// buildFleet runs the contract's build command into a temporary folder.
func buildFleet(t *testing.T, root string) string {
	t.Helper()
	bin := t.TempDir()
	cmd := exec.Command("go", "build", "-o", bin+string(os.PathSeparator),
		"./services/gateway", "./services/command", "./services/query", "./services/projector",
		"./deploy/cmd/altis-run")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build the fleet: %v\n%s", err, out)
	}
	return bin
}

func runOnce(t *testing.T, o launcher.Options) launcher.Info {
	t.Helper()
	f, err := startFleet(t, o)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	info := f.Info()
	t.Logf("ready in %s", info.Elapsed)
	checkReady(t, info.Ports)
	checkGuestToken(t, info.Ports.Gateway)
	checkSearch(t, info.Ports.Gateway)
	checkHolds(t, info.Ports.Gateway)
	checkStreams(t, info.Ports.Gateway)
	checkBooking(t, info.Ports.Gateway)
	checkOwnership(t, info.Ports.Gateway)
	checkMalformedBodies(t, info.Ports.Gateway)
	checkContract(t)
	if err := f.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	assertStopped(t, info)
	return info
}

func checkReady(t *testing.T, p launcher.Ports) {
	t.Helper()
	for name, port := range map[string]int{"gateway": p.Gateway, "command": p.Command, "query": p.Query, "projector": p.Projector} {
		hc := http.DefaultClient // the services' own ports are not the public API
		if name == "gateway" {
			hc = gatewayHTTP(t)
		}
		resp, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", port))
		if err != nil {
			t.Errorf("%s /readyz: %v", name, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s /readyz = %s, want 200", name, resp.Status)
		}
	}
}

func checkGuestToken(t *testing.T, gateway int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/v1/auth/guest", gateway)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(""))
	resp, err := gatewayHTTP(t).Do(req)
	if err != nil {
		t.Fatalf("POST /v1/auth/guest: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("POST /v1/auth/guest = %s, body not JSON: %v", resp.Status, err)
	}
	if resp.StatusCode/100 != 2 || strings.Count(body.Token, ".") != 2 {
		t.Fatalf("POST /v1/auth/guest = %s, token %q, want 2xx and a JWT", resp.Status, body.Token)
	}
}
