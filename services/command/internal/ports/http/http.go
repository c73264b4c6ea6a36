// Package http is the command service's REST port: it verifies the
// caller's guest token itself (no identity header is trusted), translates
// requests into use-case calls and domain errors into the one error shape.
package http

import (
	"errors"
	"log/slog"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/command/internal/app"
)

// Errors maps the command service's domain errors to HTTP answers.
var Errors = slices.Concat(holdErrors, bookingErrors, IdempotencyErrors)

// Deps is everything the routes need; Register refuses a missing one.
type Deps struct {
	Guests      *auth.Verifier
	Holds       HoldUseCases
	Bookings    BookingUseCases
	Idempotency app.Idempotency
	Metrics     *Metrics
	Log         *slog.Logger
}

// Register adds the command routes to e. Every route acts for a guest:
// the bearer token is verified on each request. The POSTs that create
// something take an Idempotency-Key.
func Register(e *echo.Echo, d Deps) error {
	if d.Guests == nil || d.Idempotency == nil || d.Metrics == nil || d.Log == nil {
		return errors.New("command http: missing dependency")
	}
	if err := errors.Join(d.Holds.check(), d.Bookings.check()); err != nil {
		return err
	}
	g := e.Group("/v1", web.RequireGuest(d.Guests))
	idem := Idempotent(d.Idempotency, d.Log)
	holdHandlers{uc: d.Holds, metrics: d.Metrics}.register(g, idem)
	bookingHandlers{uc: d.Bookings, metrics: d.Metrics}.register(g, idem)
	return nil
}
