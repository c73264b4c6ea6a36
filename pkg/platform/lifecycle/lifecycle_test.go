package lifecycle_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/altisair/altis/pkg/platform/lifecycle"
)

func configFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.toml")
	body := "[log]\nlevel = \"info\"\nformat = \"json\"\n[auth]\njwt_secret = \"s3cret-value\"\n"
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
	if strings.Contains(out.String(), "s3cret-value") || !strings.Contains(out.String(), `"auth.jwt_secret":"****"`) {
		t.Fatalf("start log:\n%s", out.String())
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
