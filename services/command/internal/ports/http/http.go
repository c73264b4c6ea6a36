// Package http is the command service's REST port: it translates requests
// into use-case calls and domain errors into the one error shape.
package http

import (
	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/web"
)

// Errors maps the command service's domain errors to HTTP answers.
var Errors = web.ErrorTable{}

// Register adds the command routes to e.
func Register(e *echo.Echo) {}
