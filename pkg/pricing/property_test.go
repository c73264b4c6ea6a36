package pricing

import (
	"math/big"
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"
	"time"
)

// scenario is a random valid Config plus an itinerary to price under it.
type scenario struct {
	Cfg     Config
	Flights []Flight
	Pax     []PassengerType
	At      time.Time
}

var (
	propAirports   = []string{"JFK", "LHR", "CDG", "NRT"}
	propCabins     = []string{"F", "J", "W", "Y"}
	propCurrencies = []string{"USD", "EUR", "JPY"}
	propEpoch      = date(2026, 6, 1)
)

// Generate implements quick.Generator. Sales get disjoint, back-to-back
// windows so every generated Config is valid.
func (scenario) Generate(r *rand.Rand, _ int) reflect.Value {
	s := scenario{Cfg: genConfig(r), At: propEpoch.Add(randDur(r, days(60)))}
	for i := range 1 + r.Intn(4) {
		s.Flights = append(s.Flights, genFlight(r, i, s.At))
	}
	for range 1 + r.Intn(6) {
		s.Pax = append(s.Pax, []PassengerType{Adult, Child, Infant}[r.Intn(3)])
	}
	return reflect.ValueOf(s)
}

func genConfig(r *rand.Rand) Config {
	c := Config{SalesStackWithDiscounts: r.Intn(2) == 0, PassengerFactors: map[string]int{}}
	for _, pt := range []string{"ADULT", "CHILD", "INFANT"} {
		if r.Intn(2) == 0 {
			c.PassengerFactors[pt] = r.Intn(101)
		}
	}
	start := propEpoch
	for i := range r.Intn(4) {
		end := start.Add(time.Hour + randDur(r, days(20)))
		c.Sales = append(c.Sales, Sale{Code: "S" + string(rune('A'+i)), Name: "sale", Start: start, End: end,
			PercentOff: genPercent(r), Routes: genRoutes(r), Cabins: genSubset(r, propCabins)})
		start = end.Add(randDur(r, days(3)))
	}
	for i := range r.Intn(4) {
		c.Discounts = append(c.Discounts, Discount{Code: "D" + string(rune('A'+i)), Name: "discount",
			PercentOff: genPercent(r), MinDaysBeforeDeparture: r.Intn(60), Routes: genRoutes(r), Cabins: genSubset(r, propCabins)})
	}
	for i := range r.Intn(4) {
		c.Surcharges = append(c.Surcharges, genSurcharge(r, i))
	}
	threshold := -1
	for range r.Intn(4) {
		threshold += 1 + r.Intn(40)
		if threshold > 100 {
			break
		}
		c.LoadFactorBands = append(c.LoadFactorBands, LoadFactorBand{MinLoadPercent: threshold, Percent: r.Intn(1101) - 100})
	}
	return c
}

// genPercent favours the edges: 100% sales are what drive fares below zero.
func genPercent(r *rand.Rand) int {
	if r.Intn(4) == 0 {
		return 100
	}
	return 1 + r.Intn(100)
}

func genSurcharge(r *rand.Rand, i int) Surcharge {
	amounts := map[string]int64{}
	for _, cur := range propCurrencies {
		amounts[cur] = r.Int63n(100_000)
	}
	units := []string{PerPassenger, PerSegment, PerBooking}
	return Surcharge{Code: "F" + string(rune('A'+i)), Name: "fee", Unit: units[r.Intn(3)], Amounts: amounts}
}

func genRoutes(r *rand.Rand) []string {
	var routes []string
	for _, o := range propAirports {
		for _, d := range propAirports {
			if o != d && r.Intn(6) == 0 {
				routes = append(routes, o+"-"+d)
			}
		}
	}
	return routes
}

func genSubset(r *rand.Rand, from []string) []string {
	var out []string
	for _, s := range from {
		if r.Intn(3) == 0 {
			out = append(out, s)
		}
	}
	return out
}

func genFlight(r *rand.Rand, i int, at time.Time) Flight {
	o := r.Intn(len(propAirports))
	d := (o + 1 + r.Intn(len(propAirports)-1)) % len(propAirports)
	capacity := r.Intn(300)
	f := Flight{
		FlightID: "F" + string(rune('0'+i)), Origin: propAirports[o], Destination: propAirports[d],
		Cabin: propCabins[r.Intn(len(propCabins))], BaseFare: r.Int63n(10_000_000),
		Currency:  propCurrencies[r.Intn(len(propCurrencies))],
		Departure: at.Add(randDur(r, days(90)) - days(5)), Capacity: capacity, Sold: r.Intn(capacity + 10),
	}
	if r.Intn(10) == 0 {
		f.BaseFare = MaxAmount - r.Int63n(1000)
	}
	return f
}

func randDur(r *rand.Rand, max time.Duration) time.Duration {
	return time.Duration(r.Int63n(int64(max)))
}

func TestPropertyPriceTotalsAreSumsAndNeverNegative(t *testing.T) {
	prop := func(s scenario) bool {
		e, err := New(s.Cfg)
		if err != nil {
			t.Logf("generated config rejected: %v", err)
			return false
		}
		for _, f := range s.Flights {
			for _, pt := range s.Pax {
				p, err := e.Price(f, pt, s.At)
				if err != nil || p.Total != sumLines(p.Lines) || p.Total < 0 || p.Currency != f.Currency ||
					p.Lines[0].Kind != KindBase || p.Lines[0].Amount != f.BaseFare {
					t.Logf("%v: %s", err, breakdown(p))
					return false
				}
				if !s.Cfg.SalesStackWithDiscounts && hasKind(p, KindFloor) {
					t.Logf("floor without stacking: %s", breakdown(p))
					return false
				}
			}
		}
		return true
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 1000}); err != nil {
		t.Error(err)
	}
}

func TestPropertyQuoteTotalsAreSumsOfItemsAndBookingLines(t *testing.T) {
	prop := func(s scenario) bool {
		e, err := New(s.Cfg)
		if err != nil {
			return false
		}
		q, err := e.Quote(s.Flights, s.Pax, s.At)
		if err != nil || q.Verify() != nil {
			t.Logf("quote: %v", err)
			return false
		}
		want := map[string]int64{s.Flights[0].Currency: sumLines(q.BookingLines)}
		for _, it := range q.Items {
			want[it.Price.Currency] += it.Price.Total
		}
		for _, cur := range propCurrencies {
			if q.Total(cur) != want[cur] {
				t.Logf("%s: total %d, want %d", cur, q.Total(cur), want[cur])
				return false
			}
		}
		return len(q.Totals) == len(want) && len(q.BookingLines) == countUnit(s.Cfg, PerBooking)
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 500}); err != nil {
		t.Error(err)
	}
}

// TestPropertyPercentOfRoundsHalfAwayFromZero checks the one rounding rule
// against exact rational arithmetic.
func TestPropertyPercentOfRoundsHalfAwayFromZero(t *testing.T) {
	prop := func(amount int64, pct int16) bool {
		amount %= 2 * MaxAmount
		p := int64(pct) % 1001
		exact := new(big.Rat).SetFrac(big.NewInt(amount*p), big.NewInt(100))
		return percentOf(amount, p) == roundHalfAway(exact)
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 5000}); err != nil {
		t.Error(err)
	}
}

func roundHalfAway(x *big.Rat) int64 {
	abs := new(big.Rat).Abs(x)
	abs.Add(abs, big.NewRat(1, 2))
	n := new(big.Int).Quo(abs.Num(), abs.Denom()) // floor for non-negative
	if x.Sign() < 0 {
		n.Neg(n)
	}
	return n.Int64()
}

func hasKind(p Price, kind string) bool {
	for _, l := range p.Lines {
		if l.Kind == kind {
			return true
		}
	}
	return false
}

func countUnit(c Config, unit string) int {
	n := 0
	for _, s := range c.Surcharges {
		if s.Unit == unit {
			n++
		}
	}
	return n
}
