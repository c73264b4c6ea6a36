package pricing

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// defaultConfig mirrors config/default.toml [pricing] value for value;
// TestDefaultSectionMatchesLiteral keeps the two in step.
func defaultConfig() Config {
	return Config{
		SalesStackWithDiscounts: false,
		PassengerFactors:        map[string]int{"ADULT": 100, "CHILD": 75, "INFANT": 10},
		Sales: []Sale{{
			Code:       "TRANSATLANTIC_WINTER",
			Name:       "Transatlantic winter sale",
			Start:      date(2026, 11, 1),
			End:        date(2027, 12, 31),
			PercentOff: 20,
			Routes:     []string{"JFK-LHR", "LHR-JFK"},
			Cabins:     []string{"Y", "W"},
		}},
		Discounts: []Discount{{
			Code:                   "ADVANCE_21",
			Name:                   "Advance purchase (21+ days)",
			PercentOff:             10,
			MinDaysBeforeDeparture: 21,
			Routes:                 []string{},
			Cabins:                 []string{},
		}},
		Surcharges: []Surcharge{
			{Code: "FUEL", Name: "Fuel surcharge", Unit: PerSegment, Amounts: map[string]int64{
				"USD": 2500, "EUR": 2300, "GBP": 2000, "JPY": 3800, "AUD": 3900, "CAD": 3400,
				"SGD": 3400, "AED": 9200, "BRL": 13500, "ZAR": 46000, "INR": 210000, "CHF": 2200,
			}},
			{Code: "BOOKING_FEE", Name: "Booking fee", Unit: PerBooking, Amounts: map[string]int64{
				"USD": 1500, "EUR": 1400, "GBP": 1200, "JPY": 2300, "AUD": 2300, "CAD": 2000,
				"SGD": 2000, "AED": 5500, "BRL": 8000, "ZAR": 27500, "INR": 125000, "CHF": 1300,
			}},
		},
		LoadFactorBands: []LoadFactorBand{{MinLoadPercent: 80, Percent: 15}, {MinLoadPercent: 95, Percent: 30}},
	}
}

// now is the pricing moment most tests use: inside the default sale.
var now = date(2026, 12, 1).Add(12 * time.Hour)

// date is midnight UTC on the given day.
func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// testFlight is a JFK-LHR economy flight in USD, 30 days after now, 10% sold.
func testFlight() Flight {
	return Flight{
		FlightID: "AL100", Origin: "JFK", Destination: "LHR", Cabin: "Y",
		BaseFare: 10000, Currency: "USD", Departure: now.Add(days(30)),
		Capacity: 100, Sold: 10,
	}
}

func mustNew(t testing.TB, cfg Config) *Engine {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// breakdown renders a price as "kind code amount; ... = total" so a test
// can compare the whole breakdown in one string.
func breakdown(p Price) string {
	parts := make([]string, len(p.Lines))
	for i, l := range p.Lines {
		parts[i] = fmt.Sprintf("%s %s %d", l.Kind, l.Code, l.Amount)
	}
	return strings.Join(parts, "; ") + fmt.Sprintf(" = %d", p.Total)
}

func checkSum(t testing.TB, p Price) {
	t.Helper()
	if got := sumLines(p.Lines); got != p.Total {
		t.Fatalf("total %d != sum of lines %d: %s", p.Total, got, breakdown(p))
	}
	if p.Total < 0 {
		t.Fatalf("negative total: %s", breakdown(p))
	}
}
