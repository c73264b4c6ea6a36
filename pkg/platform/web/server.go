// Package web is the HTTP plumbing every Altis service shares: an echo
// server with request ids, one log line per request, Prometheus metrics,
// health endpoints, the one error envelope and graceful shutdown.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/altisair/altis/pkg/platform/logging"
)

// HeaderRequestID carries the request id between the gateway and services.
const HeaderRequestID = "X-Request-Id"

const requestIDKey = "request_id"

// Options configure a server.
type Options struct {
	Service  string
	Log      *slog.Logger
	Errors   ErrorTable
	Registry *prometheus.Registry // nil: a new one with Go and process collectors
	// PrivateMetrics moves /metrics off the main listener onto the one
	// ServeAdmin starts: an edge service keeps its metrics off the internet.
	PrivateMetrics bool
	// Profiling adds net/http/pprof's /debug/pprof/ to the admin listener
	// (PrivateMetrics only): never on the public port.
	Profiling bool
	// Info is the few key/value pairs an operator needs, added to the one
	// line logged when the server starts serving.
	Info []any
}

// Server is an echo instance with Altis's middleware installed.
type Server struct {
	Echo     *echo.Echo
	Registry *prometheus.Registry
	log      *slog.Logger
	admin    *echo.Echo // nil unless PrivateMetrics
	info     []any

	draining   atomic.Bool // set when the stop begins: /readyz answers 503
	onShutdown []func()
	stopping   chan struct{} // closed when the listener closes
	stopOnce   sync.Once     // a Server served twice closes it once
}

// New builds a Server. Routes are added to s.Echo by the caller.
func New(o Options) *Server {
	reg := o.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	e := newEcho(o.Log, o.Errors, observe(o.Log, reg, o.Service))
	e.GET("/healthz", healthz)
	s := &Server{Echo: e, Registry: reg, log: o.Log, info: o.Info, stopping: make(chan struct{})}
	metricsOn := e
	if o.PrivateMetrics {
		s.admin = newEcho(o.Log, o.Errors)
		s.admin.GET("/healthz", healthz)
		metricsOn = s.admin
		if o.Profiling {
			profiling(s.admin)
		}
	}
	metricsOn.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	return s
}

// profiling serves the runtime's profiles, as net/http/pprof does.
func profiling(e *echo.Echo) {
	e.GET("/debug/pprof/*", echo.WrapHandler(http.HandlerFunc(pprof.Index)))
	e.GET("/debug/pprof/cmdline", echo.WrapHandler(http.HandlerFunc(pprof.Cmdline)))
	e.GET("/debug/pprof/profile", echo.WrapHandler(http.HandlerFunc(pprof.Profile)))
	e.GET("/debug/pprof/symbol", echo.WrapHandler(http.HandlerFunc(pprof.Symbol)))
	e.GET("/debug/pprof/trace", echo.WrapHandler(http.HandlerFunc(pprof.Trace)))
}

// newEcho is an echo instance that answers every error, its own router's
// 404 and 405 included, in the one shape with the security headers, and
// turns a panic into a 500 with the stack in the log.
func newEcho(log *slog.Logger, table ErrorTable, mw ...echo.MiddlewareFunc) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(log, table)
	e.Use(secure, requestID)
	e.Use(mw...)
	e.Use(recoverPanics(log))
	return e
}

func healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// RequestID returns the id of the request being served.
func RequestID(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(HeaderRequestID)
		if id == "" || len(id) > 128 {
			id = uuid.NewString()
		}
		c.Set(requestIDKey, id)
		c.Request().Header.Set(HeaderRequestID, id)
		c.Response().Header().Set(HeaderRequestID, id)
		c.SetRequest(c.Request().WithContext(logging.WithRequestID(c.Request().Context(), id)))
		return next(c)
	}
}

func recoverPanics(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					if r == http.ErrAbortHandler {
						panic(r)
					}
					log.ErrorContext(c.Request().Context(), "panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
					err = errors.New("panic recovered")
				}
			}()
			return next(c)
		}
	}
}

// observe commits the handler's error, then logs one line and records the
// latency with the final status.
func observe(log *slog.Logger, reg *prometheus.Registry, service string) echo.MiddlewareFunc {
	hist := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:        "http_request_duration_seconds",
		Help:        "HTTP request latency by route and status.",
		ConstLabels: prometheus.Labels{"service": service},
		Buckets:     []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"method", "route", "status"})
	reg.MustRegister(hist)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			record := func() {
				route := c.Path()
				if route == "" {
					route = "unmatched"
				}
				status := c.Response().Status
				hist.WithLabelValues(c.Request().Method, route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
				if quietPaths[route] {
					return
				}
				log.InfoContext(c.Request().Context(), "request",
					"method", c.Request().Method, "path", c.Request().URL.Path, "status", status,
					"bytes", c.Response().Size, "duration_ms", float64(time.Since(start).Microseconds())/1000)
			}
			// http.ErrAbortHandler (a proxied stream its client closed)
			// passes through as a panic: it is still a request to count.
			defer func() {
				if r := recover(); r != nil {
					record()
					panic(r)
				}
			}()
			if err := next(c); err != nil {
				c.Error(err)
			}
			record()
			return nil
		}
	}
}

var quietPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// Check reports whether one dependency answers.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Ready installs /readyz: 200 when every check passes within a second,
// otherwise 503 naming the failed dependencies (their causes go to the log);
// 503 without asking anyone once the server is stopping.
func (s *Server) Ready(checks ...Check) {
	s.Echo.GET("/readyz", func(c echo.Context) error {
		if s.draining.Load() {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), time.Second)
		defer cancel()
		failed, causes := map[string]string{}, map[string]string{}
		for _, ch := range checks {
			if err := ch.Fn(ctx); err != nil {
				failed[ch.Name], causes[ch.Name] = "unavailable", err.Error()
			}
		}
		if len(failed) > 0 {
			// The causes (addresses, driver messages) go to the log only.
			s.log.WarnContext(ctx, "not ready", "failed", causes)
			return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "failed": failed})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
}
