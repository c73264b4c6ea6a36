package lifecycle_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/platform/lifecycle"
)

func configFile(t *testing.T) string {
	return configAt(t, "debug")
}

func configAt(t *testing.T, level string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.toml")
	body := "[log]\nlevel = \"" + level + "\"\nformat = \"json\"\n[auth]\njwt_secret = \"s3cret-value\"\ntoken_ttl = \"1h\"\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStartPassesTheSubcommandAndMasksSecrets(t *testing.T) {
	var out bytes.Buffer
	var got string
	err := lifecycle.Start(context.Background(), "svc", []string{"-config", configFile(t), "rebuild", "-x"}, nil, &out,
		func(_ context.Context, env lifecycle.Env) error {
			got = env.Command()
			return context.Canceled // a signal: a clean stop
		})
	if err != nil || got != "rebuild" {
		t.Fatalf("err %v, command %q", err, got)
	}
	if strings.Contains(out.String(), "s3cret-value") || !strings.Contains(out.String(), `"auth.jwt_secret":"****"`) ||
		!strings.Contains(out.String(), `"auth.token_ttl":"1h"`) {
		t.Fatalf("start log:\n%s", out.String())
	}
}

// TestSettingsAreLoggedAtDebugOnly: at info a start logs no settings (the
// one start line is the server's "serving").
func TestSettingsAreLoggedAtDebugOnly(t *testing.T) {
	var out bytes.Buffer
	err := lifecycle.Start(context.Background(), "svc", []string{"-config", configAt(t, "info")}, nil, &out,
		func(context.Context, lifecycle.Env) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "starting") || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("an info start logged more than the stop line:\n%s", out.String())
	}
}

func TestStartRefusesAnUnknownOverride(t *testing.T) {
	err := lifecycle.Start(context.Background(), "svc", []string{"-config", configFile(t)}, []string{"APP_LOG__LEVLE=debug"}, &bytes.Buffer{},
		func(context.Context, lifecycle.Env) error { t.Fatal("run must not start"); return nil })
	if err == nil || !strings.Contains(err.Error(), "APP_LOG__LEVLE") {
		t.Fatalf("err %v", err)
	}
}

func TestUnknownCommandNamesTheKnownOnes(t *testing.T) {
	err := lifecycle.UnknownCommand("rebuidl", "rebuild", "healthcheck")
	if !strings.Contains(err.Error(), `"rebuidl"`) || !strings.Contains(err.Error(), "rebuild, healthcheck") {
		t.Fatal(err)
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	if err := lifecycle.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("a finished sleep returned %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := lifecycle.Sleep(ctx, time.Hour); err != context.Canceled {
		t.Fatalf("a cancelled sleep returned %v, want context.Canceled", err)
	}
}
