package main

import (
	"strings"
	"testing"

	cfgpkg "github.com/altisair/altis/pkg/platform/config"
)

func TestShippedConfigLoads(t *testing.T) {
	l, err := cfgpkg.Load("../../config/default.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(l)
	if err != nil {
		t.Fatal(err)
	}
	if c.Command.Port != 8081 || c.Seed.Days != 30 || c.Command.HoldTTL.Minutes() != 15 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.Command.Addr() != "127.0.0.1:8081" {
		t.Errorf("listens on %q, want loopback by default", c.Command.Addr())
	}
	if c.Auth.Issuer != "altis-gateway" || c.Auth.Audience != "altis-api" {
		t.Errorf("[auth] = issuer %q, audience %q", c.Auth.Issuer, c.Auth.Audience)
	}
}

func TestBadValuesStopTheServiceNamingTheKey(t *testing.T) {
	for env, want := range map[string]string{
		"APP_COMMAND__PORT=0":                  "port",
		"APP_COMMAND__RELAY__BATCH_SIZE=-1":    "relay.batch_size",
		"APP_COMMAND__RELAY__MAX_ATTEMPTS=0":   "relay.max_attempts",
		"APP_COMMAND__RELAY__RETRY_BACKOFF=0s": "relay.retry_backoff",
		"APP_DATABASE__URL=mysql://x":          "url",
		"APP_SEED__DAYS=many":                  "days",
		"APP_COMMAND__HOLD_TTL=forever":        "hold_ttl",
		"APP_COMMAND__HOST=":                   "host",
		"APP_COMMAND__HOST=not a host":         "host",
		"APP_AUTH__JWT_SECRET=short":           "jwt_secret",
		"APP_AUTH__ISSUER=":                    "issuer",
		"APP_AUTH__TOKEN_TTL=0s":               "token_ttl",
	} {
		l, err := cfgpkg.Load("../../config/default.toml", []string{env})
		if err == nil {
			_, err = loadConfig(l)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want it to name %q", env, err, want)
		}
	}
}

func TestSeedFlags(t *testing.T) {
	o, err := seedOptions([]string{"-scale", "10", "-days", "3"}, seedConfig{Days: 30, Scale: 1})
	if err != nil || o.Scale != 10 || o.Days != 3 {
		t.Fatalf("got %+v, %v", o, err)
	}
	if _, err := seedOptions([]string{"-scale", "0"}, seedConfig{Days: 30, Scale: 1}); err == nil || !strings.Contains(err.Error(), "scale") {
		t.Fatalf("scale 0: %v", err)
	}
}
