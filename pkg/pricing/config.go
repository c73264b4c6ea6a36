package pricing

import "time"

// Surcharge units, the values of Surcharge.Unit.
const (
	// PerPassenger is charged once per passenger per itinerary: in a Price,
	// and in a Quote on each passenger's item for the first flight only.
	PerPassenger = "per_passenger"
	// PerSegment is charged once per passenger per flight.
	PerSegment = "per_segment"
	// PerBooking is charged once per Quote, never in a Price.
	PerBooking = "per_booking"
)

// Config is the pricing section of config/default.toml, decoded by koanf
// (tag `koanf`). All percents are whole percents (int); all amounts are int64
// minor units of the currency they are keyed by. The TOML keys are:
//
//	[pricing]
//	sales_stack_with_discounts = false       # SalesStackWithDiscounts
//	passenger_factors = { ADULT = 100, CHILD = 75, INFANT = 10 }
//
//	[[pricing.sales]]                        # Sales
//	code = "WINTER26"                        # shown as Line.Code
//	name = "Transatlantic winter sale"       # shown as Line.Description
//	start = "2026-11-01T00:00:00Z"           # RFC 3339, inclusive
//	end = "2027-12-31T00:00:00Z"             # RFC 3339, exclusive
//	percent_off = 20                         # 1..100
//	routes = ["JFK-LHR", "LHR-JFK"]          # optional, directional
//	cabins = ["Y", "W"]                      # optional
//
//	[[pricing.discounts]]                    # Discounts
//	code = "ADV21"
//	name = "Advance purchase 21 days"
//	percent_off = 10                         # 1..100
//	min_days_before_departure = 21           # 0..3660, 24-hour days
//	routes = []                              # optional
//	cabins = []                              # optional
//
//	[[pricing.surcharges]]                   # Surcharges
//	code = "FUEL"
//	name = "Fuel surcharge"
//	unit = "per_segment"                     # per_passenger|per_segment|per_booking
//	amounts = { USD = 2500, EUR = 2300 }     # minor units per currency
//
//	[[pricing.load_factor_bands]]            # LoadFactorBands, ascending
//	min_load_percent = 80                    # sold*100/capacity >= this
//	percent = 15                             # -100..1000, added to the fare
//
// The json tags exist only to fingerprint the rules (Engine.RulesVersion).
type Config struct {
	// SalesStackWithDiscounts: true applies the active sale and the best
	// discount together; false applies only the larger of the two.
	SalesStackWithDiscounts bool `koanf:"sales_stack_with_discounts" json:"sales_stack_with_discounts"`
	// PassengerFactors maps ADULT, CHILD, INFANT to a percent (0..100) of the
	// adult fare. Missing types take the defaults 100, 75, 10.
	PassengerFactors map[string]int   `koanf:"passenger_factors" json:"passenger_factors"`
	Sales            []Sale           `koanf:"sales" json:"sales"`
	Discounts        []Discount       `koanf:"discounts" json:"discounts"`
	Surcharges       []Surcharge      `koanf:"surcharges" json:"surcharges"`
	LoadFactorBands  []LoadFactorBand `koanf:"load_factor_bands" json:"load_factor_bands"`
}

// Sale is a time-limited percentage off, active for pricing moments in
// [Start, End). Empty Routes or Cabins mean every route or cabin.
type Sale struct {
	Code       string    `koanf:"code" json:"code"`
	Name       string    `koanf:"name" json:"name"`
	Start      time.Time `koanf:"start" json:"start"`
	End        time.Time `koanf:"end" json:"end"`
	PercentOff int       `koanf:"percent_off" json:"percent_off"`
	Routes     []string  `koanf:"routes" json:"routes"`
	Cabins     []string  `koanf:"cabins" json:"cabins"`
}

// Discount is a conditional percentage off: it applies when the departure is
// at least MinDaysBeforeDeparture × 24h after the pricing moment, and the
// flight's route and cabin match (empty lists match everything).
type Discount struct {
	Code                   string   `koanf:"code" json:"code"`
	Name                   string   `koanf:"name" json:"name"`
	PercentOff             int      `koanf:"percent_off" json:"percent_off"`
	MinDaysBeforeDeparture int      `koanf:"min_days_before_departure" json:"min_days_before_departure"`
	Routes                 []string `koanf:"routes" json:"routes"`
	Cabins                 []string `koanf:"cabins" json:"cabins"`
}

// Surcharge is a fixed fee in minor units, given per currency. Every
// surcharge must list the same set of currencies.
type Surcharge struct {
	Code    string           `koanf:"code" json:"code"`
	Name    string           `koanf:"name" json:"name"`
	Unit    string           `koanf:"unit" json:"unit"`
	Amounts map[string]int64 `koanf:"amounts" json:"amounts"`
}

// LoadFactorBand adds Percent of the base fare when the flight's load
// (Sold×100/Capacity) is at least MinLoadPercent. Only the highest matching
// band applies; bands must be listed in strictly ascending MinLoadPercent.
type LoadFactorBand struct {
	MinLoadPercent int `koanf:"min_load_percent" json:"min_load_percent"`
	Percent        int `koanf:"percent" json:"percent"`
}
