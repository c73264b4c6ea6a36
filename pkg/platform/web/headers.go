package web

import "github.com/labstack/echo/v4"

// securityHeaders are sent on every answer, errors included. The services
// speak JSON only: nothing may be sniffed as another type, framed, embedded
// by another origin, or leak the page it came from. Answers are not cached
// (they carry holds, prices and tokens); a handler whose answer may be
// cached sets its own Cache-Control, which replaces this one.
//
// Strict-Transport-Security is not sent: the services speak plain HTTP
// behind whatever terminates TLS, and that is where HSTS belongs. A request
// that did arrive over TLS gets it.
var securityHeaders = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{"Cache-Control", "no-store"},
}

// hsts is sent only on requests that arrived over TLS.
const hsts = "max-age=31536000; includeSubDomains"

func secure(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		for _, kv := range securityHeaders {
			h.Set(kv[0], kv[1])
		}
		if c.Request().TLS != nil {
			h.Set("Strict-Transport-Security", hsts)
		}
		return next(c)
	}
}
