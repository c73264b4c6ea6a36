package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/gateway/internal/limits"
	gwhttp "github.com/altisair/altis/services/gateway/internal/ports/http"
	"github.com/altisair/altis/services/gateway/internal/proxy"
)

var testSecret = []byte("test-secret-test-secret-test-secret!")

func authSettings() auth.Settings {
	return auth.Settings{Secret: testSecret, Issuer: "altis-gateway", Audience: "altis-api", TTL: time.Hour, Leeway: 30 * time.Second}
}

// seen is what an upstream received.
type seen struct {
	Method, Path, Query string
	Header              http.Header
	Body                string
}

// upstream records requests; its answer is handler, or 200 {"upstream":name}.
type upstream struct {
	name    string
	srv     *httptest.Server
	mu      sync.Mutex
	hits    int // requests started, even those whose body failed
	got     []seen
	handler http.HandlerFunc
}

func newUpstream(t *testing.T, name string, handler http.HandlerFunc) *upstream {
	u := &upstream{name: name, handler: handler}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.hits++
	u.mu.Unlock()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "body read failed", http.StatusBadRequest)
		return
	}
	u.mu.Lock()
	u.got = append(u.got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(body)})
	u.mu.Unlock()
	if u.handler != nil {
		u.handler(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"upstream":"`+u.name+`"}`)
}

func (u *upstream) requests() []seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seen(nil), u.got...)
}

func (u *upstream) started() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits
}

func (u *upstream) last(t *testing.T) seen {
	t.Helper()
	got := u.requests()
	if len(got) == 0 {
		t.Fatalf("%s received nothing", u.name)
	}
	return got[len(got)-1]
}

type options struct {
	rate        float64
	burst       int
	guestPerMin int
	bodyLimit   int64
	timeout     time.Duration
	command     http.HandlerFunc
	query       http.HandlerFunc
	commandDown bool
	corsOrigins []string
}

type harness struct {
	url            string
	command, query *upstream
	issuer         *auth.Issuer
	srv            *web.Server
}

func newHarness(t *testing.T, o options) *harness {
	t.Helper()
	defaults(&o)
	h := &harness{command: newUpstream(t, "command", o.command), query: newUpstream(t, "query", o.query)}
	cmdURL := h.command.srv.URL
	if o.commandDown {
		h.command.srv.Close()
	}
	h.srv = web.New(web.Options{Service: "gateway", Log: logging.Discard(), Errors: gwhttp.Errors})
	deps, issuer := buildDeps(t, o, cmdURL, h.query.srv.URL, h.srv)
	if err := gwhttp.Register(h.srv.Echo, deps); err != nil {
		t.Fatal(err)
	}
	h.issuer = issuer
	gw := httptest.NewServer(h.srv.Echo)
	t.Cleanup(gw.Close)
	h.url = gw.URL
	return h
}

func defaults(o *options) {
	if o.rate == 0 {
		o.rate, o.burst = 1000, 1000
	}
	if o.guestPerMin == 0 {
		o.guestPerMin = 1000
	}
	if o.bodyLimit == 0 {
		o.bodyLimit = 1 << 16
	}
	if o.timeout == 0 {
		o.timeout = 5 * time.Second
	}
}

func buildDeps(t *testing.T, o options, cmdURL, qryURL string, srv *web.Server) (gwhttp.Deps, *auth.Issuer) {
	t.Helper()
	metrics, err := gwhttp.NewMetrics(srv.Registry)
	must(t, err)
	issuer, err := auth.NewIssuer(authSettings())
	must(t, err)
	tokens, err := gwhttp.NewGuestTokens(issuer, metrics)
	must(t, err)
	tickets, err := gwhttp.NewStreamTickets(issuer)
	must(t, err)
	verifier, err := auth.NewVerifier(authSettings())
	must(t, err)
	limiter, err := limits.New(o.rate, o.burst)
	must(t, err)
	guestLimits, err := limits.PerMinute(o.guestPerMin)
	must(t, err)
	return gwhttp.Deps{
		Tokens: tokens, Tickets: tickets, Verifier: verifier, Metrics: metrics, Limiter: limiter, GuestLimits: guestLimits,
		BodyLimit: o.bodyLimit, CORSOrigins: o.corsOrigins,
		Upstreams: map[proxy.Target]*proxy.Upstream{
			proxy.Command: newProxy(t, "command", cmdURL, o.timeout),
			proxy.Query:   newProxy(t, "query", qryURL, o.timeout),
		},
	}, issuer
}

func newProxy(t *testing.T, name, raw string, timeout time.Duration) *proxy.Upstream {
	t.Helper()
	u, err := url.Parse(raw)
	must(t, err)
	up, err := proxy.New(name, []*url.URL{u}, proxy.Options{Timeout: timeout, ResolveEvery: time.Second, EjectFor: time.Second, EjectMax: time.Second}, logging.Discard())
	must(t, err)
	return up
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// token issues a valid guest token and returns it with its guest id.
func (h *harness) token(t *testing.T) (string, string) {
	t.Helper()
	tok, err := h.issuer.Issue()
	must(t, err)
	return tok.Value, tok.GuestID
}

// do sends a request to the gateway; header pairs are name, value.
func (h *harness) do(t *testing.T, method, path, body string, header ...string) *http.Response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, r)
	must(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// wantError checks the status and the one error shape.
func wantError(t *testing.T, res *http.Response, status int, code string) web.Error {
	t.Helper()
	var env struct {
		Error *web.Error `json:"error"`
	}
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", res.StatusCode, status, raw)
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.Error == nil {
		t.Fatalf("body %s is not the error envelope: %v", raw, err)
	}
	if env.Error.Code != code {
		t.Fatalf("code %q, want %q (%s)", env.Error.Code, code, raw)
	}
	if env.Error.RequestID == "" || env.Error.RequestID != res.Header.Get(web.HeaderRequestID) {
		t.Fatalf("request_id %q, header %q", env.Error.RequestID, res.Header.Get(web.HeaderRequestID))
	}
	return *env.Error
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	must(t, err)
	return string(b)
}
