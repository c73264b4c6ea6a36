package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/services/query/internal/domain"
)

// SearchFlights answers a search per leg, in request order.
type SearchFlights struct {
	index  Index
	prices *pricing.Engine
	now    Clock
	log    *slog.Logger
}

// NewSearchFlights builds the use case.
func NewSearchFlights(index Index, prices *pricing.Engine, now Clock, log *slog.Logger) (*SearchFlights, error) {
	if index == nil || prices == nil || now == nil || log == nil {
		return nil, errors.New("search flights: nil dependency")
	}
	return &SearchFlights{index: index, prices: prices, now: now, log: log}, nil
}

// PricedFlight is a flight with its per-passenger prices in its lowest cabin.
type PricedFlight struct {
	Flight domain.Flight
	Cabin  string
	Prices map[pricing.PassengerType]pricing.Price
}

// LegResult is one leg's answer.
type LegResult struct {
	Leg     domain.Leg
	Flights []PricedFlight
}

// Handle runs a validated search.
func (s *SearchFlights) Handle(ctx context.Context, q domain.Search) ([]LegResult, error) {
	now := s.now()
	found, err := s.index.Legs(ctx, q.Legs, now)
	if err != nil {
		return nil, err
	}
	if err := checkAirports(q, found); err != nil {
		return nil, err
	}
	out := make([]LegResult, len(q.Legs))
	for i, leg := range q.Legs {
		out[i] = LegResult{Leg: leg, Flights: []PricedFlight{}}
		for _, f := range found[i].Flights {
			if !f.Bookable(q.Passengers, now) {
				continue
			}
			pf, err := s.price(f, now)
			if err != nil {
				// A flight the rules cannot price (say, a currency no
				// surcharge lists) is left out, loudly, rather than
				// failing the whole search.
				s.log.ErrorContext(ctx, "flight left out of search: cannot price it", "flight_id", f.ID, "err", err)
				continue
			}
			out[i].Flights = append(out[i].Flights, pf)
		}
	}
	return out, nil
}

func checkAirports(q domain.Search, found []LegFlights) error {
	known := map[domain.AirportCode]bool{}
	for i, leg := range q.Legs {
		known[leg.Origin] = known[leg.Origin] || found[i].OriginKnown
		known[leg.Destination] = known[leg.Destination] || found[i].DestinationKnown
	}
	return q.CheckAirports(func(c domain.AirportCode) bool { return known[c] })
}

var passengerTypes = []pricing.PassengerType{pricing.Adult, pricing.Child, pricing.Infant}

func (s *SearchFlights) price(f domain.Flight, now time.Time) (PricedFlight, error) {
	cabin, ok := f.LowestCabin()
	if !ok {
		return PricedFlight{}, fmt.Errorf("flight has no fares")
	}
	in := ToPricing(f, cabin)
	pf := PricedFlight{Flight: f, Cabin: cabin, Prices: make(map[pricing.PassengerType]pricing.Price, 3)}
	for _, pt := range passengerTypes {
		p, err := s.prices.Price(in, pt, now)
		if err != nil {
			return pf, err
		}
		pf.Prices[pt] = p
	}
	return pf, nil
}

// ToPricing is what pricing needs to know about f in cabin.
func ToPricing(f domain.Flight, cabin string) pricing.Flight {
	return pricing.Flight{
		FlightID: f.ID, Origin: string(f.Origin), Destination: string(f.Destination),
		Cabin: cabin, BaseFare: f.Fares[cabin], Currency: f.Currency,
		Departure: f.DepartureAt, Capacity: f.Capacity, Sold: f.Sold,
	}
}
