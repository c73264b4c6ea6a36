package pricing

import (
	"fmt"
	"time"
)

// Flight is everything pricing needs to know about one flight in one cabin.
type Flight struct {
	FlightID    string    `json:"flight_id"`
	Origin      string    `json:"origin"`      // IATA airport code
	Destination string    `json:"destination"` // IATA airport code
	Cabin       string    `json:"cabin"`       // cabin code, e.g. "F","J","W","Y"
	BaseFare    int64     `json:"base_fare"`   // minor units, per adult, for that cabin
	Currency    string    `json:"currency"`    // ISO 4217
	Departure   time.Time `json:"departure"`
	Capacity    int       `json:"capacity"` // seats for sale on the flight (for load factor)
	Sold        int       `json:"sold"`
}

// Line kinds, in the order lines appear in a Price.
const (
	KindBase          = "base"
	KindLoadFactor    = "load_factor"
	KindPassengerType = "passenger_type"
	KindSale          = "sale"
	KindDiscount      = "discount"
	KindFloor         = "floor"
	KindSurcharge     = "surcharge"
)

// Line is one step of a price breakdown. Amount is signed minor units:
// reductions are negative. Code is the cabin for "base", "LOAD_<min>" for
// "load_factor", the passenger type for "passenger_type", the rule's code for
// "sale", "discount" and "surcharge", and "FLOOR" for "floor".
type Line struct {
	Kind        string `json:"kind"`
	Code        string `json:"code"`
	Description string `json:"description"`
	Amount      int64  `json:"amount"`
}

// Price is one passenger's price for one flight. Total == sum of Lines'
// Amount, always, and Total >= 0.
type Price struct {
	Currency string `json:"currency"`
	Total    int64  `json:"total"`
	Lines    []Line `json:"lines"`
}

func (p *Price) add(l Line) {
	p.Lines = append(p.Lines, l)
	p.Total += l.Amount
}

// Price prices flight f for one passenger of type pt at moment at (the
// booking time: it decides which sales are live and how far ahead the
// departure is). It includes per_passenger and per_segment surcharges, not
// per_booking ones. It fails with ErrUnknownPassengerType, ErrInvalidFlight,
// ErrInvalidMoment or ErrCurrencyNotConfigured.
func (e *Engine) Price(f Flight, pt PassengerType, at time.Time) (Price, error) {
	return e.price(&f, pt, at, true)
}

// price runs the rule pipeline; perPassenger says whether per_passenger
// surcharges belong on this price.
func (e *Engine) price(f *Flight, pt PassengerType, at time.Time, perPassenger bool) (Price, error) {
	pax, ok := paxIndex(pt)
	if !ok {
		return Price{}, fmt.Errorf("%w: %q", ErrUnknownPassengerType, pt)
	}
	if at.IsZero() {
		return Price{}, fmt.Errorf("%w: zero time", ErrInvalidMoment)
	}
	if err := checkFlight(f); err != nil {
		return Price{}, err
	}
	p := Price{Currency: f.Currency, Lines: make([]Line, 0, 5+len(e.fees))}
	p.add(Line{Kind: KindBase, Code: f.Cabin, Description: "Base fare", Amount: f.BaseFare})
	fare := e.applyLoadFactor(&p, f, f.BaseFare)
	fare = e.applyPassengerType(&p, pax, pt, fare)
	fare = e.applyReductions(&p, f, at, fare)
	applyFloor(&p, fare)
	if err := e.applySurcharges(&p, f.Currency, perPassenger); err != nil {
		return Price{}, err
	}
	return p, nil
}

// applyLoadFactor adds the highest band whose threshold the load reaches.
// A flight with no capacity has no load factor.
func (e *Engine) applyLoadFactor(p *Price, f *Flight, fare int64) int64 {
	if f.Capacity <= 0 {
		return fare
	}
	sold, capacity := int64(f.Sold), int64(f.Capacity)
	for i := len(e.bands) - 1; i >= 0; i-- {
		b := &e.bands[i]
		if sold*100 >= b.minLoad*capacity {
			amount := percentOf(fare, b.pct)
			p.add(Line{Kind: KindLoadFactor, Code: b.code, Description: b.desc, Amount: amount})
			return fare + amount
		}
	}
	return fare
}

// applyPassengerType scales the fare to the passenger type's factor; an
// adult at 100% gets no line.
func (e *Engine) applyPassengerType(p *Price, pax int, pt PassengerType, fare int64) int64 {
	factor := e.factors[pax]
	if factor == 100 {
		return fare
	}
	scaled := percentOf(fare, factor)
	p.add(Line{Kind: KindPassengerType, Code: string(pt), Description: e.paxDesc[pax], Amount: scaled - fare})
	return scaled
}

// applyReductions takes the live sale and the best discount, both as a
// percent of the same fare, stacked or best-of per the config. The result
// may be negative; applyFloor clamps it.
func (e *Engine) applyReductions(p *Price, f *Flight, at time.Time, fare int64) int64 {
	s := e.liveSale(f, at)
	d := e.bestDiscount(f, at)
	var saleOff, discOff int64
	if s != nil {
		saleOff = percentOf(fare, s.pct)
	}
	if d != nil {
		discOff = percentOf(fare, d.pct)
	}
	if !e.stack && s != nil && d != nil {
		if saleOff >= discOff {
			d = nil // ties go to the sale
		} else {
			s = nil
		}
	}
	if s != nil {
		p.add(Line{Kind: KindSale, Code: s.code, Description: s.desc, Amount: -saleOff})
		fare -= saleOff
	}
	if d != nil {
		p.add(Line{Kind: KindDiscount, Code: d.code, Description: d.desc, Amount: -discOff})
		fare -= discOff
	}
	return fare
}

// liveSale returns the sale whose window [start, end) holds at and whose
// scope matches; New guarantees there is at most one.
func (e *Engine) liveSale(f *Flight, at time.Time) *sale {
	for i := range e.sales {
		s := &e.sales[i]
		if !at.Before(s.start) && at.Before(s.end) && s.scope.matches(f) {
			return s
		}
	}
	return nil
}

// bestDiscount returns the matching discount with the highest percent; the
// earliest in config order wins a tie.
func (e *Engine) bestDiscount(f *Flight, at time.Time) *discount {
	var best *discount
	ahead := f.Departure.Sub(at)
	for i := range e.discounts {
		d := &e.discounts[i]
		if ahead < d.minAdvance || !d.scope.matches(f) {
			continue
		}
		if best == nil || d.pct > best.pct {
			best = d
		}
	}
	return best
}

// applyFloor brings a negative fare back to zero with a visible line.
func applyFloor(p *Price, fare int64) {
	if fare < 0 {
		p.add(Line{Kind: KindFloor, Code: "FLOOR", Description: "Fare floored at zero", Amount: -fare})
	}
}

func (e *Engine) applySurcharges(p *Price, currency string, perPassenger bool) error {
	for i := range e.fees {
		s := &e.fees[i]
		if s.unit == PerPassenger && !perPassenger {
			continue
		}
		if err := s.addTo(p, currency); err != nil {
			return err
		}
	}
	return nil
}

func (s *surcharge) addTo(p *Price, currency string) error {
	amount, ok := s.amounts[currency]
	if !ok {
		return fmt.Errorf("%w: surcharge %s has no amount in %s", ErrCurrencyNotConfigured, s.code, currency)
	}
	p.add(Line{Kind: KindSurcharge, Code: s.code, Description: s.desc, Amount: amount})
	return nil
}

// maxSeats bounds Flight.Capacity and Flight.Sold.
const maxSeats = 1_000_000

// percentOf returns amount×pct/100 rounded half away from zero.
func percentOf(amount, pct int64) int64 {
	n := amount * pct
	if n < 0 {
		return -((-n + 50) / 100)
	}
	return (n + 50) / 100
}

func checkFlight(f *Flight) error {
	switch {
	case f.FlightID == "":
		return fmt.Errorf("%w: flight_id is empty", ErrInvalidFlight)
	case !isUpperCode(f.Origin, 3) || !isUpperCode(f.Destination, 3):
		return fmt.Errorf("%w: %s: route %q-%q is not two IATA codes", ErrInvalidFlight, f.FlightID, f.Origin, f.Destination)
	case !isUpperCode(f.Cabin, 1):
		return fmt.Errorf("%w: %s: cabin %q is not a one-letter code", ErrInvalidFlight, f.FlightID, f.Cabin)
	case !isUpperCode(f.Currency, 3):
		return fmt.Errorf("%w: %s: currency %q is not ISO 4217", ErrInvalidFlight, f.FlightID, f.Currency)
	case f.BaseFare < 0 || f.BaseFare > MaxAmount:
		return fmt.Errorf("%w: %s: base fare %d out of range 0..%d", ErrInvalidFlight, f.FlightID, f.BaseFare, MaxAmount)
	case f.Capacity < 0 || f.Sold < 0 || f.Capacity > maxSeats || f.Sold > maxSeats:
		return fmt.Errorf("%w: %s: capacity %d and sold %d must be in 0..%d", ErrInvalidFlight, f.FlightID, f.Capacity, f.Sold, maxSeats)
	case f.Departure.IsZero():
		return fmt.Errorf("%w: %s: departure is the zero time", ErrInvalidFlight, f.FlightID)
	}
	return nil
}
