package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/auth"
)

const guestKey = "guest_id"

// TicketParam is the query parameter that carries a stream ticket.
const TicketParam = "ticket"

// RequireGuest verifies the request's `Authorization: Bearer <token>` with
// v and makes the guest id available through GuestID. Any failure is a 401
// in the one error shape; every service checks the token itself and trusts
// no identity header.
func RequireGuest(v *auth.Verifier) echo.MiddlewareFunc {
	return requireGuest(v, "")
}

// RequireGuestOrTicket is RequireGuest for streams a browser opens with
// EventSource, which cannot send headers: without an Authorization header,
// a `?ticket=` query parameter is verified as a stream ticket for the
// flight named by the path parameter param.
func RequireGuestOrTicket(v *auth.Verifier, param string) echo.MiddlewareFunc {
	return requireGuest(v, param)
}

// VerifyGuest returns the guest a request belongs to: the subject of its
// bearer token or, when param is not "" and no Authorization header was
// sent, of the `?ticket=` issued for the flight in path parameter param.
// Errors wrap auth's sentinels (auth.Reason names them); the middlewares
// answer them with 401, the gateway maps them itself.
func VerifyGuest(c echo.Context, v *auth.Verifier, param string) (string, error) {
	if param == "" || c.Request().Header.Get(echo.HeaderAuthorization) != "" {
		return bearer(c, v)
	}
	if ticket := c.QueryParam(TicketParam); ticket != "" {
		return v.VerifyTicket(ticket, c.Param(param))
	}
	return bearer(c, v)
}

// GuestID returns the guest id set by RequireGuest or RequireGuestOrTicket.
func GuestID(c echo.Context) string {
	id, _ := c.Get(guestKey).(string)
	return id
}

// requireGuest stores the guest id VerifyGuest finds, or answers 401.
func requireGuest(v *auth.Verifier, param string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id, err := VerifyGuest(c, v, param)
			if err != nil {
				return unauthorized(err)
			}
			c.Set(guestKey, id)
			return next(c)
		}
	}
}

func bearer(c echo.Context, v *auth.Verifier) (string, error) {
	raw, err := auth.BearerToken(c.Request().Header.Get(echo.HeaderAuthorization))
	if err != nil {
		return "", err
	}
	return v.Verify(raw)
}

// unauthorized answers with the rejection's general reason only: the
// parser's detail (which claim, which algorithm) stays out of the body.
func unauthorized(err error) *Error {
	msg := auth.ErrInvalid.Error()
	for _, known := range []error{auth.ErrMissing, auth.ErrExpired} {
		if errors.Is(err, known) {
			msg = known.Error()
		}
	}
	return NewError(http.StatusUnauthorized, "unauthorized", msg)
}
