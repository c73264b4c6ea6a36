package launcher

import (
	"io"
	"strings"
	"testing"
)

func TestLineWriterSplitsKeepsTailAndFlushes(t *testing.T) {
	var got []string
	w := &lineWriter{sink: func(l string) { got = append(got, l) }, tail: newTail(2)}
	for _, chunk := range []string{"one\r\ntw", "o\nthree\n", "four"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	w.flush()
	if strings.Join(got, "|") != "one|two|three|four" {
		t.Errorf("lines = %q", got)
	}
	if w.tail.String() != "    three\n    four" {
		t.Errorf("tail = %q", w.tail.String())
	}
}

func TestLineWriterSplitsOverlongLines(t *testing.T) {
	var got []string
	w := &lineWriter{sink: func(l string) { got = append(got, l) }, tail: newTail(5)}
	_, _ = w.Write([]byte(strings.Repeat("x", maxLine+10)))
	if len(got) != 1 || len(got[0]) != maxLine+10 {
		t.Fatalf("got %d lines", len(got))
	}
}

func TestConsolePrefixesAligned(t *testing.T) {
	var b strings.Builder
	c := newConsole(&b)
	c.line("gateway", "hello")
	c.say("ready")
	want := "gateway   | hello\naltis-run | ready\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestLookupEnvTakesTheLastValue(t *testing.T) {
	env := []string{"A=1", "APP_X=first", "APP_X=second", "B"}
	if got := lookupEnv(env, "APP_X"); got != "second" {
		t.Errorf("lookupEnv = %q", got)
	}
	if got := lookupEnv(env, "B"); got != "" {
		t.Errorf("lookupEnv(B) = %q", got)
	}
}

func TestPortsOverride(t *testing.T) {
	base := Ports{Gateway: 8080, Command: 8081, Query: 8082, Projector: 8083}
	got := base.override(Ports{Query: 9000})
	want := Ports{Gateway: 8080, Command: 8081, Query: 9000, Projector: 8083}
	if got != want {
		t.Errorf("override = %+v, want %+v", got, want)
	}
}

func TestLoadSettingsReadsPortsAndPartitions(t *testing.T) {
	s, err := loadSettings("../../config/default.toml", []string{"APP_QUERY__PORT=9999"})
	if err != nil {
		t.Fatal(err)
	}
	if s.ports.Gateway != 8080 || s.ports.Query != 9999 || s.kafka.Partitions < 1 {
		t.Errorf("settings = %+v", s)
	}
}

func TestChildEnvOverridesLast(t *testing.T) {
	f := &Fleet{o: Options{Environ: []string{"APP_SERVER__PORT=1", "APP_LOG__FORMAT=json"}, Scale: Scale{"query": 2}},
		con: newConsole(io.Discard)}
	f.info = Info{Ports: Ports{Gateway: 7000, GatewayAdmin: 7100, Command: 7001, Query: 7002, Projector: 7003},
		DatabaseURL: "postgres://db", RedisURL: "redis://r", KafkaBrokers: []string{"k:1", "k:2"}, Addrs: map[string]string{}}
	f.planInstances()
	env := f.childEnv()
	checks := map[string]string{
		"APP_SERVER__PORT": "7000", "APP_LOG__FORMAT": "json", "APP_KAFKA__BROKERS": "k:1,k:2",
		"APP_GATEWAY__QUERY_URLS": "http://127.0.0.1:7002,http://127.0.0.1:7102", "APP_DATABASE__URL": "postgres://db",
		"APP_GATEWAY__COMMAND_URLS": "http://127.0.0.1:7001",
	}
	for k, want := range checks {
		if got := lookupEnv(env, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	var second *instance
	for _, in := range f.instances {
		if in.name == "query.2" {
			second = in
		}
	}
	if second == nil {
		t.Fatalf("no query.2 among %d instances", len(f.instances))
	}
	env = f.instanceEnv(second)
	if got := lookupEnv(env, "APP_QUERY__PORT"); got != "7102" {
		t.Errorf("query.2: APP_QUERY__PORT = %q, want 7102", got)
	}
	if n := strings.Count(strings.Join(env, "\n"), "APP_QUERY__PORT="); n != 1 {
		t.Errorf("query.2's environment sets APP_QUERY__PORT %d times", n)
	}
}
