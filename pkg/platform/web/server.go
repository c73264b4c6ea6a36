// Package web is the HTTP plumbing every Altis service shares: an echo
// server with request ids, one log line per request, Prometheus metrics,
// health endpoints, the one error envelope and graceful shutdown.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/altisair/altis/pkg/platform/config"
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
}

// Server is an echo instance with Altis's middleware installed.
type Server struct {
	Echo     *echo.Echo
	Registry *prometheus.Registry
	log      *slog.Logger
	admin    *echo.Echo // nil unless PrivateMetrics
}

// New builds a Server. Routes are added to s.Echo by the caller.
func New(o Options) *Server {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	reg := o.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	e.HTTPErrorHandler = errorHandler(o.Log, o.Errors)
	e.Use(requestID, observe(o.Log, reg, o.Service), recoverPanics(o.Log))
	e.GET("/healthz", healthz)
	s := &Server{Echo: e, Registry: reg, log: o.Log}
	metricsOn := e
	if o.PrivateMetrics {
		s.admin = echo.New()
		s.admin.HideBanner, s.admin.HidePort = true, true
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

func healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// ServeAdmin serves /metrics and /healthz on addr when PrivateMetrics is set.
func (s *Server) ServeAdmin(ctx context.Context, addr string, grace time.Duration) error {
	if s.admin == nil {
		return errors.New("web: ServeAdmin needs Options.PrivateMetrics")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return serve(ctx, s.admin, ln, grace, s.log)
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
					log.ErrorContext(c.Request().Context(), "panic", "panic", fmt.Sprint(r))
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
			if err := next(c); err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			status := c.Response().Status
			hist.WithLabelValues(c.Request().Method, route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
			if quietPaths[route] {
				return nil
			}
			log.InfoContext(c.Request().Context(), "request",
				"method", c.Request().Method, "path", c.Request().URL.Path, "status", status,
				"bytes", c.Response().Size, "duration_ms", float64(time.Since(start).Microseconds())/1000)
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
// otherwise 503 naming the failures (and a warning in the log).
func (s *Server) Ready(checks ...Check) {
	s.Echo.GET("/readyz", func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), time.Second)
		defer cancel()
		failed := map[string]string{}
		for _, ch := range checks {
			if err := ch.Fn(ctx); err != nil {
				failed[ch.Name] = err.Error()
			}
		}
		if len(failed) > 0 {
			s.log.WarnContext(ctx, "not ready", "failed", failed)
			return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "failed": failed})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
}

// Config is the listening part of a service section; services embed it
// with `koanf:",squash"`.
type Config struct {
	// Host is the interface to listen on: "127.0.0.1" keeps an internal
	// service off the network, "0.0.0.0" is every interface (containers,
	// the public edge).
	Host            string        `koanf:"host"`
	Port            int           `koanf:"port"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
}

// Validate checks the host, the port and the drain time. An empty host is
// refused: every interface must be asked for ("0.0.0.0"), never a default.
func (c Config) Validate() error {
	if err := CheckHost("host", c.Host); err != nil {
		return err
	}
	switch {
	case c.Port < 1 || c.Port > 65535:
		return config.Invalid("port", "must be between 1 and 65535")
	case c.ShutdownTimeout <= 0:
		return config.Invalid("shutdown_timeout", "must be positive")
	}
	return nil
}

// Addr is the address to listen on: host and port ("" host: every
// interface).
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// CheckHost refuses a listen host that is neither an IP literal nor a host
// name; key names the setting in the error.
func CheckHost(key, host string) error {
	if net.ParseIP(host) != nil || isHostname(host) {
		return nil
	}
	return config.Invalid(key, "must be an IP address or a host name (0.0.0.0: every interface), got %q", host)
}

// isHostname accepts RFC 1123 names: dot-separated labels of 1 to 63
// letters, digits and inner hyphens, at most 253 bytes, and a last label
// that is not all digits (that would be a malformed IP address).
func isHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if !isLabel(l) {
			return false
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

func isLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// Serve listens on addr until ctx ends, then drains in-flight requests for
// up to grace before closing.
func (s *Server) Serve(ctx context.Context, addr string, grace time.Duration) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return s.ServeListener(ctx, ln, grace)
}

// ServeListener is Serve on an existing listener (tests use port 0).
func (s *Server) ServeListener(ctx context.Context, ln net.Listener, grace time.Duration) error {
	return serve(ctx, s.Echo, ln, grace, s.log)
}

func serve(ctx context.Context, h http.Handler, ln net.Listener, grace time.Duration, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close()
	}
	return err
}
