package http

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/web"
)

// GuestTokens serves POST /v1/auth/guest.
type GuestTokens struct {
	issuer  *auth.Issuer
	metrics *Metrics
}

// NewGuestTokens refuses nil dependencies.
func NewGuestTokens(issuer *auth.Issuer, metrics *Metrics) (*GuestTokens, error) {
	if issuer == nil || metrics == nil {
		return nil, errors.New("http: guest tokens need an issuer and metrics")
	}
	return &GuestTokens{issuer: issuer, metrics: metrics}, nil
}

type guestTokenResponse struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
}

// Handle answers 201 with a new token. The body must be empty or {}.
func (h *GuestTokens) Handle(c echo.Context) error {
	if err := emptyObject(c); err != nil {
		return err
	}
	tok, err := h.issuer.Issue()
	if err != nil {
		return err
	}
	h.metrics.issued.Inc()
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, toResponse(tok))
}

func toResponse(t auth.Token) guestTokenResponse {
	return guestTokenResponse{Token: t.Value, ExpiresAt: t.ExpiresAt.UTC().Format(time.RFC3339)}
}

// emptyObject accepts no body or a JSON object without fields.
func emptyObject(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errBodyTooLarge()
	case err != nil:
		return web.NewError(http.StatusBadRequest, "invalid_request", "could not read request body")
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if err := web.CheckJSONType(c.Request()); err != nil {
		return err
	}
	if body[0] != '{' {
		return web.Invalid(map[string]string{"body": "must be empty or {}"})
	}
	return web.Unmarshal(body, &struct{}{})
}
