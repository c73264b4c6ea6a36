package http

import (
	"net/http"
	"path"
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

// rateLimit refuses a client (by connection IP) whose bucket is empty.
func rateLimit(l *limits.Limiter, name string, m *Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ok, wait := l.Allow(limits.ClientKey(c.RealIP()), time.Now())
			if !ok {
				m.limited.WithLabelValues(name).Inc()
				return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
					Message: "too many requests", RetryAfter: wait}
			}
			return next(c)
		}
	}
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
