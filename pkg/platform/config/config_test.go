package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/platform/config"
)

const sample = `
[server]
port = 8080
shutdown_timeout = "10s"

[auth]
jwt_secret = "file-secret"
token_ttl = "1h"

[kafka]
brokers = ["127.0.0.1:9092"]

[database]
url = "postgres://altis:hunter2@db:5432/altis"
`

type server struct {
	Port            int           `koanf:"port"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
}

func (s server) Validate() error {
	if s.Port < 1 || s.Port > 65535 {
		return config.Invalid("port", "must be between 1 and 65535")
	}
	return nil
}

type auth struct {
	JWTSecret string        `koanf:"jwt_secret"`
	TokenTTL  time.Duration `koanf:"token_ttl"`
}

type kafka struct {
	Brokers []string `koanf:"brokers"`
}

func write(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(p, []byte(sample), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFileDefaults(t *testing.T) {
	l, err := config.Load(write(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	var s server
	if err := l.Section("server", &s); err != nil {
		t.Fatal(err)
	}
	if s.Port != 8080 || s.ShutdownTimeout != 10*time.Second {
		t.Fatalf("got %+v", s)
	}
}

func TestEnvOverrides(t *testing.T) {
	env := []string{
		"APP_SERVER__PORT=9090",
		"APP_AUTH__JWT_SECRET=from-env", // single underscore stays inside the key
		"APP_KAFKA__BROKERS=k1:9092, k2:9092",
		"PATH=/usr/bin", // not ours: ignored
	}
	l, err := config.Load(write(t), env)
	if err != nil {
		t.Fatal(err)
	}
	var s server
	var a auth
	var k kafka
	if err := l.Sections(config.Into{Key: "server", Dst: &s}, config.Into{Key: "auth", Dst: &a}, config.Into{Key: "kafka", Dst: &k}); err != nil {
		t.Fatal(err)
	}
	if s.Port != 9090 {
		t.Errorf("port = %d, want 9090", s.Port)
	}
	if a.JWTSecret != "from-env" {
		t.Errorf("jwt_secret = %q", a.JWTSecret)
	}
	if len(k.Brokers) != 2 || k.Brokers[0] != "k1:9092" || k.Brokers[1] != "k2:9092" {
		t.Errorf("brokers = %q", k.Brokers)
	}
}

func TestBadValuesNameTheKey(t *testing.T) {
	cases := map[string]struct {
		env  string
		want string
	}{
		"not a number":  {"APP_SERVER__PORT=eighty", "port"},
		"out of range":  {"APP_SERVER__PORT=70000", "server]: port"},
		"bad duration":  {"APP_SERVER__SHUTDOWN_TIMEOUT=soon", "shutdown_timeout"},
		"unknown key":   {"APP_SERVR__PORT=1", "APP_SERVR__PORT"},
		"empty number":  {"APP_SERVER__PORT=", "port"},
		"octal-looking": {"APP_SERVER__PORT=010", ""},
		"fraction":      {"APP_SERVER__PORT=80.5", "port"},
		"unknown field": {"APP_SERVER__FOO=1", "APP_SERVER__FOO"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l, err := config.Load(write(t), []string{tc.env})
			if err == nil {
				var s server
				err = l.Section("server", &s)
			}
			if tc.want == "" {
				return // checked below
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want mention of %q", err, tc.want)
			}
		})
	}
}

func TestUnknownFileKeyIsRejected(t *testing.T) {
	l, err := config.FromMap(map[string]any{"server.port": 1, "server.prot": 2})
	if err != nil {
		t.Fatal(err)
	}
	var s server
	if err := l.Section("server", &s); err == nil || !strings.Contains(err.Error(), "prot") {
		t.Fatalf("err = %v, want unknown key prot", err)
	}
}

func TestMaskedHidesSecrets(t *testing.T) {
	l, err := config.Load(write(t), []string{"APP_AUTH__JWT_SECRET=s3cr3t-value"})
	if err != nil {
		t.Fatal(err)
	}
	m := l.Masked()
	if m["auth.jwt_secret"] != "****" {
		t.Errorf("jwt_secret logged as %v", m["auth.jwt_secret"])
	}
	if got := m["database.url"]; got != "postgres://altis:****@db:5432/altis" {
		t.Errorf("database url logged as %v", got)
	}
	if m["server.port"] != int64(8080) {
		t.Errorf("port = %#v", m["server.port"])
	}
}

// TestMaskedHidesOnlySecrets: names that end in a secret word and passwords
// inside URLs are hidden; everything else an operator needs is logged as is.
func TestMaskedHidesOnlySecrets(t *testing.T) {
	l, err := config.FromMap(map[string]any{
		"auth.jwt_secret":                 "s3cr3t",
		"auth.token_ttl":                  "1h",
		"gateway.guest_tokens_per_minute": 10,
		"x.api_key":                       "k3y",
		"x.key_prefix":                    "altis",
		"x.access_token":                  "t0k",
		"x.db_password":                   "pw",
		"redis.url":                       "redis://:hunter2@127.0.0.1:6379/0",
		"redis.plain":                     "redis://127.0.0.1:6379/0",
		"database.url":                    "postgres://u@db/altis?sslmode=disable&password=hunter2&sslpassword=x",
		"gateway.query_urls":              []any{"http://q:8082", "http://user:hunter2@q2:8082"},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := l.Masked()
	want := map[string]any{
		"auth.jwt_secret":                 "****",
		"auth.token_ttl":                  "1h",
		"gateway.guest_tokens_per_minute": 10,
		"x.api_key":                       "****",
		"x.key_prefix":                    "altis",
		"x.access_token":                  "****",
		"x.db_password":                   "****",
		"redis.url":                       "redis://:****@127.0.0.1:6379/0",
		"redis.plain":                     "redis://127.0.0.1:6379/0",
		"database.url":                    "postgres://u@db/altis?password=****&sslmode=disable&sslpassword=****",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s logged as %#v, want %#v", k, m[k], v)
		}
	}
	urls, _ := m["gateway.query_urls"].([]any)
	if len(urls) != 2 || urls[0] != "http://q:8082" || urls[1] != "http://user:****@q2:8082" {
		t.Errorf("query_urls logged as %#v", m["gateway.query_urls"])
	}
	if strings.Contains(fmt.Sprint(m), "hunter2") {
		t.Errorf("a password was logged: %v", m)
	}
}

func TestEnvKey(t *testing.T) {
	if got := config.EnvKey("APP_AUTH__JWT_SECRET"); got != "auth.jwt_secret" {
		t.Fatal(got)
	}
	if got := config.EnvKey("APP_COMMAND__RELAY__BATCH_SIZE"); got != "command.relay.batch_size" {
		t.Fatal(got)
	}
}

type strictTypes struct {
	Small   int16   `koanf:"small"`
	Flag    bool    `koanf:"flag"`
	Percent int     `koanf:"percent"`
	Ratio   float64 `koanf:"ratio"`
}

func TestValuesAreNeverGuessed(t *testing.T) {
	decode := func(m map[string]any) (strictTypes, error) {
		l, err := config.FromMap(m)
		if err != nil {
			t.Fatal(err)
		}
		var v strictTypes
		return v, l.Section("s", &v)
	}
	bad := map[string]map[string]any{
		"fractional int from the file": {"s.percent": 12.5},
		"int16 overflow":               {"s.small": 70000},
		"int16 overflow from env":      {"s.small": "70000"},
		"empty bool":                   {"s.flag": ""},
		"yes is not a bool":            {"s.flag": "yes"},
		"empty int":                    {"s.percent": ""},
	}
	for name, m := range bad {
		if v, err := decode(m); err == nil {
			t.Errorf("%s: accepted as %+v", name, v)
		}
	}
	v, err := decode(map[string]any{"s.small": "010", "s.flag": "false", "s.percent": 12.0, "s.ratio": "0.5"})
	if err != nil || v.Small != 10 || v.Flag || v.Percent != 12 || v.Ratio != 0.5 {
		t.Fatalf("got %+v, %v", v, err)
	}
}
