// Package http is the query service's REST port: it decodes requests,
// calls the use cases and encodes their answers.
package http

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/domain"
)

// Errors maps the query service's errors to HTTP answers.
var Errors = web.ErrorTable{
	{Target: domain.ErrFlightNotFound, Status: http.StatusNotFound, Code: "flight_not_found"},
	{Target: app.ErrNoIndex, Status: http.StatusServiceUnavailable, Code: "index_unavailable"},
	{Target: app.ErrBadEventID, Status: http.StatusBadRequest, Code: "invalid_last_event_id"},
}

// Handlers serves the query routes.
type Handlers struct {
	search  *app.SearchFlights
	seatMap *app.GetSeatMap
	stream  Stream
	now     app.Clock
	guests  *auth.Verifier // for the routes that need a guest (web.RequireGuest)
}

// NewHandlers refuses nil dependencies. guests verifies guest tokens and
// stream tickets on the routes that need a guest.
func NewHandlers(search *app.SearchFlights, seatMap *app.GetSeatMap, stream Stream, now app.Clock, guests *auth.Verifier) (*Handlers, error) {
	if search == nil || seatMap == nil || !stream.valid() || now == nil || guests == nil {
		return nil, errors.New("query handlers: nil dependency")
	}
	return &Handlers{search: search, seatMap: seatMap, stream: stream, now: now, guests: guests}, nil
}

// Register adds the routes to e.
func (h *Handlers) Register(e *echo.Echo) {
	e.POST("/v1/flights/search", h.searchFlights)
	e.GET("/v1/flights/:id/seats", h.getSeatMap)
	e.GET("/v1/flights/:id/stream", h.streamSeats, web.RequireGuestOrTicket(h.guests, "id"))
}

func (h *Handlers) searchFlights(c echo.Context) error {
	var req searchRequest
	if err := web.DecodeJSON(c, &req); err != nil {
		return err
	}
	q, err := domain.ParseSearch(req.toDomain(), req.PassengerCount, h.now())
	if err != nil {
		return err
	}
	legs, err := h.search.Handle(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSearchResponse(legs))
}

func (h *Handlers) getSeatMap(c echo.Context) error {
	id, err := parseFlightID(c.Param("id"))
	if err != nil {
		return err
	}
	m, err := h.seatMap.Handle(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSeatMapResponse(m))
}
