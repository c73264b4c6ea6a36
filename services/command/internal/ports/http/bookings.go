package http

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/domain/booking"
	"github.com/altisair/altis/services/command/internal/domain/payment"
)

// bookingErrors maps the booking rules' and the payment port's errors.
var bookingErrors = web.ErrorTable{
	{Target: booking.ErrNotFound, Status: http.StatusNotFound, Code: "booking_not_found"},
	{Target: booking.ErrSeatNotHeld, Status: http.StatusConflict, Code: "seat_not_held"},
	{Target: booking.ErrSeatTaken, Status: http.StatusConflict, Code: "seat_unavailable",
		Message: "a seat was sold to someone else meanwhile; the charge was voided"},
	{Target: booking.ErrSoldOut, Status: http.StatusConflict, Code: "sold_out",
		Message: "the flight has no seat left; the charge was voided"},
	{Target: payment.ErrDeclined, Status: http.StatusPaymentRequired, Code: "payment_declined",
		Message: "the payment was declined; the seats stay held: pay with another card"},
	{Target: payment.ErrProvider, Status: http.StatusBadGateway, Code: "payment_unavailable",
		Message: "the payment provider failed; nothing was charged or written: try again"},
}

// BookingUseCases are the booking use cases.
type BookingUseCases struct {
	Commit *app.CommitBooking
	Get    *app.GetBooking
	Cancel *app.CancelBooking
}

func (u BookingUseCases) check() error {
	if u.Commit == nil || u.Get == nil || u.Cancel == nil {
		return errors.New("command http: missing booking use case")
	}
	return nil
}

type bookingHandlers struct {
	uc      BookingUseCases
	metrics *Metrics
}

func (h bookingHandlers) register(g *echo.Group, idem echo.MiddlewareFunc) {
	g.POST("/bookings/commit", h.metrics.countCommits(h.commit), idem)
	g.GET("/bookings/:booking_id", h.get)
	g.POST("/bookings/:booking_id/cancel", h.cancel)
}

type commitSeat struct {
	FlightID   string `json:"flight_id"`
	SeatNumber string `json:"seat_number"`
}

type commitPassenger struct {
	FirstName string       `json:"first_name"`
	LastName  string       `json:"last_name"`
	Seats     []commitSeat `json:"seats"`
}

type commitRequest struct {
	TripID       string            `json:"trip_id"`
	UserEmail    string            `json:"user_email"`
	PaymentToken string            `json:"payment_token"`
	Passengers   []commitPassenger `json:"passengers"`
}

func (r commitRequest) toDomain() booking.Request {
	out := booking.Request{TripID: r.TripID, Email: r.UserEmail, PaymentToken: r.PaymentToken}
	for _, p := range r.Passengers {
		in := booking.PassengerInput{FirstName: p.FirstName, LastName: p.LastName}
		for _, s := range p.Seats {
			in.Seats = append(in.Seats, booking.SeatInput{FlightID: s.FlightID, Seat: s.SeatNumber})
		}
		out.Passengers = append(out.Passengers, in)
	}
	return out
}

type commitResponse struct {
	BookingID        string           `json:"booking_id"`
	Status           string           `json:"status"`
	BookingReference string           `json:"booking_reference"`
	Charged          []amountResponse `json:"charged"`
}

func toCommitResponse(b booking.Booking) commitResponse {
	r := commitResponse{BookingID: b.ID, Status: b.Status, BookingReference: b.Reference, Charged: []amountResponse{}}
	for _, p := range b.Charges {
		r.Charged = append(r.Charged, amountResponse{Currency: p.Charge.Money.Currency, Amount: p.Charge.Money.Amount})
	}
	return r
}

func (h bookingHandlers) commit(c echo.Context) error {
	var req commitRequest
	if err := web.DecodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var idem *app.IdempotencyAnswer
	if slot := app.IdempotencySlotFrom(ctx); slot != nil {
		// The answer is stored with the booking, in its transaction.
		idem = &app.IdempotencyAnswer{Slot: slot, Render: func(b booking.Booking) (int, []byte, error) {
			body, err := json.Marshal(toCommitResponse(b))
			return http.StatusCreated, body, err
		}}
	}
	b, err := h.uc.Commit.Handle(ctx, web.GuestID(c), req.toDomain(), idem)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toCommitResponse(b))
}

func (h bookingHandlers) get(c echo.Context) error {
	b, err := h.uc.Get.Handle(c.Request().Context(), web.GuestID(c), c.Param("booking_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toBookingResponse(b))
}

func (h bookingHandlers) cancel(c echo.Context) error {
	b, err := h.uc.Cancel.Handle(c.Request().Context(), web.GuestID(c), c.Param("booking_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toBookingResponse(b))
}

type bookingSeatResponse struct {
	FlightID   string `json:"flight_id"`
	SeatNumber string `json:"seat_number"`
}

type bookingPassengerResponse struct {
	PassengerID   string                `json:"passenger_id"`
	FirstName     string                `json:"first_name"`
	LastName      string                `json:"last_name"`
	PassengerType string                `json:"passenger_type"`
	Seats         []bookingSeatResponse `json:"seats"`
}

type paymentResponse struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
	Status   string `json:"status"` // CAPTURED or REFUNDED
}

type bookingResponse struct {
	BookingID        string                     `json:"booking_id"`
	BookingReference string                     `json:"booking_reference"`
	Status           string                     `json:"status"`
	TripID           string                     `json:"trip_id"`
	UserEmail        string                     `json:"user_email"`
	CreatedAt        time.Time                  `json:"created_at"`
	CancelledAt      *time.Time                 `json:"cancelled_at,omitempty"`
	Passengers       []bookingPassengerResponse `json:"passengers"`
	Quote            quoteResponse              `json:"quote"`
	Payments         []paymentResponse          `json:"payments"`
}

func toBookingResponse(b booking.Booking) bookingResponse {
	r := bookingResponse{BookingID: b.ID, BookingReference: b.Reference, Status: b.Status, TripID: b.TripID,
		UserEmail: b.Email.Reveal(), CreatedAt: b.CreatedAt.UTC(), Quote: toQuoteResponse(b.Quote),
		Passengers: make([]bookingPassengerResponse, len(b.Passengers)), Payments: []paymentResponse{}}
	if !b.CancelledAt.IsZero() {
		at := b.CancelledAt.UTC()
		r.CancelledAt = &at
	}
	for i, p := range b.Passengers {
		pr := bookingPassengerResponse{PassengerID: p.ID, FirstName: string(p.FirstName), LastName: string(p.LastName),
			PassengerType: string(p.Type), Seats: []bookingSeatResponse{}}
		for _, s := range p.Seats {
			pr.Seats = append(pr.Seats, bookingSeatResponse{FlightID: s.FlightID, SeatNumber: string(s.Number)})
		}
		r.Passengers[i] = pr
	}
	for _, p := range b.Charges {
		status := "CAPTURED"
		if p.Refunded {
			status = "REFUNDED"
		}
		r.Payments = append(r.Payments, paymentResponse{Currency: p.Charge.Money.Currency, Amount: p.Charge.Money.Amount, Status: status})
	}
	return r
}
