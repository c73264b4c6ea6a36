package pricing

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Engine prices flights under one validated Config. It is immutable after
// New and safe for concurrent use.
type Engine struct {
	stack       bool
	factors     [3]int64 // percent, indexed by paxIndex
	paxDesc     [3]string
	sales       []sale
	discounts   []discount
	fees        []surcharge // per_passenger and per_segment, config order
	bookingFees []surcharge // per_booking, config order
	bands       []band      // ascending minLoad
	version     string
}

// route is a directional origin-destination pair.
type route struct{ origin, destination string }

// scope restricts a rule to routes and cabins; a nil set matches everything.
type scope struct {
	routes map[route]struct{}
	cabins map[string]struct{}
}

type sale struct {
	code, desc string
	start, end time.Time
	pct        int64
	scope      scope
}

type discount struct {
	code, desc string
	minAdvance time.Duration
	pct        int64
	scope      scope
}

type surcharge struct {
	code, desc, unit string
	amounts          map[string]int64
}

type band struct {
	minLoad, pct int64
	code, desc   string
}

// New validates cfg and compiles it into an Engine. A non-nil error joins one
// *ConfigError (wrapping ErrInvalidConfig) per problem, each naming its rule.
func New(cfg Config) (*Engine, error) {
	if err := validate(cfg); err != nil {
		return nil, err
	}
	n := normalize(cfg)
	version, err := fingerprint(n)
	if err != nil {
		return nil, &ConfigError{Path: "pricing", Reason: err.Error()}
	}
	return compile(n, version), nil
}

// RulesVersion is "sha256:" plus the hex SHA-256 of the canonical JSON of the
// normalized Config; equal rules give equal versions.
func (e *Engine) RulesVersion() string { return e.version }

func fingerprint(c Config) (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

func compile(c Config, version string) *Engine {
	e := &Engine{stack: c.SalesStackWithDiscounts, version: version}
	for _, pt := range []PassengerType{Adult, Child, Infant} {
		i, _ := paxIndex(pt)
		e.factors[i] = int64(c.PassengerFactors[string(pt)])
		e.paxDesc[i] = fmt.Sprintf("%s fare: %d%% of adult", pt, e.factors[i])
	}
	for _, s := range c.Sales {
		e.sales = append(e.sales, compileSale(s))
	}
	for _, d := range c.Discounts {
		e.discounts = append(e.discounts, compileDiscount(d))
	}
	for _, s := range c.Surcharges {
		e.addSurcharge(s)
	}
	for _, b := range c.LoadFactorBands {
		e.bands = append(e.bands, compileBand(b))
	}
	return e
}

func compileSale(s Sale) sale {
	return sale{
		code: s.Code, desc: fmt.Sprintf("%s: %d%% off", s.Name, s.PercentOff),
		start: s.Start, end: s.End, pct: int64(s.PercentOff),
		scope: compileScope(s.Routes, s.Cabins),
	}
}

func compileDiscount(d Discount) discount {
	return discount{
		code: d.Code, desc: fmt.Sprintf("%s: %d%% off", d.Name, d.PercentOff),
		minAdvance: time.Duration(d.MinDaysBeforeDeparture) * 24 * time.Hour,
		pct:        int64(d.PercentOff),
		scope:      compileScope(d.Routes, d.Cabins),
	}
}

func (e *Engine) addSurcharge(s Surcharge) {
	c := surcharge{code: s.Code, desc: s.Name, unit: s.Unit, amounts: s.Amounts}
	if s.Unit == PerBooking {
		e.bookingFees = append(e.bookingFees, c)
		return
	}
	e.fees = append(e.fees, c)
}

func compileBand(b LoadFactorBand) band {
	return band{
		minLoad: int64(b.MinLoadPercent), pct: int64(b.Percent),
		code: "LOAD_" + strconv.Itoa(b.MinLoadPercent),
		desc: fmt.Sprintf("Load factor >= %d%%: %+d%%", b.MinLoadPercent, b.Percent),
	}
}

// compileScope turns validated route strings ("JFK-LHR") and cabin codes into
// lookup sets; an empty list stays nil and matches everything.
func compileScope(routes, cabins []string) scope {
	var s scope
	if len(routes) > 0 {
		s.routes = make(map[route]struct{}, len(routes))
		for _, r := range routes {
			s.routes[route{origin: r[:3], destination: r[4:]}] = struct{}{}
		}
	}
	if len(cabins) > 0 {
		s.cabins = make(map[string]struct{}, len(cabins))
		for _, c := range cabins {
			s.cabins[c] = struct{}{}
		}
	}
	return s
}

func (s scope) matches(f *Flight) bool {
	if s.routes != nil {
		if _, ok := s.routes[route{f.Origin, f.Destination}]; !ok {
			return false
		}
	}
	if s.cabins != nil {
		if _, ok := s.cabins[f.Cabin]; !ok {
			return false
		}
	}
	return true
}
