package http

import (
	"errors"
	"net"
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
	Limits      *limits.Limiter // the budgets limits names, each route spends one
	Metrics     *Metrics
	BodyLimit   int64
	CORSOrigins []string // empty: no CORS headers at all
	// TrustedProxies are the peers whose X-Forwarded-For is believed; none
	// by default: the client address is the TCP peer's.
	TrustedProxies []*net.IPNet

	// Stopping is closed when the gateway stops: open streams end (nil: never).
	Stopping <-chan struct{}
}

func (d Deps) check() error {
	if d.Tokens == nil || d.Tickets == nil || d.Verifier == nil || d.Limits == nil || d.Metrics == nil {
		return errors.New("http: missing dependency")
	}
	for _, b := range []string{limits.Search, limits.Holds, limits.Commits, limits.Tokens} {
		if d.Limits.Policy(b) == nil {
			return errors.New("http: no rate-limit budget " + b)
		}
	}
	for _, r := range proxy.Routes() {
		if d.Upstreams[r.Target] == nil {
			return errors.New("http: no upstream for " + string(r.Target))
		}
		if _, err := budget(r); err != nil {
			return err
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
// The client address is the TCP peer's, or, when the peer is one of
// d.TrustedProxies, the right-most X-Forwarded-For address that is not;
// X-Real-IP is never read, so no client picks its own rate-limit subject.
func Register(e *echo.Echo, d Deps) error {
	if err := d.check(); err != nil {
		return err
	}
	e.IPExtractor = clientIP(d.TrustedProxies)
	registerOpenAPI(e)
	if len(d.CORSOrigins) > 0 {
		e.Use(cors(d.CORSOrigins))
	}
	// The edge's checks run per route, not on the group: echo gives a group
	// with middleware a catch-all route, which would answer 404 where the
	// path exists with another method (405). Each route spends its own
	// budget after authentication; a /v1 request no route takes spends the
	// client address's search budget (routed is filled below).
	lim := func(name string) echo.MiddlewareFunc { return limit(d.Limits.Policy(name), d.Metrics) }
	routed := map[routeKey]bool{}
	e.Use(limitUnrouted(routed, lim(limits.Search)))
	edge := []echo.MiddlewareFunc{stripGuest, canonicalPath, limitBody(d.BodyLimit)}
	v1 := e.Group("/v1")
	add := func(method, path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
		routed[routeKey{method, path}] = true
		v1.Add(method, strings.TrimPrefix(path, "/v1"), h, append(slices.Clone(edge), mw...)...)
	}
	add(http.MethodPost, "/v1/auth/guest", d.Tokens.Handle, lim(limits.Tokens))
	guest := requireGuest(d.Verifier, d.Metrics)
	add(http.MethodPost, "/v1/flights/:"+streamParam+"/stream-ticket", d.Tickets.Handle, limitFailures(lim(limits.Search)), guest, lim(limits.Search))
	stream := requireGuestOrTicket(d.Verifier, d.Metrics, streamParam)
	for _, r := range proxy.Routes() {
		b, _ := budget(r) // d.check found one for every route
		add(r.Method, r.Path, forward(d.Upstreams[r.Target], r, d.Stopping), checked(access(r, guest, stream), lim(b))...)
	}
	return nil
}

// budget is the rate-limit budget a proxied route spends: search for
// everything under /v1/flights/ (search, seat maps, seat streams), commits
// for POSTs under /v1/bookings/ (commit, cancel), holds for the rest of a
// guest's trip and bookings.
func budget(r proxy.Route) (string, error) {
	switch {
	case strings.HasPrefix(r.Path, "/v1/flights/"):
		return limits.Search, nil
	case strings.HasPrefix(r.Path, "/v1/bookings/") && r.Method == http.MethodPost:
		return limits.Commits, nil
	case strings.HasPrefix(r.Path, "/v1/holds/"), strings.HasPrefix(r.Path, "/v1/bookings/"):
		return limits.Holds, nil
	}
	return "", errors.New("http: no rate-limit budget for " + r.Method + " " + r.Path)
}

// routeKey is a registered route as echo reports it: method and c.Path().
type routeKey struct{ method, path string }

// limitUnrouted applies lim to /v1 requests no route of routed takes (404,
// 405), so probing unknown paths is not free; health and metrics are not
// limited.
func limitUnrouted(routed map[routeKey]bool, lim echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		limited := lim(next)
		return func(c echo.Context) error {
			p := c.Request().URL.Path
			if (p != "/v1" && !strings.HasPrefix(p, "/v1/")) || routed[routeKey{c.Request().Method, c.Path()}] {
				return next(c)
			}
			return limited(c)
		}
	}
}

// clientIP reads the client address from the TCP peer, or from
// X-Forwarded-For when the peer is a trusted proxy: the right-most address
// that is not a trusted proxy (echo's extractor, with its defaults of
// trusting loopback and private ranges turned off).
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// checked is a route's token check (if any) and its limit: the guest's
// budget once the check passes, the client address's when it fails.
func checked(check []echo.MiddlewareFunc, lim echo.MiddlewareFunc) []echo.MiddlewareFunc {
	if len(check) == 0 {
		return []echo.MiddlewareFunc{lim}
	}
	return append([]echo.MiddlewareFunc{limitFailures(lim)}, append(check, lim)...)
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
func forward(up *proxy.Upstream, r proxy.Route, stopping <-chan struct{}) echo.HandlerFunc {
	return func(c echo.Context) error {
		w := newInterimAware(c.Response())
		if r.Stream {
			if err := web.KeepOpen(c.Response()); err != nil {
				return err
			}
			return streamUntilStop(up, w, c.Request(), stopping)
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
		ExposeHeaders: []string{web.HeaderRequestID, "Retry-After", "Idempotent-Replayed", headerLimit, headerRemaining, headerReset},
		MaxAge:        600,
	})
}
