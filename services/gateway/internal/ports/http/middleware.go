package http

import (
	"net/http"
	"path"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/gateway/internal/auth"
	"github.com/altisair/altis/services/gateway/internal/limits"
)

// stripGuest deletes any guest id a client sent: only requireGuest sets it.
func stripGuest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Request().Header.Del(web.HeaderGuestID)
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

// requireGuest verifies the bearer token and passes its sub on as the guest
// header; the proxy drops Authorization.
func requireGuest(v *auth.Verifier, m *Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			guest, err := verify(v, c.Request().Header.Get(echo.HeaderAuthorization))
			if err != nil {
				m.rejected.WithLabelValues(auth.Reason(err)).Inc()
				return err
			}
			c.Request().Header.Set(web.HeaderGuestID, guest)
			return next(c)
		}
	}
}

func verify(v *auth.Verifier, header string) (string, error) {
	raw, err := auth.BearerToken(header)
	if err != nil {
		return "", err
	}
	return v.Verify(raw)
}
