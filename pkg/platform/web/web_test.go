package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/web"
)

var errTaken = errors.New("seat taken")

type fieldsErr struct{}

func (fieldsErr) Error() string                  { return "bad" }
func (fieldsErr) FieldErrors() map[string]string { return map[string]string{"seat": "bad seat"} }

func newServer() *web.Server {
	s := web.New(web.Options{Service: "t", Log: logging.Discard(), Errors: web.ErrorTable{
		{Target: errTaken, Status: http.StatusConflict, Code: "seat_unavailable"},
	}})
	s.Echo.GET("/taken", func(c echo.Context) error { return fmt.Errorf("hold: %w", errTaken) })
	s.Echo.GET("/fields", func(echo.Context) error { return fmt.Errorf("wrapped: %w", fieldsErr{}) })
	s.Echo.GET("/boom", func(echo.Context) error { return errors.New("db password is hunter2") })
	s.Echo.GET("/panic", func(echo.Context) error { panic("oops") })
	s.Echo.POST("/decode", func(c echo.Context) error {
		var v struct {
			Name  string `json:"name"`
			Count int    `json:"count"`
		}
		if err := web.DecodeJSON(c, &v); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	})
	return s
}

func do(t *testing.T, s *web.Server, method, path, body string) (int, web.Envelope, http.Header) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set(web.HeaderRequestID, "req-1")
	rec := httptest.NewRecorder()
	s.Echo.ServeHTTP(rec, req)
	var env web.Envelope
	_ = json.Unmarshal(rec.Body.Bytes(), &env)
	return rec.Code, env, rec.Header()
}

func TestOneErrorShape(t *testing.T) {
	s := newServer()
	cases := []struct {
		path, method, body string
		status             int
		code, field        string
	}{
		{"/taken", "GET", "", 409, "seat_unavailable", ""},
		{"/fields", "GET", "", 400, "invalid_request", "seat"},
		{"/boom", "GET", "", 500, "internal", ""},
		{"/panic", "GET", "", 500, "internal", ""},
		{"/nowhere", "GET", "", 404, "not_found", ""},
		{"/decode", "POST", `{"name":`, 400, "invalid_request", "body"},
		{"/decode", "POST", `{"name":"a","extra":1}`, 400, "invalid_request", "extra"},
		{"/decode", "POST", `{"count":"three"}`, 400, "invalid_request", "count"},
		{"/decode", "POST", ``, 400, "invalid_request", "body"},
		{"/decode", "POST", `{} {}`, 400, "invalid_request", "body"},
		{"/decode", "POST", `{"NAME":"a"}`, 400, "invalid_request", "NAME"},
		{"/decode", "POST", `{"n\u0041me":"a"}`, 400, "invalid_request", "nAme"},
		{"/decode", "POST", `{"name":"a"}}`, 400, "invalid_request", "body"},
		{"/decode", "POST", `{"name":"a"}]`, 400, "invalid_request", "body"},
	}
	for _, tc := range cases {
		t.Run(tc.method+tc.path+tc.body, func(t *testing.T) {
			status, env, h := do(t, s, tc.method, tc.path, tc.body)
			if status != tc.status || env.Error == nil || env.Error.Code != tc.code {
				t.Fatalf("got %d %+v, want %d %s", status, env.Error, tc.status, tc.code)
			}
			if env.Error.RequestID != "req-1" || h.Get(web.HeaderRequestID) != "req-1" {
				t.Errorf("request id not echoed: %+v", env.Error)
			}
			if tc.field != "" && env.Error.Fields[tc.field] == "" {
				t.Errorf("fields %v lack %q", env.Error.Fields, tc.field)
			}
			if status == 500 && strings.Contains(env.Error.Message, "hunter2") {
				t.Error("a 5xx body leaked the cause")
			}
		})
	}
}

func TestReadyNamesTheFailingDependency(t *testing.T) {
	s := newServer()
	s.Ready(web.Check{Name: "postgres", Fn: func(context.Context) error { return nil }},
		web.Check{Name: "redis", Fn: func(context.Context) error { return errors.New("connection refused") }})
	req := httptest.NewRequest("GET", "/readyz", nil)
	rec := httptest.NewRecorder()
	s.Echo.ServeHTTP(rec, req)
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "redis") || strings.Contains(rec.Body.String(), "postgres") ||
		strings.Contains(rec.Body.String(), "refused") {
		t.Fatalf("readyz: %d %s", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	s.Echo.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Fatalf("healthz: %d", rec.Code)
	}
	do(t, s, "GET", "/taken", "")
	rec = httptest.NewRecorder()
	s.Echo.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `http_request_duration_seconds_count{method="GET",route="/taken",service="t",status="409"} 1`) {
		t.Fatalf("metrics lack the request:\n%s", rec.Body.String())
	}
}

func TestDecodeRefusesBodiesOverTheLimit(t *testing.T) {
	s := newServer()
	big := `{"name":"` + strings.Repeat("x", web.MaxBody) + `"}`
	status, env, _ := do(t, s, "POST", "/decode", big)
	if status != 413 || env.Error == nil || env.Error.Code != "body_too_large" {
		t.Fatalf("got %d %+v", status, env.Error)
	}
}

func TestEscapedExactKeysAndColonsInValuesPass(t *testing.T) {
	s := newServer()
	for _, body := range []string{`{"n\u0061me":"a:b","count":1}`, `{"name":"\"count\":"}`} {
		req := httptest.NewRequest("POST", "/decode", strings.NewReader(body))
		rec := httptest.NewRecorder()
		s.Echo.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Errorf("%s: %d %s", body, rec.Code, rec.Body.String())
		}
	}
}

// TestDecodeChecksTheMediaType: JSON, a +json type or none is read; any
// other declared type is a 415, whatever the body.
func TestDecodeChecksTheMediaType(t *testing.T) {
	s := newServer()
	for ct, want := range map[string]int{
		"": 200, "application/json": 200, "application/json; charset=utf-8": 200, "application/merge-patch+json": 200,
		"text/plain": 415, "application/x-www-form-urlencoded": 415, "multipart/form-data; boundary=x": 415, "json": 415,
	} {
		req := httptest.NewRequest("POST", "/decode", strings.NewReader(`{"name":"a","count":1}`))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		s.Echo.ServeHTTP(rec, req)
		var env web.Envelope
		_ = json.Unmarshal(rec.Body.Bytes(), &env)
		if rec.Code != want || (want == 415 && (env.Error == nil || env.Error.Code != "unsupported_media_type")) {
			t.Errorf("Content-Type %q: %d %s, want %d", ct, rec.Code, rec.Body.String(), want)
		}
	}
}

// TestRuleMessageIsTheSentinels: a rule without a message answers with its
// sentinel's text, never the chain wrapped around it (function names,
// ids, causes stay in the log).
func TestRuleMessageIsTheSentinels(t *testing.T) {
	s := newServer()
	status, env, _ := do(t, s, "GET", "/taken", "")
	if status != 409 || env.Error == nil || env.Error.Message != errTaken.Error() {
		t.Fatalf("got %d %+v, want 409 with message %q", status, env.Error, errTaken.Error())
	}
}

// TestProfilingOnlyOnTheAdminListener: /debug/pprof/ is served on the admin
// port when asked for, never on the public one.
func TestProfilingOnlyOnTheAdminListener(t *testing.T) {
	for _, profiling := range []bool{true, false} {
		s := web.New(web.Options{Service: "t", Log: logging.Discard(), PrivateMetrics: true, Profiling: profiling})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.ServeAdmin(ctx, addr, web.Config{ShutdownTimeout: time.Second}) }()
		want := map[bool]int{true: http.StatusOK, false: http.StatusNotFound}[profiling]
		if got := getStatus(t, "http://"+addr+"/debug/pprof/goroutine?debug=1"); got != want {
			t.Errorf("profiling %v: admin answered %d, want %d", profiling, got, want)
		}
		if code, _, _ := do(t, s, http.MethodGet, "/debug/pprof/goroutine?debug=1", ""); code != http.StatusNotFound {
			t.Errorf("profiling %v: public port answered %d", profiling, code)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// goroutine) and returns the status.
func getStatus(t *testing.T, url string) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			return res.StatusCode
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAnAbortedAnswerIsStillCounted: http.ErrAbortHandler (how a reverse
// proxy ends a stream its client closed) passes through as a panic, and
// the request still reaches the latency histogram.
func TestAnAbortedAnswerIsStillCounted(t *testing.T) {
	s := newServer()
	s.Echo.GET("/aborted", func(c echo.Context) error {
		c.Response().WriteHeader(http.StatusOK)
		panic(http.ErrAbortHandler)
	})
	func() {
		defer func() {
			if r := recover(); r != http.ErrAbortHandler {
				t.Fatalf("recovered %v, want http.ErrAbortHandler passed through", r)
			}
		}()
		s.Echo.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/aborted", nil))
	}()
	families, err := s.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "http_request_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" && l.GetValue() == "/aborted" && m.GetHistogram().GetSampleCount() == 1 {
					return
				}
			}
		}
	}
	t.Fatal("the aborted request is not in http_request_duration_seconds")
}
