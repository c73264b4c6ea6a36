package http

import (
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/domain"
)

type legRequest struct {
	Origin      string `json:"origin_airport_code"`
	Destination string `json:"destination_airport_code"`
	Date        string `json:"date"`
}

type searchRequest struct {
	Legs           []legRequest `json:"legs"`
	PassengerCount int          `json:"passenger_count"`
}

func (r searchRequest) toDomain() []domain.LegInput {
	out := make([]domain.LegInput, len(r.Legs))
	for i, l := range r.Legs {
		out[i] = domain.LegInput{Origin: l.Origin, Destination: l.Destination, Date: l.Date}
	}
	return out
}

// parseFlightID treats anything that is not a UUID as an unknown flight.
func parseFlightID(s string) (string, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return "", domain.ErrFlightNotFound
	}
	return id.String(), nil
}

type lineResponse struct {
	Kind        string `json:"kind"`
	Code        string `json:"code,omitempty"`
	Description string `json:"description"`
	Amount      int64  `json:"amount"`
}

type priceResponse struct {
	Currency  string         `json:"currency"`
	Total     int64          `json:"total"`
	Breakdown []lineResponse `json:"breakdown"`
}

type aircraftResponse struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type flightResponse struct {
	FlightID        string           `json:"flight_id"`
	FlightNumber    string           `json:"flight_number"`
	Origin          string           `json:"origin_airport_code"`
	Destination     string           `json:"destination_airport_code"`
	DepartureTime   time.Time        `json:"departure_time"`
	ArrivalTime     time.Time        `json:"arrival_time"`
	DurationMinutes int              `json:"duration_minutes"`
	Aircraft        aircraftResponse `json:"aircraft"`
	AvailableSeats  int              `json:"available_seats"`
	Cabin           string           `json:"cabin"`
	Price           priceResponse    `json:"price"`
	PassengerPrices passengerPrices  `json:"passenger_prices"`
}

// passengerPrices is the price per passenger type (a struct, not a map:
// cheaper to encode, same JSON).
type passengerPrices struct {
	Adult  priceResponse `json:"ADULT"`
	Child  priceResponse `json:"CHILD"`
	Infant priceResponse `json:"INFANT"`
}

type legResponse struct {
	Origin      string           `json:"origin_airport_code"`
	Destination string           `json:"destination_airport_code"`
	Date        string           `json:"date"`
	Flights     []flightResponse `json:"flights"`
}

type searchResponse struct {
	Legs []legResponse `json:"legs"`
}

func toSearchResponse(legs []app.LegResult) searchResponse {
	out := searchResponse{Legs: make([]legResponse, len(legs))}
	for i, l := range legs {
		lr := legResponse{Origin: string(l.Leg.Origin), Destination: string(l.Leg.Destination),
			Date: l.Leg.Date.Format(time.DateOnly), Flights: make([]flightResponse, len(l.Flights))}
		for j, f := range l.Flights {
			lr.Flights[j] = toFlightResponse(f)
		}
		out.Legs[i] = lr
	}
	return out
}

func toFlightResponse(pf app.PricedFlight) flightResponse {
	f := pf.Flight
	prices := passengerPrices{
		Adult:  toPriceResponse(pf.Prices[pricing.Adult]),
		Child:  toPriceResponse(pf.Prices[pricing.Child]),
		Infant: toPriceResponse(pf.Prices[pricing.Infant]),
	}
	return flightResponse{
		FlightID: f.ID, FlightNumber: f.Number, Origin: string(f.Origin), Destination: string(f.Destination),
		DepartureTime: f.DepartureAt.UTC(), ArrivalTime: f.ArrivalAt.UTC(),
		DurationMinutes: int(f.ArrivalAt.Sub(f.DepartureAt).Minutes()),
		Aircraft:        aircraftResponse{Code: f.Aircraft, Name: f.AircraftName},
		AvailableSeats:  f.Available(), Cabin: pf.Cabin,
		Price: prices.Adult, PassengerPrices: prices,
	}
}

func toPriceResponse(p pricing.Price) priceResponse {
	lines := make([]lineResponse, len(p.Lines))
	for i, l := range p.Lines {
		lines[i] = lineResponse{Kind: l.Kind, Code: l.Code, Description: l.Description, Amount: l.Amount}
	}
	return priceResponse{Currency: p.Currency, Total: p.Total, Breakdown: lines}
}

type seatResponse struct {
	SeatNumber      string   `json:"seat_number"`
	Letter          string   `json:"letter"`
	Characteristics []string `json:"characteristics"`
	Status          string   `json:"status"`
}

type rowResponse struct {
	Row   int            `json:"row"`
	Seats []seatResponse `json:"seats"`
}

type cabinResponse struct {
	Code string        `json:"code"`
	Name string        `json:"name"`
	Rows []rowResponse `json:"rows"`
}

type seatMapResponse struct {
	FlightID       string           `json:"flight_id"`
	FlightNumber   string           `json:"flight_number"`
	Aircraft       aircraftResponse `json:"aircraft"`
	AvailableSeats int              `json:"available_seats"`
	Cabins         []cabinResponse  `json:"cabins"`
}

func toSeatMapResponse(m domain.SeatMap) seatMapResponse {
	out := seatMapResponse{FlightID: m.Flight.ID, FlightNumber: m.Flight.Number,
		Aircraft:       aircraftResponse{Code: m.Flight.Aircraft, Name: m.Flight.AircraftName},
		AvailableSeats: m.Available, Cabins: make([]cabinResponse, len(m.Cabins))}
	for i, c := range m.Cabins {
		cr := cabinResponse{Code: c.Code, Name: c.Name, Rows: make([]rowResponse, len(c.Rows))}
		for j, r := range c.Rows {
			rr := rowResponse{Row: r.Number, Seats: make([]seatResponse, len(r.Seats))}
			for k, s := range r.Seats {
				rr.Seats[k] = seatResponse{SeatNumber: s.Number, Letter: s.Letter, Characteristics: characteristics(s), Status: s.Status}
			}
			cr.Rows[j] = rr
		}
		out.Cabins[i] = cr
	}
	return out
}

func characteristics(s domain.Seat) []string {
	out := []string{}
	for name, on := range map[string]bool{"window": s.Window, "aisle": s.Aisle, "middle": s.Middle, "exit_row": s.Exit, "blocked": s.Status == domain.SeatBlocked} {
		if on {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
