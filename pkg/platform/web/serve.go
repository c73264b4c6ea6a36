package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"
)

// Serve listens on c.Addr() until ctx ends, then drains (see
// ServeListener).
func (s *Server) Serve(ctx context.Context, c Config) error {
	ln, err := net.Listen("tcp", c.Addr())
	if err != nil {
		return fmt.Errorf("listen %s: %w", c.Addr(), err)
	}
	return s.ServeListener(ctx, ln, c)
}

// ServeListener serves on ln until ctx ends, then stops in this order,
// all within c.ShutdownTimeout of ctx ending:
//  1. /readyz answers 503 for c.DrainDelay, so load balancers stop
//     sending new requests while the listener still accepts them;
//  2. the listener closes, idle connections close, and the OnShutdown
//     functions run (they end long answers such as event streams);
//  3. requests in flight finish; connections still open at the deadline
//     are cut.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener, c Config) error {
	srv := s.httpServer(s.Echo, c)
	srv.RegisterOnShutdown(func() { s.stopOnce.Do(func() { close(s.stopping) }) })
	for _, f := range s.onShutdown {
		srv.RegisterOnShutdown(f)
	}
	s.log.Info("serving", append([]any{"addr", ln.Addr().String(), "version", version()}, s.info...)...)
	return s.run(ctx, srv, ln, c, func() {
		s.draining.Store(true)
		s.log.Info("draining", "drain_delay", c.DrainDelay.String(), "shutdown_timeout", c.ShutdownTimeout.String())
	})
}

// ServeAdmin serves /metrics and /healthz on addr when PrivateMetrics is
// set, with c's timeouts, until ctx ends.
func (s *Server) ServeAdmin(ctx context.Context, addr string, c Config) error {
	if s.admin == nil {
		return errors.New("web: ServeAdmin needs Options.PrivateMetrics")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	s.log.Debug("admin listening", "addr", ln.Addr().String())
	return s.run(ctx, s.httpServer(s.admin, c), ln, c, func() {})
}

// OnShutdown registers f to run when the listener closes: a handler that
// holds its response open (an event stream) must end then, because the
// server only waits for requests to finish.
func (s *Server) OnShutdown(f func()) { s.onShutdown = append(s.onShutdown, f) }

// Stopping is closed when the listener closes, as the OnShutdown
// functions run; a handler that holds its response open selects on it.
func (s *Server) Stopping() <-chan struct{} { return s.stopping }

func (s *Server) httpServer(h http.Handler, c Config) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.ReadHeaderTimeout,
		ReadTimeout:       c.ReadTimeout,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       c.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// run serves until ctx ends, calls drain, waits the drain delay and shuts
// srv down by the deadline.
func (s *Server) run(ctx context.Context, srv *http.Server, ln net.Listener, c Config, drain func()) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	drain()
	wait := time.NewTimer(c.DrainDelay)
	defer wait.Stop()
	<-wait.C
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("shutdown timeout: cutting open connections", "shutdown_timeout", c.ShutdownTimeout.String())
		err = srv.Close()
	}
	<-errc // http.ErrServerClosed
	return err
}

// KeepOpen lifts the server's write deadline for a response that stays
// open (an event stream), which WriteTimeout would cut. (ReadTimeout does
// not reach it: once a bodiless request is read the server clears the read
// deadline itself.) A writer without deadlines (a test recorder) has
// nothing to lift.
func KeepOpen(w http.ResponseWriter) error {
	err := http.NewResponseController(w).SetWriteDeadline(time.Time{})
	if errors.Is(err, http.ErrNotSupported) {
		return nil
	}
	return err
}

// version is the build's VCS revision (or module version) for the start
// line.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, st := range bi.Settings {
		switch st.Key {
		case "vcs.revision":
			rev = st.Value
		case "vcs.modified":
			dirty = st.Value == "true"
		}
	}
	switch {
	case rev == "":
		return bi.Main.Version
	case len(rev) > 12:
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}
