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
	if c.Projector.Port != 8083 || len(c.Kafka.Brokers) == 0 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestBadValuesNameTheKey(t *testing.T) {
	for env, want := range map[string]string{
		"APP_PROJECTOR__REBUILD_BATCH=0":    "rebuild_batch",
		"APP_KAFKA__BROKERS=":               "brokers",
		"APP_REDIS__URL=http://nope":        "url",
		"APP_PROJECTOR__WATCH_INTERVAL=1":   "watch_interval",
		"APP_PROJECTOR__CHECK_INTERVAL=1":   "check_interval",
		"APP_PROJECTOR__CHECK_SAMPLE=0":     "check_sample",
		"APP_PROJECTOR__CHECK_GRACE=1m":     "check_grace",
		"APP_PROJECTOR__SESSION_TIMEOUT=1s": "session_timeout",
		"APP_PROJECTOR__CHECK_GRACE=10s":    "check_grace",
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
