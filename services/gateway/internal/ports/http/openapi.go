package http

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/apidoc"
)

// openAPIPath is where the gateway serves the API's contract.
const openAPIPath = "/openapi.json"

// registerOpenAPI serves the OpenAPI document (pkg/apidoc): public, no
// token, cacheable for five minutes and revalidated by its ETag.
func registerOpenAPI(e *echo.Echo) {
	doc := apidoc.JSON()
	sum := sha256.Sum256(doc)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	e.GET(openAPIPath, func(c echo.Context) error {
		h := c.Response().Header()
		h.Set(echo.HeaderCacheControl, "public, max-age=300")
		h.Set("ETag", etag)
		if c.Request().Header.Get("If-None-Match") == etag {
			return c.NoContent(http.StatusNotModified)
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, doc)
	})
}
