package launcher

import (
	"strings"
	"testing"
	"time"
)

func TestParseScale(t *testing.T) {
	sc, err := ParseScale(" query=3, projector=2,gateway=1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"command": 1, "projector": 2, "query": 3, "gateway": 1}
	for service, n := range want {
		if sc.of(service) != n {
			t.Errorf("%s: %d processes, want %d", service, sc.of(service), n)
		}
	}
	if sc.String() != "projector=2,query=3" {
		t.Errorf("String() = %q", sc.String())
	}
	if sc, err := ParseScale(""); err != nil || len(sc) != 0 {
		t.Errorf("empty: %v, %v", sc, err)
	}
}

func TestParseScaleRejects(t *testing.T) {
	for in, want := range map[string]string{
		"query":           `"query" is not service=count`,
		"query=3,":        `"" is not service=count`,
		"quary=3":         `unknown service "quary" (the services are command, projector, query, gateway)`,
		"query=0":         "query=0: the count must be between 1 and 9",
		"query=-1":        "query=-1: the count must be between 1 and 9",
		"query=10":        "query=10: the count must be between 1 and 9",
		"query=two":       "query=two: the count is not a whole number",
		"query=2,query=3": "query is named twice",
	} {
		_, err := ParseScale(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseScale(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

func TestInstanceNamesAndPorts(t *testing.T) {
	if got := instanceName("query", 1, 1); got != "query" {
		t.Errorf("a single instance is %q, want the service's name", got)
	}
	if got := instanceName("query", 2, 3); got != "query.2" {
		t.Errorf("the second of three is %q", got)
	}
	if instancePort(8082, 1) != 8082 || instancePort(8082, 3) != 8282 {
		t.Errorf("ports %d, %d", instancePort(8082, 1), instancePort(8082, 3))
	}
}

func TestBackoffDoublesToItsCapAndStartsOver(t *testing.T) {
	b := newBackoff(500*time.Millisecond, 10*time.Second)
	quick := time.Second // a crash soon after the start
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if d := b.delay(quick); d != w {
			t.Fatalf("crash %d: wait %s, want %s", i+1, d, w)
		}
	}
	if d := b.delay(restartResetAfter); d != 500*time.Millisecond {
		t.Errorf("after a long run: wait %s, want the first wait again", d)
	}
	if d := b.delay(quick); d != time.Second {
		t.Errorf("then: wait %s, want it doubled again", d)
	}
}
