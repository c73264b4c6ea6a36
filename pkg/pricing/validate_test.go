package pricing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewAcceptsDefaultConfig(t *testing.T) {
	e := mustNew(t, defaultConfig())
	if !strings.HasPrefix(e.RulesVersion(), "sha256:") || len(e.RulesVersion()) != len("sha256:")+64 {
		t.Errorf("RulesVersion = %q", e.RulesVersion())
	}
	if _, err := New(Config{}); err != nil {
		t.Errorf("empty config: %v", err)
	}
}

func TestNewRejects(t *testing.T) {
	winter := Sale{Code: "WINTER", Name: "Winter sale", Start: date(2026, 12, 1), End: date(2027, 3, 1), PercentOff: 15}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"sale end before start", func(c *Config) {
			c.Sales = append(c.Sales, winter)
			c.Sales[1].Start, c.Sales[1].End = c.Sales[1].End, c.Sales[1].Start
		}, `pricing.sales[1] "Winter sale": end before start`},
		{"sale empty window", func(c *Config) { c.Sales[0].End = c.Sales[0].Start },
			`pricing.sales[0] "Transatlantic winter sale": end equals start`},
		{"sale missing start", func(c *Config) { c.Sales[0].Start = time.Time{} },
			`pricing.sales[0] "Transatlantic winter sale": start is required`},
		{"sale missing end", func(c *Config) { c.Sales[0].End = time.Time{} },
			`pricing.sales[0] "Transatlantic winter sale": end is required`},
		{"sale negative percent", func(c *Config) { c.Sales[0].PercentOff = -5 },
			`pricing.sales[0] "Transatlantic winter sale": percent_off -5 out of range 1..100`},
		{"sale percent over 100", func(c *Config) { c.Sales[0].PercentOff = 101 },
			`pricing.sales[0] "Transatlantic winter sale": percent_off 101 out of range 1..100`},
		{"sale route without dash", func(c *Config) { c.Sales[0].Routes = []string{"JFKLHR"} },
			`pricing.sales[0] "Transatlantic winter sale": routes[0] "JFKLHR": want ORIGIN-DESTINATION`},
		{"sale route lower case", func(c *Config) { c.Sales[0].Routes = []string{"JFK-LHR", "jfk-lhr"} },
			`pricing.sales[0] "Transatlantic winter sale": routes[1] "jfk-lhr"`},
		{"sale route to itself", func(c *Config) { c.Sales[0].Routes = []string{"JFK-JFK"} },
			`routes[0] "JFK-JFK"`},
		{"sale bad cabin", func(c *Config) { c.Sales[0].Cabins = []string{"Y", "ECO"} },
			`pricing.sales[0] "Transatlantic winter sale": cabins[1] "ECO"`},
		{"overlapping sales", func(c *Config) { c.Sales = append(c.Sales, winter) },
			`pricing.sales[1] "Winter sale": overlaps pricing.sales[0] "Transatlantic winter sale"`},
		{"overlapping sales on a shared route", func(c *Config) {
			w := winter
			w.Routes, w.Cabins = []string{"LHR-JFK", "LHR-CDG"}, []string{"W"}
			c.Sales = append(c.Sales, w)
		}, `pricing.sales[1] "Winter sale": overlaps pricing.sales[0]`},
		{"discount percent zero", func(c *Config) { c.Discounts[0].PercentOff = 0 },
			`pricing.discounts[0] "Advance purchase (21+ days)": percent_off 0 out of range 1..100`},
		{"discount percent over 100", func(c *Config) { c.Discounts[0].PercentOff = 150 },
			`pricing.discounts[0] "Advance purchase (21+ days)": percent_off 150 out of range 1..100`},
		{"discount negative days", func(c *Config) { c.Discounts[0].MinDaysBeforeDeparture = -1 },
			`pricing.discounts[0] "Advance purchase (21+ days)": min_days_before_departure -1 out of range`},
		{"discount bad route", func(c *Config) { c.Discounts[0].Routes = []string{"JFK_LHR"} },
			`pricing.discounts[0] "Advance purchase (21+ days)": routes[0] "JFK_LHR"`},
		{"unknown passenger type", func(c *Config) { c.PassengerFactors["SENIOR"] = 80 },
			`pricing.passenger_factors.SENIOR: unknown passenger type`},
		{"factor over 100", func(c *Config) { c.PassengerFactors["CHILD"] = 150 },
			`pricing.passenger_factors.CHILD: factor 150% out of range 0..100`},
		{"negative factor", func(c *Config) { c.PassengerFactors["INFANT"] = -1 },
			`pricing.passenger_factors.INFANT: factor -1% out of range`},
		{"factor listed twice by case", func(c *Config) { c.PassengerFactors["child"] = 70 },
			`CHILD listed twice`},
		{"unknown surcharge unit", func(c *Config) { c.Surcharges[0].Unit = "per_leg" },
			`pricing.surcharges[0] "Fuel surcharge": unknown unit "per_leg"`},
		{"missing amounts", func(c *Config) { c.Surcharges[1].Amounts = nil },
			`pricing.surcharges[1] "Booking fee": amounts missing`},
		{"bad currency code", func(c *Config) { c.Surcharges[0].Amounts["US"] = 1 },
			`pricing.surcharges[0] "Fuel surcharge": amounts: "US" is not an ISO 4217 currency code`},
		{"negative amount", func(c *Config) { c.Surcharges[0].Amounts["USD"] = -1 },
			`pricing.surcharges[0] "Fuel surcharge": amounts.USD = -1 out of range`},
		{"currency listed twice by case", func(c *Config) { c.Surcharges[0].Amounts["usd"] = 2500 },
			`pricing.surcharges[0] "Fuel surcharge": amounts: USD listed twice`},
		{"surcharges list different currencies", func(c *Config) {
			delete(c.Surcharges[1].Amounts, "JPY")
			c.Surcharges[1].Amounts["NZD"] = 2000
		}, `pricing.surcharges[1] "Booking fee": amounts must list the same currencies as pricing.surcharges[0]: missing [JPY], extra [NZD]`},
		{"bands unsorted", func(c *Config) {
			c.LoadFactorBands[0], c.LoadFactorBands[1] = c.LoadFactorBands[1], c.LoadFactorBands[0]
		},
			`pricing.load_factor_bands[1]: min_load_percent 80 must be above the previous band's 95`},
		{"bands duplicate threshold", func(c *Config) { c.LoadFactorBands[1].MinLoadPercent = 80 },
			`pricing.load_factor_bands[1]: min_load_percent 80 must be above the previous band's 80`},
		{"band threshold over 100", func(c *Config) { c.LoadFactorBands[1].MinLoadPercent = 101 },
			`pricing.load_factor_bands[1]: min_load_percent 101 out of range 0..100`},
		{"band percent below -100", func(c *Config) { c.LoadFactorBands[0].Percent = -101 },
			`pricing.load_factor_bands[0]: percent -101 out of range -100..1000`},
		{"missing name", func(c *Config) { c.Discounts[0].Name = " " },
			`pricing.discounts[0]: name is required`},
		{"bad code", func(c *Config) { c.Surcharges[0].Code = "fuel" },
			`pricing.surcharges[0] "Fuel surcharge": code "fuel" must be`},
		{"duplicate code across kinds", func(c *Config) { c.Discounts[0].Code = "TRANSATLANTIC_WINTER" },
			`pricing.discounts[0] "Advance purchase (21+ days)": code "TRANSATLANTIC_WINTER" already used by pricing.sales[0]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig()
			tt.edit(&cfg)
			e, err := New(cfg)
			if err == nil {
				t.Fatalf("New accepted the config (engine %v)", e)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %v does not wrap ErrInvalidConfig", err)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("error %v is not a *ConfigError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n%v\ndoes not contain\n%s", err, tt.want)
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	cfg := defaultConfig()
	cfg.Sales[0].PercentOff = 0
	cfg.Surcharges[0].Unit = ""
	cfg.LoadFactorBands[1].MinLoadPercent = 10
	_, err := New(cfg)
	for _, want := range []string{"pricing.sales[0]", "pricing.surcharges[0]", "pricing.load_factor_bands[1]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

func TestNewAllowsSalesThatCannotMeet(t *testing.T) {
	base := Sale{Code: "A", Name: "A", Start: date(2026, 1, 1), End: date(2026, 2, 1), PercentOff: 10,
		Routes: []string{"JFK-LHR"}, Cabins: []string{"Y"}}
	tests := []struct {
		name string
		edit func(*Sale)
	}{
		{"back-to-back windows", func(s *Sale) { s.Start, s.End = base.End, base.End.Add(days(30)) }},
		{"other route", func(s *Sale) { s.Routes = []string{"LHR-CDG"} }},
		{"reverse direction", func(s *Sale) { s.Routes = []string{"LHR-JFK"} }},
		{"other cabin", func(s *Sale) { s.Cabins = []string{"J", "F"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base
			b.Code, b.Name = "B", "B"
			tt.edit(&b)
			mustNew(t, Config{Sales: []Sale{base, b}})
		})
	}
}

func TestNewNormalizesAndCopies(t *testing.T) {
	cfg := defaultConfig()
	lower := defaultConfig()
	lower.Surcharges[0].Amounts = map[string]int64{}
	for k, v := range cfg.Surcharges[0].Amounts {
		lower.Surcharges[0].Amounts[strings.ToLower(k)] = v
	}
	lower.PassengerFactors = map[string]int{"child": 75}
	ny := time.FixedZone("EST", -5*3600)
	lower.Sales[0].Start = lower.Sales[0].Start.In(ny)
	lower.Discounts[0].Routes = nil
	e1, e2 := mustNew(t, cfg), mustNew(t, lower)
	if e1.RulesVersion() != e2.RulesVersion() {
		t.Errorf("equivalent configs fingerprint differently: %s vs %s", e1.RulesVersion(), e2.RulesVersion())
	}
	p1, err1 := e1.Price(testFlight(), Child, now)
	p2, err2 := e2.Price(testFlight(), Child, now)
	if err1 != nil || err2 != nil || breakdown(p1) != breakdown(p2) {
		t.Errorf("prices differ: %s (%v) vs %s (%v)", breakdown(p1), err1, breakdown(p2), err2)
	}

	cfg.Surcharges[0].Amounts["USD"] = 1 // the engine must not see later edits
	cfg.Sales[0].Routes[0] = "CDG-LHR"
	if p, _ := e1.Price(testFlight(), Child, now); breakdown(p) != breakdown(p1) {
		t.Errorf("engine changed with its config: %s, was %s", breakdown(p), breakdown(p1))
	}
	if e3 := mustNew(t, cfg); e3.RulesVersion() == e1.RulesVersion() {
		t.Error("different rules, same RulesVersion")
	}
}
