// Package http is the command service's REST port: it verifies the
// caller's guest token itself (no identity header is trusted), translates
// requests into use-case calls and domain errors into the one error shape.
package http

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/web"
)

// Errors maps the command service's domain errors to HTTP answers.
var Errors = web.ErrorTable(holdErrors)

// Register adds the command routes to e. Every route acts for a guest: v
// verifies the bearer token on each request.
func Register(e *echo.Echo, v *auth.Verifier, holds HoldUseCases) error {
	if v == nil {
		return errors.New("command http: nil verifier")
	}
	if err := holds.check(); err != nil {
		return err
	}
	g := e.Group("/v1", web.RequireGuest(v))
	holdHandlers{uc: holds}.register(g)
	return nil
}
