package pricing

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

var (
	sale20 = Sale{Code: "S20", Name: "Sale", Start: date(2026, 11, 1), End: date(2027, 1, 1),
		PercentOff: 20, Routes: []string{"JFK-LHR"}, Cabins: []string{"Y"}}
	adv10    = Discount{Code: "D10", Name: "Advance 21", PercentOff: 10, MinDaysBeforeDeparture: 21}
	fuel     = Surcharge{Code: "FUEL", Name: "Fuel", Unit: PerSegment, Amounts: map[string]int64{"USD": 2500, "EUR": 2300, "JPY": 3800}}
	security = Surcharge{Code: "SEC", Name: "Security", Unit: PerPassenger, Amounts: map[string]int64{"USD": 500, "EUR": 450, "JPY": 700}}
	bookFee  = Surcharge{Code: "BKG", Name: "Booking fee", Unit: PerBooking, Amounts: map[string]int64{"USD": 1500, "EUR": 1400, "JPY": 2300}}
	bands    = []LoadFactorBand{{MinLoadPercent: 80, Percent: 15}, {MinLoadPercent: 95, Percent: 30}}
)

func salePct(pct int) Sale {
	s := sale20
	s.Code, s.PercentOff = "S"+strconv.Itoa(pct), pct
	return s
}

func discPct(code string, pct, minDays int) Discount {
	return Discount{Code: code, Name: code, PercentOff: pct, MinDaysBeforeDeparture: minDays}
}

func TestPrice(t *testing.T) {
	type cfgFn func(*Config)
	sales := func(s ...Sale) cfgFn { return func(c *Config) { c.Sales = s } }
	discs := func(d ...Discount) cfgFn { return func(c *Config) { c.Discounts = d } }
	fees := func(s ...Surcharge) cfgFn { return func(c *Config) { c.Surcharges = s } }
	loads := func(b ...LoadFactorBand) cfgFn { return func(c *Config) { c.LoadFactorBands = b } }
	stack := func(c *Config) { c.SalesStackWithDiscounts = true }
	factor := func(pt string, f int) cfgFn { return func(c *Config) { c.PassengerFactors = map[string]int{pt: f} } }
	dflt := func(c *Config) { *c = defaultConfig() }
	tests := []struct {
		name   string
		cfg    []cfgFn
		flight func(*Flight)
		pt     PassengerType
		at     time.Time
		want   string
	}{
		{name: "no rules adult", want: "base Y 10000 = 10000"},
		{name: "child default 75%", pt: Child, want: "base Y 10000; passenger_type CHILD -2500 = 7500"},
		{name: "infant default 10%", pt: Infant, want: "base Y 10000; passenger_type INFANT -9000 = 1000"},
		{name: "configured child factor", cfg: []cfgFn{factor("CHILD", 50)}, pt: Child, want: "base Y 10000; passenger_type CHILD -5000 = 5000"},
		{name: "free infant", cfg: []cfgFn{factor("INFANT", 0)}, pt: Infant, want: "base Y 10000; passenger_type INFANT -10000 = 0"},
		{name: "adult factor below 100", cfg: []cfgFn{factor("ADULT", 90)}, want: "base Y 10000; passenger_type ADULT -1000 = 9000"},

		{name: "sale alone", cfg: []cfgFn{sales(sale20)}, want: "base Y 10000; sale S20 -2000 = 8000"},
		{name: "sale other route", cfg: []cfgFn{sales(sale20)}, flight: onRoute("LHR", "CDG"), want: "base Y 10000 = 10000"},
		{name: "sale is directional", cfg: []cfgFn{sales(sale20)}, flight: onRoute("LHR", "JFK"), want: "base Y 10000 = 10000"},
		{name: "sale other cabin", cfg: []cfgFn{sales(sale20)}, flight: cabin("J"), want: "base Y 10000 = 10000"},
		{name: "sale start is inclusive", cfg: []cfgFn{sales(sale20)}, at: sale20.Start, want: "base Y 10000; sale S20 -2000 = 8000"},
		{name: "sale before start", cfg: []cfgFn{sales(sale20)}, at: sale20.Start.Add(-time.Nanosecond), want: "base Y 10000 = 10000"},
		{name: "sale end is exclusive", cfg: []cfgFn{sales(sale20)}, at: sale20.End, want: "base Y 10000 = 10000"},
		{name: "sale just before end", cfg: []cfgFn{sales(sale20)}, at: sale20.End.Add(-time.Nanosecond), want: "base Y 10000; sale S20 -2000 = 8000"},
		{name: "sale window in another zone", cfg: []cfgFn{sales(sale20)}, at: sale20.Start.In(time.FixedZone("EST", -5*3600)), want: "base Y 10000; sale S20 -2000 = 8000"},

		{name: "discount alone", cfg: []cfgFn{discs(adv10)}, want: "base Y 10000; discount D10 -1000 = 9000"},
		{name: "discount at exactly 21 days", cfg: []cfgFn{discs(adv10)}, flight: departs(days(21)), want: "base Y 10000; discount D10 -1000 = 9000"},
		{name: "discount 1ns short of 21 days", cfg: []cfgFn{discs(adv10)}, flight: departs(days(21) - 1), want: "base Y 10000 = 10000"},
		{name: "discount after departure", cfg: []cfgFn{discs(adv10)}, flight: departs(-time.Hour), want: "base Y 10000 = 10000"},
		{name: "best discount wins", cfg: []cfgFn{discs(adv10, discPct("D15", 15, 0))}, want: "base Y 10000; discount D15 -1500 = 8500"},
		{name: "discount tie goes to first", cfg: []cfgFn{discs(discPct("A", 10, 0), discPct("B", 10, 0))}, want: "base Y 10000; discount A -1000 = 9000"},
		{name: "discount route scoped", cfg: []cfgFn{discs(Discount{Code: "D", Name: "D", PercentOff: 5, Routes: []string{"LHR-CDG"}})}, want: "base Y 10000 = 10000"},
		{name: "discount cabin scoped", cfg: []cfgFn{discs(Discount{Code: "D", Name: "D", PercentOff: 5, Cabins: []string{"Y"}})}, want: "base Y 10000; discount D -500 = 9500"},

		{name: "not stacked: sale beats discount", cfg: []cfgFn{sales(sale20), discs(adv10)}, want: "base Y 10000; sale S20 -2000 = 8000"},
		{name: "not stacked: discount beats sale", cfg: []cfgFn{sales(sale20), discs(discPct("D25", 25, 0))}, want: "base Y 10000; discount D25 -2500 = 7500"},
		{name: "not stacked: tie goes to sale", cfg: []cfgFn{sales(sale20), discs(discPct("D20", 20, 0))}, want: "base Y 10000; sale S20 -2000 = 8000"},
		{name: "stacked: both, not compounded", cfg: []cfgFn{sales(sale20), discs(adv10), stack}, want: "base Y 10000; sale S20 -2000; discount D10 -1000 = 7000"},
		{name: "stacked: discount alone when no sale", cfg: []cfgFn{sales(sale20), discs(adv10), stack}, flight: cabin("J"), want: "base Y 10000; discount D10 -1000 = 9000"},

		{name: "load below first band", cfg: []cfgFn{loads(bands...)}, flight: load(100, 79), want: "base Y 10000 = 10000"},
		{name: "load at 80%", cfg: []cfgFn{loads(bands...)}, flight: load(100, 80), want: "base Y 10000; load_factor LOAD_80 1500 = 11500"},
		{name: "load exactly 80% of odd capacity", cfg: []cfgFn{loads(bands...)}, flight: load(5, 4), want: "base Y 10000; load_factor LOAD_80 1500 = 11500"},
		{name: "load just under 80% of odd capacity", cfg: []cfgFn{loads(bands...)}, flight: load(7, 5), want: "base Y 10000 = 10000"},
		{name: "load at 95% takes highest band only", cfg: []cfgFn{loads(bands...)}, flight: load(100, 95), want: "base Y 10000; load_factor LOAD_95 3000 = 13000"},
		{name: "overbooked", cfg: []cfgFn{loads(bands...)}, flight: load(100, 120), want: "base Y 10000; load_factor LOAD_95 3000 = 13000"},
		{name: "no capacity, no band", cfg: []cfgFn{loads(bands...)}, flight: load(0, 0), want: "base Y 10000 = 10000"},
		{name: "negative band", cfg: []cfgFn{loads(LoadFactorBand{MinLoadPercent: 0, Percent: -10})}, want: "base Y 10000; load_factor LOAD_0 -1000 = 9000"},
		{name: "order: load, child, sale", cfg: []cfgFn{loads(bands...), sales(sale20)}, flight: load(100, 85), pt: Child,
			want: "base Y 10000; load_factor LOAD_80 1500; passenger_type CHILD -2875; sale S20 -1725 = 6900"},

		{name: "round child 757.5 half up", pt: Child, flight: fare(1010), want: "base Y 1010; passenger_type CHILD -252 = 758"},
		{name: "round child 753.75", pt: Child, flight: fare(1005), want: "base Y 1005; passenger_type CHILD -251 = 754"},
		{name: "round child 753.25", pt: Child, flight: fare(1003), want: "base Y 1003; passenger_type CHILD -251 = 752"},
		{name: "round sale 100.5 half up", cfg: []cfgFn{sales(salePct(10))}, flight: fare(1005), want: "base Y 1005; sale S10 -101 = 904"},
		{name: "round negative band -100.5 away from zero", cfg: []cfgFn{loads(LoadFactorBand{Percent: -10})}, flight: fare(1005), want: "base Y 1005; load_factor LOAD_0 -101 = 904"},
		{name: "round infant of 1 minor unit", pt: Infant, flight: fare(1), want: "base Y 1; passenger_type INFANT -1 = 0"},
		{name: "round infant of 5 minor units", pt: Infant, flight: fare(5), want: "base Y 5; passenger_type INFANT -4 = 1"},
		{name: "zero fare", cfg: []cfgFn{sales(sale20)}, flight: fare(0), want: "base Y 0; sale S20 0 = 0"},

		{name: "floor: 100% sale stacked with discount", cfg: []cfgFn{sales(salePct(100)), discs(adv10), fees(fuel), stack},
			want: "base Y 10000; sale S100 -10000; discount D10 -1000; floor FLOOR 1000; surcharge FUEL 2500 = 2500"},
		{name: "no floor when not stacked", cfg: []cfgFn{sales(salePct(100)), discs(adv10), fees(fuel)},
			want: "base Y 10000; sale S100 -10000; surcharge FUEL 2500 = 2500"},
		{name: "floor: free infant still pays surcharges", cfg: []cfgFn{factor("INFANT", 0), sales(sale20), discs(adv10), fees(fuel), stack}, pt: Infant,
			want: "base Y 10000; passenger_type INFANT -10000; sale S20 0; discount D10 0; surcharge FUEL 2500 = 2500"},

		{name: "per segment and per passenger in Price, per booking not", cfg: []cfgFn{fees(fuel, security, bookFee)},
			want: "base Y 10000; surcharge FUEL 2500; surcharge SEC 500 = 13000"},
		{name: "EUR flight takes EUR amounts", cfg: []cfgFn{fees(fuel, security)}, flight: currency("EUR"),
			want: "base Y 10000; surcharge FUEL 2300; surcharge SEC 450 = 12750"},
		{name: "JPY flight, child", cfg: []cfgFn{fees(fuel)}, flight: func(f *Flight) { f.Currency, f.BaseFare = "JPY", 52000 }, pt: Child,
			want: "base Y 52000; passenger_type CHILD -13000; surcharge FUEL 3800 = 42800"},
		{name: "any currency when no surcharges", flight: currency("NZD"), want: "base Y 10000 = 10000"},

		{name: "default config, child, busy flight", cfg: []cfgFn{dflt}, flight: func(f *Flight) { f.BaseFare, f.Sold = 50000, 85 }, pt: Child,
			want: "base Y 50000; load_factor LOAD_80 7500; passenger_type CHILD -14375; sale TRANSATLANTIC_WINTER -8625; surcharge FUEL 2500 = 37000"},
		{name: "default config stacked", cfg: []cfgFn{dflt, stack}, flight: func(f *Flight) { f.BaseFare, f.Sold = 50000, 85 }, pt: Child,
			want: "base Y 50000; load_factor LOAD_80 7500; passenger_type CHILD -14375; sale TRANSATLANTIC_WINTER -8625; discount ADVANCE_21 -4313; surcharge FUEL 2500 = 32687"},
		{name: "default config, GBP business class", cfg: []cfgFn{dflt}, flight: func(f *Flight) { f.Origin, f.Destination, f.Cabin, f.Currency = "LHR", "JFK", "J", "GBP" },
			want: "base Y 10000; discount ADVANCE_21 -1000; surcharge FUEL 2000 = 11000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg Config
			for _, fn := range tt.cfg {
				fn(&cfg)
			}
			f := testFlight()
			if tt.flight != nil {
				tt.flight(&f)
			}
			pt, at := tt.pt, tt.at
			if pt == "" {
				pt = Adult
			}
			if at.IsZero() {
				at = now
			}
			p, err := mustNew(t, cfg).Price(f, pt, at)
			if err != nil {
				t.Fatalf("Price: %v", err)
			}
			checkSum(t, p)
			if got := breakdown(p); got != fixCabin(tt.want, f.Cabin) {
				t.Errorf("breakdown\n got %s\nwant %s", got, fixCabin(tt.want, f.Cabin))
			}
			if p.Currency != f.Currency {
				t.Errorf("currency %q, want %q", p.Currency, f.Currency)
			}
		})
	}
}

// fixCabin lets table rows write "base Y" for any cabin.
func fixCabin(want, cabin string) string {
	if len(want) > 6 && want[:6] == "base Y" {
		return "base " + cabin + want[6:]
	}
	return want
}

func onRoute(o, d string) func(*Flight) { return func(f *Flight) { f.Origin, f.Destination = o, d } }
func cabin(c string) func(*Flight)      { return func(f *Flight) { f.Cabin = c } }
func fare(n int64) func(*Flight)        { return func(f *Flight) { f.BaseFare = n } }
func currency(c string) func(*Flight)   { return func(f *Flight) { f.Currency = c } }
func load(capacity, sold int) func(*Flight) {
	return func(f *Flight) { f.Capacity, f.Sold = capacity, sold }
}
func departs(after time.Duration) func(*Flight) {
	return func(f *Flight) { f.Departure = now.Add(after) }
}

func TestPriceErrors(t *testing.T) {
	e := mustNew(t, Config{Surcharges: []Surcharge{fuel}})
	tests := []struct {
		name   string
		flight func(*Flight)
		pt     PassengerType
		at     time.Time
		want   error
	}{
		{name: "unknown passenger type", pt: "SENIOR", want: ErrUnknownPassengerType},
		{name: "lower-case passenger type", pt: "adult", want: ErrUnknownPassengerType},
		{name: "currency no surcharge lists", flight: currency("NZD"), want: ErrCurrencyNotConfigured},
		{name: "zero moment", at: time.Time{}, want: ErrInvalidMoment},
		{name: "empty flight id", flight: func(f *Flight) { f.FlightID = "" }, want: ErrInvalidFlight},
		{name: "short origin", flight: onRoute("JF", "LHR"), want: ErrInvalidFlight},
		{name: "lower-case destination", flight: onRoute("JFK", "lhr"), want: ErrInvalidFlight},
		{name: "empty cabin", flight: cabin(""), want: ErrInvalidFlight},
		{name: "two-letter cabin", flight: cabin("YY"), want: ErrInvalidFlight},
		{name: "lower-case currency", flight: currency("usd"), want: ErrInvalidFlight},
		{name: "negative fare", flight: fare(-1), want: ErrInvalidFlight},
		{name: "fare above MaxAmount", flight: fare(MaxAmount + 1), want: ErrInvalidFlight},
		{name: "negative capacity", flight: load(-1, 0), want: ErrInvalidFlight},
		{name: "negative sold", flight: load(10, -1), want: ErrInvalidFlight},
		{name: "absurd sold", flight: load(10, maxSeats+1), want: ErrInvalidFlight},
		{name: "zero departure", flight: func(f *Flight) { f.Departure = time.Time{} }, want: ErrInvalidFlight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFlight()
			if tt.flight != nil {
				tt.flight(&f)
			}
			pt, at := tt.pt, now
			if pt == "" {
				pt = Adult
			}
			if tt.want == ErrInvalidMoment {
				at = tt.at
			}
			p, err := e.Price(f, pt, at)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if p.Lines != nil || p.Total != 0 {
				t.Errorf("got a price with the error: %s", breakdown(p))
			}
		})
	}
}

func TestParsePassengerType(t *testing.T) {
	for _, s := range []string{"ADULT", "CHILD", "INFANT"} {
		if pt, err := ParsePassengerType(s); err != nil || string(pt) != s {
			t.Errorf("ParsePassengerType(%q) = %q, %v", s, pt, err)
		}
	}
	for _, s := range []string{"", "adult", "Child", "SENIOR", " ADULT"} {
		if _, err := ParsePassengerType(s); !errors.Is(err, ErrUnknownPassengerType) {
			t.Errorf("ParsePassengerType(%q) err = %v, want ErrUnknownPassengerType", s, err)
		}
	}
}

func TestPercentOf(t *testing.T) {
	tests := []struct{ amount, pct, want int64 }{
		{1005, 10, 101}, {-1005, 10, -101}, // exact halves go away from zero
		{1004, 10, 100}, {-1004, 10, -100},
		{1006, 10, 101}, {-1006, 10, -101},
		{1, 50, 1}, {-1, 50, -1}, {3, 50, 2}, {-3, 50, -2},
		{1, 49, 0}, {-1, 49, 0},
		{0, 75, 0}, {12345, 0, 0}, {12345, 100, 12345},
		{MaxAmount, 1000, 10 * MaxAmount},
	}
	for _, tt := range tests {
		if got := percentOf(tt.amount, tt.pct); got != tt.want {
			t.Errorf("percentOf(%d, %d) = %d, want %d", tt.amount, tt.pct, got, tt.want)
		}
	}
}
