package http

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// holdErrors maps the trip rules' errors to HTTP answers.
var holdErrors = web.ErrorTable{
	{Target: trip.ErrNoSuchSeat, Status: http.StatusBadRequest, Code: "invalid_request"},
	{Target: trip.ErrNotFound, Status: http.StatusNotFound, Code: "trip_not_found"},
	{Target: trip.ErrExpired, Status: http.StatusGone, Code: "trip_expired"},
	{Target: trip.ErrClosed, Status: http.StatusConflict, Code: "trip_closed"},
	{Target: trip.ErrSeatUnavailable, Status: http.StatusConflict, Code: "seat_unavailable"},
	{Target: trip.ErrSeatLimit, Status: http.StatusConflict, Code: "seat_limit_reached"},
	{Target: trip.ErrSeatNotHeld, Status: http.StatusConflict, Code: "seat_not_held"},
	{Target: trip.ErrPassengerLimit, Status: http.StatusConflict, Code: "passenger_limit"},
	{Target: trip.ErrQuoteChanged, Status: http.StatusConflict, Code: "quote_changed"},
	{Target: trip.ErrConflict, Status: http.StatusConflict, Code: "concurrent_change",
		Message: "the trip changed while this request ran: try again"},
	{Target: trip.ErrTooManyTrips, Status: http.StatusTooManyRequests, Code: "too_many_trips",
		Message: "this guest holds as many live trips as allowed: let one expire or book it"},
	{Target: trip.ErrTooManySeats, Status: http.StatusTooManyRequests, Code: "too_many_seats",
		Message: "this guest's live trips may hold as many seats as allowed"},
}

// HoldUseCases are the trip and seat hold use cases.
type HoldUseCases struct {
	CreateTrip   *app.CreateTrip
	GetTrip      *app.GetTrip
	AddPassenger *app.AddPassenger
	HoldSeat     *app.HoldSeat
	ReleaseSeat  *app.ReleaseSeat
}

func (u HoldUseCases) check() error {
	if u.CreateTrip == nil || u.GetTrip == nil || u.AddPassenger == nil || u.HoldSeat == nil || u.ReleaseSeat == nil {
		return errors.New("command http: missing hold use case")
	}
	return nil
}

type holdHandlers struct {
	uc      HoldUseCases
	metrics *Metrics
}

func (h holdHandlers) register(g *echo.Group, idem echo.MiddlewareFunc) {
	g.POST("/holds/trip", h.createTrip, idem)
	g.GET("/holds/trip/:trip_id", h.getTrip)
	g.POST("/holds/trip/:trip_id/passengers", h.addPassenger, idem)
	g.POST("/holds/seat", h.metrics.countSeatHolds(h.holdSeat), idem)
	g.DELETE("/holds/seat", h.releaseSeat)
}

type createTripRequest struct {
	FlightIDs []string `json:"flight_ids"`
}

type createTripResponse struct {
	TripID    string `json:"trip_id"`
	ExpiresAt int64  `json:"expires_at"` // unix seconds
}

func (h holdHandlers) createTrip(c echo.Context) error {
	var req createTripRequest
	if err := web.DecodeJSON(c, &req); err != nil {
		return err
	}
	t, err := h.uc.CreateTrip.Handle(c.Request().Context(), web.GuestID(c), req.FlightIDs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, createTripResponse{TripID: t.ID, ExpiresAt: t.ExpiresAt.Unix()})
}

func (h holdHandlers) getTrip(c echo.Context) error {
	t, err := h.uc.GetTrip.Handle(c.Request().Context(), web.GuestID(c), c.Param("trip_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTripResponse(t))
}

type passengerRequest struct {
	FirstName     string `json:"first_name"`
	LastName      string `json:"last_name"`
	PassengerType string `json:"passenger_type"`
}

type passengerResponse struct {
	PassengerID string `json:"passenger_id"`
}

func (h holdHandlers) addPassenger(c echo.Context) error {
	var req passengerRequest
	if err := web.DecodeJSON(c, &req); err != nil {
		return err
	}
	in := app.PassengerInput{FirstName: req.FirstName, LastName: req.LastName, Type: req.PassengerType}
	id, err := h.uc.AddPassenger.Handle(c.Request().Context(), web.GuestID(c), c.Param("trip_id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, passengerResponse{PassengerID: id})
}

type seatRequest struct {
	TripID     string `json:"trip_id"`
	FlightID   string `json:"flight_id"`
	SeatNumber string `json:"seat_number"`
}

func (r seatRequest) toInput() app.SeatInput {
	return app.SeatInput{TripID: r.TripID, FlightID: r.FlightID, Seat: r.SeatNumber}
}

type seatResponse struct {
	TripID     string `json:"trip_id"`
	FlightID   string `json:"flight_id"`
	SeatNumber string `json:"seat_number"`
	Status     string `json:"status"`               // held or available
	ExpiresAt  int64  `json:"expires_at,omitempty"` // unix seconds, while held
}

func (h holdHandlers) holdSeat(c echo.Context) error {
	var req seatRequest
	if err := web.DecodeJSON(c, &req); err != nil {
		return err
	}
	s, err := h.uc.HoldSeat.Handle(c.Request().Context(), web.GuestID(c), req.toInput())
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if s.Already {
		status = http.StatusOK
	}
	return c.JSON(status, seatResponse{TripID: s.TripID, FlightID: s.FlightID, SeatNumber: string(s.Seat),
		Status: "held", ExpiresAt: s.ExpiresAt.Unix()})
}

func (h holdHandlers) releaseSeat(c echo.Context) error {
	var req seatRequest
	if err := web.DecodeJSON(c, &req); err != nil {
		return err
	}
	s, err := h.uc.ReleaseSeat.Handle(c.Request().Context(), web.GuestID(c), req.toInput())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, seatResponse{TripID: s.TripID, FlightID: s.FlightID, SeatNumber: string(s.Seat),
		Status: "available"})
}
