package http

import (
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/web"
)

// TicketTTL is a stream ticket's lifetime: long enough to open an
// EventSource, short enough that a URL left in a log is soon worthless.
const TicketTTL = 60 * time.Second

// StreamTickets serves POST /v1/flights/:id/stream-ticket: a guest trades
// its token for a ticket that opens that flight's seat stream, for clients
// (EventSource) that cannot send an Authorization header.
type StreamTickets struct {
	issuer *auth.Issuer
}

// NewStreamTickets refuses a nil issuer.
func NewStreamTickets(issuer *auth.Issuer) (*StreamTickets, error) {
	if issuer == nil {
		return nil, errors.New("http: stream tickets need an issuer")
	}
	return &StreamTickets{issuer: issuer}, nil
}

type ticketResponse struct {
	Ticket    string `json:"ticket"`
	ExpiresAt int64  `json:"expires_at"` // Unix seconds
}

// Handle answers 201 with a ticket for the guest and the flight in the path.
// The flight id must be a UUID; the ticket names it exactly as sent, so the
// stream URL must use the same spelling. The body must be empty or {}.
func (h *StreamTickets) Handle(c echo.Context) error {
	flightID := c.Param(streamParam)
	if _, err := uuid.Parse(flightID); err != nil {
		return web.Invalid(map[string]string{"flight_id": "must be a UUID"})
	}
	if err := emptyObject(c); err != nil {
		return err
	}
	t, err := h.issuer.IssueTicket(guestID(c), flightID, TicketTTL)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, toTicketResponse(t))
}

func toTicketResponse(t auth.Token) ticketResponse {
	return ticketResponse{Ticket: t.Value, ExpiresAt: t.ExpiresAt.Unix()}
}
