package http

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/gateway/internal/limits"
	"github.com/altisair/altis/services/gateway/internal/proxy"
)

// Deps is everything the routes need; Register refuses a missing one.
type Deps struct {
	Tokens      *GuestTokens
	Tickets     *StreamTickets
	Verifier    *auth.Verifier
	Upstreams   map[proxy.Target]*proxy.Upstream
	Limiter     *limits.Limiter // every /v1 request, per client IP
	GuestLimits *limits.Limiter // POST /v1/auth/guest, per client IP
	Metrics     *Metrics
	BodyLimit   int64
	CORSOrigins []string // empty: no CORS headers at all
}

func (d Deps) check() error {
	if d.Tokens == nil || d.Tickets == nil || d.Verifier == nil || d.Limiter == nil || d.GuestLimits == nil || d.Metrics == nil {
		return errors.New("http: missing dependency")
	}
	for _, r := range proxy.Routes() {
		if d.Upstreams[r.Target] == nil {
			return errors.New("http: no upstream for " + string(r.Target))
		}
	}
	if d.BodyLimit <= 0 {
		return errors.New("http: body limit must be positive")
	}
	return nil
}

// streamParam is the path parameter a stream ticket must name: the flight
// in /v1/flights/:id/stream and /v1/flights/:id/stream-ticket.
const streamParam = "id"

// Register installs CORS and the /v1 routes on e.
//
// Client IPs come from the TCP connection only: X-Forwarded-For and
// X-Real-IP are not trusted, or any client could pick its rate-limit bucket.
// Behind a load balancer that must change (to trusted proxy ranges).
func Register(e *echo.Echo, d Deps) error {
	if err := d.check(); err != nil {
		return err
	}
	e.IPExtractor = echo.ExtractIPDirect()
	if len(d.CORSOrigins) > 0 {
		e.Use(cors(d.CORSOrigins))
	}
	// The edge's checks run per route, not on the group: echo gives a group
	// with middleware a catch-all route, which would answer 404 where the
	// path exists with another method (405). The per-client rate limit
	// covers every /v1 path, unknown ones too.
	e.Use(underV1(rateLimit(d.Limiter, "client", d.Metrics)))
	edge := []echo.MiddlewareFunc{stripGuest, canonicalPath, limitBody(d.BodyLimit)}
	with := func(mw ...echo.MiddlewareFunc) []echo.MiddlewareFunc { return append(slices.Clone(edge), mw...) }
	v1 := e.Group("/v1")
	v1.POST("/auth/guest", d.Tokens.Handle, with(rateLimit(d.GuestLimits, "guest_tokens", d.Metrics))...)
	guest := requireGuest(d.Verifier, d.Metrics)
	v1.POST("/flights/:"+streamParam+"/stream-ticket", d.Tickets.Handle, with(guest)...)
	stream := requireGuestOrTicket(d.Verifier, d.Metrics, streamParam)
	for _, r := range proxy.Routes() {
		v1.Add(r.Method, strings.TrimPrefix(r.Path, "/v1"), forward(d.Upstreams[r.Target], r), with(access(r, guest, stream)...)...)
	}
	return nil
}

// underV1 applies mw to requests under /v1 only (not health or metrics).
func underV1(mw echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		limited := mw(next)
		return func(c echo.Context) error {
			if p := c.Request().URL.Path; p == "/v1" || strings.HasPrefix(p, "/v1/") {
				return limited(c)
			}
			return next(c)
		}
	}
}

// access is the check a route needs: none for public routes, a ticket or a
// token for guest streams, a token for every other guest route.
func access(r proxy.Route, guest, stream echo.MiddlewareFunc) []echo.MiddlewareFunc {
	switch {
	case r.Access != proxy.Guest:
		return nil
	case r.Stream:
		return []echo.MiddlewareFunc{stream}
	}
	return []echo.MiddlewareFunc{guest}
}

// forward hands the request to the upstream; its errors go to the table.
func forward(up *proxy.Upstream, r proxy.Route) echo.HandlerFunc {
	return func(c echo.Context) error {
		w := newInterimAware(c.Response())
		if r.Stream {
			return up.Stream(w, c.Request())
		}
		return up.Forward(w, c.Request(), r.Read)
	}
}

// interimAware is the response the reverse proxy writes to. An upstream's
// interim 1xx answer (100 Continue, 103 Early Hints) goes straight to the
// client: echo's Response would take the first WriteHeader as the final
// status, commit it and drop the real one. The proxy also clears the
// header map after each interim answer, so it gets a map of its own,
// merged over the response's own headers (request id, CORS, …) when the
// final status is written.
type interimAware struct {
	*echo.Response
	header http.Header
}

func newInterimAware(r *echo.Response) *interimAware {
	return &interimAware{Response: r, header: http.Header{}}
}

// Header is the proxy's own header map.
func (w *interimAware) Header() http.Header { return w.header }

func (w *interimAware) WriteHeader(code int) {
	own := w.Response.Header()
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		saved := own.Clone()
		clear(own)
		for k, v := range w.header {
			own[k] = v
		}
		w.Response.Writer.WriteHeader(code)
		clear(own)
		for k, v := range saved {
			own[k] = v
		}
		return
	}
	for k, v := range w.header {
		own[k] = v
	}
	w.Response.WriteHeader(code)
}

func (w *interimAware) Write(b []byte) (int, error) {
	if !w.Committed {
		w.WriteHeader(http.StatusOK)
	}
	return w.Response.Write(b)
}

func cors(origins []string) echo.MiddlewareFunc {
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:  origins,
		AllowMethods:  []string{http.MethodGet, http.MethodPost, http.MethodDelete},
		AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, "Idempotency-Key", "Last-Event-ID", web.HeaderRequestID},
		ExposeHeaders: []string{web.HeaderRequestID, "Retry-After", "Idempotent-Replayed"},
		MaxAge:        600,
	})
}
