package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// HeaderGuestID carries the verified guest id from the gateway to the
// services behind it. The gateway strips it from every incoming request and
// sets it only after checking the token, so services trust it.
const HeaderGuestID = "X-Altis-Guest-Id"

const guestKey = "guest_id"

// RequireGuest rejects requests without a guest id with 401 and makes the
// id available through GuestID.
func RequireGuest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(HeaderGuestID)
		if id == "" {
			return NewError(http.StatusUnauthorized, "unauthorized", "a guest token is required")
		}
		c.Set(guestKey, id)
		return next(c)
	}
}

// GuestID returns the guest id set by RequireGuest.
func GuestID(c echo.Context) string {
	id, _ := c.Get(guestKey).(string)
	return id
}
