package http

import (
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/gateway/internal/limits"
)

// headerGuestID is the identity header the gateway once set for the
// services. They verify the token themselves now and ignore it; it is still
// deleted, so no service, old or new, can ever be handed a forged one.
const headerGuestID = "X-Altis-Guest-Id"

// guestKey holds the verified guest id in the echo context.
const guestKey = "guest_id"

// stripGuest deletes any guest id header a client sent.
func stripGuest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Request().Header.Del(headerGuestID)
		return next(c)
	}
}

// canonicalPath answers 404 for paths with "..", "." or empty segments, so
// no upstream router ever has to decide what they mean.
func canonicalPath(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := c.Request().URL.Path
		if cleaned := path.Clean(p); cleaned != p && cleaned+"/" != p {
			return errNotFound()
		}
		return next(c)
	}
}

// limit spends one request of p's budget: the verified guest's on guest
// routes (it runs after requireGuest), the client address's otherwise.
// Every answer carries the budget's RateLimit-* headers; a refusal is 429
// with Retry-After. While Redis fails, the local fallback decides and the
// fallback counter says so.
func limit(p *limits.Policy, m *Metrics) echo.MiddlewareFunc {
	limited, fallback := m.limited.WithLabelValues(p.Name), m.fallback.WithLabelValues(p.Name)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			d, err := p.Allow(c.Request().Context(), subject(c))
			if err != nil {
				fallback.Inc()
			}
			rateHeaders(c.Response().Header(), d)
			if !d.Allowed {
				limited.Inc()
				return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
					Message: "too many requests", RetryAfter: d.RetryAfter}
			}
			return next(c)
		}
	}
}

// limitFailures goes just before a token check: a request the check
// refuses spends lim's budget of the client address (the check set no
// guest), so a flood of bad tokens meets 429 like any other flood, while
// every guest behind that address keeps a budget of its own.
func limitFailures(lim echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			if err == nil || guestID(c) != "" {
				return err
			}
			return lim(func(echo.Context) error { return err })(c)
		}
	}
}

// subject is whose budget c spends.
func subject(c echo.Context) limits.Subject {
	if id := guestID(c); id != "" {
		return limits.Guest(id)
	}
	return limits.Client(c.RealIP())
}

// The rate-limit headers of draft-ietf-httpapi-ratelimit-headers: the
// burst, what is left of it and the seconds until it is whole again.
const (
	headerLimit     = "RateLimit-Limit"
	headerRemaining = "RateLimit-Remaining"
	headerReset     = "RateLimit-Reset"
)

func rateHeaders(h http.Header, d limits.Decision) {
	h.Set(headerLimit, strconv.Itoa(d.Limit))
	h.Set(headerRemaining, strconv.Itoa(d.Remaining))
	h.Set(headerReset, strconv.FormatInt(int64((d.Reset+time.Second-1)/time.Second), 10))
}

// limitBody refuses a declared length over max at once and caps the body
// itself, so a chunked body fails when it passes max (see proxy).
func limitBody(max int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > max {
				return errBodyTooLarge()
			}
			// The server's own writer, so it closes the connection after a 413.
			r.Body = http.MaxBytesReader(c.Response().Writer, r.Body, max)
			return next(c)
		}
	}
}

// requireGuest verifies the bearer token before anything is proxied and
// keeps the guest id for guestID. Authorization goes on to the service,
// which verifies the token again.
func requireGuest(v *auth.Verifier, m *Metrics) echo.MiddlewareFunc {
	return identify(v, m, "")
}

// requireGuestOrTicket is requireGuest for a stream route: without an
// Authorization header, a ?ticket= issued for the flight in the path
// parameter param is accepted instead (EventSource cannot send headers).
// The ticket stays in the URL for the service to verify again.
func requireGuestOrTicket(v *auth.Verifier, m *Metrics, param string) echo.MiddlewareFunc {
	return identify(v, m, param)
}

// identify applies the services' own rule (web.VerifyGuest) and counts
// rejections by reason; the error goes to the gateway's table as it is.
func identify(v *auth.Verifier, m *Metrics, param string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			guest, err := web.VerifyGuest(c, v, param)
			if err != nil {
				m.rejected.WithLabelValues(auth.Reason(err)).Inc()
				return err
			}
			c.Set(guestKey, guest)
			return next(c)
		}
	}
}

// guestID is the guest a verified request belongs to.
func guestID(c echo.Context) string {
	id, _ := c.Get(guestKey).(string)
	return id
}
