package http

import (
	"time"

	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

type tripResponse struct {
	TripID     string                  `json:"trip_id"`
	CreatedAt  time.Time               `json:"created_at"`
	ExpiresAt  int64                   `json:"expires_at"` // unix seconds
	Flights    []tripFlightResponse    `json:"flights"`
	Passengers []tripPassengerResponse `json:"passengers"`
	Seats      []tripSeatResponse      `json:"seats"`
	Quote      quoteResponse           `json:"quote"`
}

type tripFlightResponse struct {
	FlightID      string    `json:"flight_id"`
	FlightNumber  string    `json:"flight_number"`
	Origin        string    `json:"origin_airport_code"`
	Destination   string    `json:"destination_airport_code"`
	DepartureTime time.Time `json:"departure_time"`
	ArrivalTime   time.Time `json:"arrival_time"`
	Aircraft      string    `json:"aircraft"`
}

type tripPassengerResponse struct {
	PassengerID   string `json:"passenger_id"`
	FirstName     string `json:"first_name"`
	LastName      string `json:"last_name"`
	PassengerType string `json:"passenger_type"`
}

type tripSeatResponse struct {
	FlightID   string `json:"flight_id"`
	SeatNumber string `json:"seat_number"`
}

type quoteResponse struct {
	PricedAt     time.Time           `json:"priced_at"`
	Items        []quoteItemResponse `json:"items"`
	BookingLines []lineResponse      `json:"booking_lines"`
	Totals       []amountResponse    `json:"totals"`
}

type quoteItemResponse struct {
	Passenger     int           `json:"passenger"` // position in the quote's party
	PassengerType string        `json:"passenger_type"`
	FlightID      string        `json:"flight_id"`
	Cabin         string        `json:"cabin"`
	Price         priceResponse `json:"price"`
}

type priceResponse struct {
	Currency  string         `json:"currency"`
	Total     int64          `json:"total"`
	Breakdown []lineResponse `json:"breakdown"`
}

type lineResponse struct {
	Kind        string `json:"kind"`
	Code        string `json:"code,omitempty"`
	Description string `json:"description"`
	Amount      int64  `json:"amount"`
}

type amountResponse struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}

func toTripResponse(t trip.Trip) tripResponse {
	r := tripResponse{TripID: t.ID, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.Unix(),
		Flights:    make([]tripFlightResponse, len(t.Flights)),
		Passengers: make([]tripPassengerResponse, len(t.Passengers)),
		Seats:      make([]tripSeatResponse, len(t.Seats)),
		Quote:      toQuoteResponse(t.Quote)}
	for i, f := range t.Flights {
		r.Flights[i] = tripFlightResponse{FlightID: f.ID, FlightNumber: f.Number, Origin: f.Origin,
			Destination: f.Destination, DepartureTime: f.DepartureAt.UTC(), ArrivalTime: f.ArrivalAt.UTC(), Aircraft: f.Aircraft}
	}
	for i, p := range t.Passengers {
		r.Passengers[i] = tripPassengerResponse{PassengerID: p.ID, FirstName: string(p.FirstName),
			LastName: string(p.LastName), PassengerType: string(p.Type)}
	}
	for i, s := range t.Seats {
		r.Seats[i] = tripSeatResponse{FlightID: s.FlightID, SeatNumber: string(s.Number)}
	}
	return r
}

func toQuoteResponse(q pricing.Quote) quoteResponse {
	r := quoteResponse{PricedAt: q.At.UTC(), Items: make([]quoteItemResponse, len(q.Items)),
		BookingLines: toLines(q.BookingLines), Totals: make([]amountResponse, len(q.Totals))}
	for i, it := range q.Items {
		r.Items[i] = quoteItemResponse{Passenger: it.Passenger, PassengerType: string(it.PassengerType),
			FlightID: it.FlightID, Cabin: q.Flights[it.Flight].Cabin,
			Price: priceResponse{Currency: it.Price.Currency, Total: it.Price.Total, Breakdown: toLines(it.Price.Lines)}}
	}
	for i, t := range q.Totals {
		r.Totals[i] = amountResponse{Currency: t.Currency, Amount: t.Amount}
	}
	return r
}

func toLines(lines []pricing.Line) []lineResponse {
	out := make([]lineResponse, len(lines))
	for i, l := range lines {
		out[i] = lineResponse{Kind: l.Kind, Code: l.Code, Description: l.Description, Amount: l.Amount}
	}
	return out
}
