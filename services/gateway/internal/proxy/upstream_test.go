package proxy_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/services/gateway/internal/proxy"
)

func TestNewRefusesBadTargets(t *testing.T) {
	for _, raw := range []string{"/relative", "ftp://host", "http://"} {
		u, _ := url.Parse(raw)
		if _, err := proxy.New("x", []*url.URL{u}, options(), logging.Discard()); err == nil {
			t.Errorf("%q accepted", raw)
		}
	}
	u, _ := url.Parse("http://host")
	if _, err := proxy.New("x", []*url.URL{u}, options(), nil); err == nil {
		t.Error("nil log accepted")
	}
	if _, err := proxy.New("x", nil, options(), logging.Discard()); err == nil {
		t.Error("no URLs accepted")
	}
	for _, o := range []proxy.Options{
		{ResolveEvery: time.Second, EjectFor: time.Second, EjectMax: time.Second},
		{Timeout: time.Second, EjectFor: time.Second, EjectMax: time.Second},
		{Timeout: time.Second, ResolveEvery: time.Second, EjectMax: time.Second},
		{Timeout: time.Second, ResolveEvery: time.Second, EjectFor: 2 * time.Second, EjectMax: time.Second},
	} {
		if _, err := proxy.New("x", []*url.URL{u}, o, logging.Discard()); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestCheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(status)
	}))
	u, _ := url.Parse(srv.URL)
	up, err := proxy.New("query", []*url.URL{u}, options(), logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := up.Check(ctx); err != nil {
		t.Fatalf("healthy: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := up.Check(ctx); err == nil {
		t.Fatal("503 passed the check")
	}
	srv.Close()
	if err := up.Check(ctx); !errors.Is(err, proxy.ErrUnavailable) {
		t.Fatalf("down: %v", err)
	}
}

func TestRoutesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range proxy.Routes() {
		k := r.Method + " " + r.Path
		if seen[k] {
			t.Errorf("duplicate route %s", k)
		}
		seen[k] = true
		if r.Stream && r.Target != proxy.Query {
			t.Errorf("%s: only query streams", k)
		}
	}
}
