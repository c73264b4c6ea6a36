package pricing

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Itinerary size limits for Quote; they also keep totals far from overflow.
const (
	MaxQuoteFlights    = 100
	MaxQuotePassengers = 100
)

// Quote prices an itinerary for a party. It is a value type meant to be
// stored and sent as JSON; Verify re-checks its arithmetic after decoding.
type Quote struct {
	// RulesVersion fingerprints the Config that produced the quote.
	RulesVersion string          `json:"rules_version"`
	At           time.Time       `json:"at"` // the pricing moment, UTC
	Flights      []Flight        `json:"flights"`
	Passengers   []PassengerType `json:"passengers"`
	// Items holds one Price per passenger per flight, passenger-major:
	// Items[p*len(Flights)+f] prices Passengers[p] on Flights[f].
	Items []QuoteItem `json:"items"`
	// BookingCurrency is the currency of Flights[0]; BookingLines (the
	// per_booking surcharges) are charged in it.
	BookingCurrency string `json:"booking_currency"`
	BookingLines    []Line `json:"booking_lines"`
	// Totals is the amount due per currency, sorted by currency.
	Totals []CurrencyAmount `json:"totals"`
}

// QuoteItem is the price of one passenger on one flight.
type QuoteItem struct {
	Passenger     int           `json:"passenger"` // index into Quote.Passengers
	Flight        int           `json:"flight"`    // index into Quote.Flights
	PassengerType PassengerType `json:"passenger_type"`
	FlightID      string        `json:"flight_id"`
	Price         Price         `json:"price"`
}

// CurrencyAmount is an amount in minor units of Currency.
type CurrencyAmount struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}

// Quote prices every passenger on every flight at moment at. Each item is
// what Price returns, except that per_passenger surcharges are charged only
// on the item for the first flight; per_booking surcharges are charged once,
// in BookingLines, in the first flight's currency.
func (e *Engine) Quote(flights []Flight, pax []PassengerType, at time.Time) (Quote, error) {
	if err := checkItinerary(flights, pax); err != nil {
		return Quote{}, err
	}
	q := Quote{
		RulesVersion:    e.version,
		At:              at.UTC(),
		Flights:         utcFlights(flights),
		Passengers:      slices.Clone(pax),
		Items:           make([]QuoteItem, 0, len(flights)*len(pax)),
		BookingCurrency: flights[0].Currency,
		BookingLines:    []Line{},
	}
	if err := e.priceItems(&q, at); err != nil {
		return Quote{}, err
	}
	if err := e.priceBooking(&q); err != nil {
		return Quote{}, err
	}
	q.Totals = q.sumTotals()
	return q, nil
}

func checkItinerary(flights []Flight, pax []PassengerType) error {
	switch {
	case len(flights) == 0:
		return fmt.Errorf("%w: no flights", ErrEmptyItinerary)
	case len(pax) == 0:
		return fmt.Errorf("%w: no passengers", ErrEmptyItinerary)
	case len(flights) > MaxQuoteFlights:
		return fmt.Errorf("%w: %d flights, at most %d", ErrItineraryTooLarge, len(flights), MaxQuoteFlights)
	case len(pax) > MaxQuotePassengers:
		return fmt.Errorf("%w: %d passengers, at most %d", ErrItineraryTooLarge, len(pax), MaxQuotePassengers)
	}
	return nil
}

func utcFlights(flights []Flight) []Flight {
	out := slices.Clone(flights)
	for i := range out {
		out[i].Departure = out[i].Departure.UTC()
	}
	return out
}

func (e *Engine) priceItems(q *Quote, at time.Time) error {
	for p, pt := range q.Passengers {
		for f := range q.Flights {
			price, err := e.price(&q.Flights[f], pt, at, f == 0)
			if err != nil {
				return fmt.Errorf("passenger %d on flight %s: %w", p, q.Flights[f].FlightID, err)
			}
			q.Items = append(q.Items, QuoteItem{
				Passenger: p, Flight: f, PassengerType: pt,
				FlightID: q.Flights[f].FlightID, Price: price,
			})
		}
	}
	return nil
}

func (e *Engine) priceBooking(q *Quote) error {
	p := Price{Currency: q.BookingCurrency}
	for i := range e.bookingFees {
		if err := e.bookingFees[i].addTo(&p, q.BookingCurrency); err != nil {
			return fmt.Errorf("booking surcharges: %w", err)
		}
	}
	if p.Lines != nil {
		q.BookingLines = p.Lines
	}
	return nil
}

// Total returns the amount due in currency, 0 if the quote has none.
func (q Quote) Total(currency string) int64 {
	for _, t := range q.Totals {
		if t.Currency == currency {
			return t.Amount
		}
	}
	return 0
}

// sumTotals adds every item and booking line per currency, sorted by
// currency. Every currency of a flight appears, even with a zero total.
func (q Quote) sumTotals() []CurrencyAmount {
	sums := map[string]int64{}
	for _, it := range q.Items {
		sums[it.Price.Currency] += sumLines(it.Price.Lines)
	}
	if len(q.Flights) > 0 {
		sums[q.BookingCurrency] += sumLines(q.BookingLines)
	}
	out := make([]CurrencyAmount, 0, len(sums))
	for _, c := range sortedKeys(sums) {
		out = append(out, CurrencyAmount{Currency: c, Amount: sums[c]})
	}
	return out
}

func sumLines(lines []Line) int64 {
	var n int64
	for _, l := range lines {
		n += l.Amount
	}
	return n
}

// Verify checks a (typically decoded) quote's internal consistency: items
// cover every passenger on every flight in order, each price's total is the
// sum of its lines and not negative, currencies follow the flights, and
// Totals equal the items plus booking lines per currency. It does not
// re-price: compare RulesVersion with Engine.RulesVersion for that.
func (q Quote) Verify() error {
	if err := q.verifyShape(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidQuote, err)
	}
	for i := range q.Items {
		if err := q.verifyItem(i); err != nil {
			return fmt.Errorf("%w: items[%d]: %w", ErrInvalidQuote, i, err)
		}
	}
	if want := q.sumTotals(); !slices.Equal(q.Totals, want) {
		return fmt.Errorf("%w: totals %s, items and booking lines sum to %s",
			ErrInvalidQuote, formatTotals(q.Totals), formatTotals(want))
	}
	return nil
}

func (q Quote) verifyShape() error {
	switch {
	case q.RulesVersion == "":
		return fmt.Errorf("rules_version is empty")
	case q.At.IsZero():
		return fmt.Errorf("at is the zero time")
	case len(q.Flights) == 0 || len(q.Passengers) == 0:
		return ErrEmptyItinerary
	case len(q.Items) != len(q.Flights)*len(q.Passengers):
		return fmt.Errorf("%d items for %d passengers on %d flights", len(q.Items), len(q.Passengers), len(q.Flights))
	case q.BookingCurrency != q.Flights[0].Currency:
		return fmt.Errorf("booking_currency %q, first flight is in %q", q.BookingCurrency, q.Flights[0].Currency)
	}
	for i, pt := range q.Passengers {
		if _, err := ParsePassengerType(string(pt)); err != nil {
			return fmt.Errorf("passengers[%d]: %w", i, err)
		}
	}
	return nil
}

func (q Quote) verifyItem(i int) error {
	it := q.Items[i]
	p, f := i/len(q.Flights), i%len(q.Flights)
	switch {
	case it.Passenger != p || it.Flight != f:
		return fmt.Errorf("is passenger %d flight %d, want passenger %d flight %d", it.Passenger, it.Flight, p, f)
	case it.PassengerType != q.Passengers[p]:
		return fmt.Errorf("passenger_type %q, passengers[%d] is %q", it.PassengerType, p, q.Passengers[p])
	case it.FlightID != q.Flights[f].FlightID:
		return fmt.Errorf("flight_id %q, flights[%d] is %q", it.FlightID, f, q.Flights[f].FlightID)
	case it.Price.Currency != q.Flights[f].Currency:
		return fmt.Errorf("currency %q, flight is in %q", it.Price.Currency, q.Flights[f].Currency)
	case it.Price.Total != sumLines(it.Price.Lines):
		return fmt.Errorf("total %d, lines sum to %d", it.Price.Total, sumLines(it.Price.Lines))
	case it.Price.Total < 0:
		return fmt.Errorf("negative total %d", it.Price.Total)
	}
	return nil
}

func formatTotals(t []CurrencyAmount) string {
	parts := make([]string, len(t))
	for i, c := range t {
		parts[i] = fmt.Sprintf("%s %d", c.Currency, c.Amount)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
