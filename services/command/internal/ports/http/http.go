// Package http is the command service's REST port: it translates requests
// into use-case calls and domain errors into the one error shape.
//
// The write API (trip and seat holds, bookings) arrives with its issues;
// until then the command service migrates, seeds, runs the outbox relay and
// answers health, and the gateway's command routes answer 404 from here.
package http

import (
	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/web"
)

// Errors maps the command service's domain errors to HTTP answers.
var Errors = web.ErrorTable{}

// Register adds the command routes to e (none yet, see the package comment).
func Register(*echo.Echo) {}
