package pricing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Limits that keep all integer arithmetic far from int64 overflow.
const (
	// MaxAmount bounds base fares and surcharge amounts, in minor units.
	MaxAmount int64 = 1_000_000_000_000
	// MaxDaysBeforeDeparture bounds Discount.MinDaysBeforeDeparture.
	MaxDaysBeforeDeparture = 3660
	maxCodeLen             = 32
	minBandPercent         = -100
	maxBandPercent         = 1000
)

var surchargeUnits = []string{PerPassenger, PerSegment, PerBooking}

// validator collects one ConfigError per problem so an operator sees them all.
type validator struct {
	errs  []error
	codes map[string]string // rule code -> path of the rule that owns it
}

func validate(c Config) error {
	v := &validator{codes: map[string]string{}}
	v.factors(c.PassengerFactors)
	v.sales(c.Sales)
	for i, d := range c.Discounts {
		v.discount(fmt.Sprintf("pricing.discounts[%d]", i), d)
	}
	v.surcharges(c.Surcharges)
	v.bands(c.LoadFactorBands)
	return errors.Join(v.errs...)
}

func (v *validator) add(path, rule, format string, args ...any) {
	v.errs = append(v.errs, &ConfigError{Path: path, Rule: rule, Reason: fmt.Sprintf(format, args...)})
}

func (v *validator) factors(m map[string]int) {
	seen := map[string]bool{}
	for _, k := range sortedKeys(m) {
		path := "pricing.passenger_factors." + k
		up := strings.ToUpper(k)
		if _, ok := paxIndex(PassengerType(up)); !ok {
			v.add(path, "", "unknown passenger type (want ADULT, CHILD or INFANT)")
			continue
		}
		if seen[up] {
			v.add(path, "", "%s listed twice", up)
		}
		seen[up] = true
		if p := m[k]; p < 0 || p > 100 {
			v.add(path, "", "factor %d%% out of range 0..100", p)
		}
	}
}

func (v *validator) sales(sales []Sale) {
	ok := true
	for i, s := range sales {
		n := len(v.errs)
		v.sale(fmt.Sprintf("pricing.sales[%d]", i), s)
		ok = ok && len(v.errs) == n
	}
	if ok {
		v.saleOverlaps(sales)
	}
}

func (v *validator) sale(path string, s Sale) {
	v.ident(path, s.Name, s.Code)
	v.percent(path, s.Name, "percent_off", s.PercentOff, 1, 100)
	v.window(path, s.Name, s.Start, s.End)
	v.scope(path, s.Name, s.Routes, s.Cabins)
}

// saleOverlaps enforces "at most one sale applies": no two sales may share a
// moment, a route and a cabin (an empty list shares with everything).
func (v *validator) saleOverlaps(sales []Sale) {
	for j := range sales {
		for i := range j {
			if salesOverlap(sales[i], sales[j]) {
				v.add(fmt.Sprintf("pricing.sales[%d]", j), sales[j].Name,
					"overlaps pricing.sales[%d] %q in time, route and cabin; at most one sale may apply to a flight",
					i, sales[i].Name)
			}
		}
	}
}

func salesOverlap(a, b Sale) bool {
	inTime := a.Start.Before(b.End) && b.Start.Before(a.End)
	return inTime && listsMeet(a.Routes, b.Routes) && listsMeet(a.Cabins, b.Cabins)
}

// listsMeet reports whether two scope lists share an element, where an empty
// list stands for everything.
func listsMeet(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func (v *validator) discount(path string, d Discount) {
	v.ident(path, d.Name, d.Code)
	v.percent(path, d.Name, "percent_off", d.PercentOff, 1, 100)
	if d.MinDaysBeforeDeparture < 0 || d.MinDaysBeforeDeparture > MaxDaysBeforeDeparture {
		v.add(path, d.Name, "min_days_before_departure %d out of range 0..%d",
			d.MinDaysBeforeDeparture, MaxDaysBeforeDeparture)
	}
	v.scope(path, d.Name, d.Routes, d.Cabins)
}

func (v *validator) surcharges(list []Surcharge) {
	var want []string // the currencies of the first surcharge with amounts
	wantPath := ""
	for i, s := range list {
		path := fmt.Sprintf("pricing.surcharges[%d]", i)
		v.ident(path, s.Name, s.Code)
		if !slices.Contains(surchargeUnits, s.Unit) {
			v.add(path, s.Name, "unknown unit %q (want per_passenger, per_segment or per_booking)", s.Unit)
		}
		got := v.amounts(path, s)
		if got == nil {
			continue
		}
		if want == nil {
			want, wantPath = got, path
			continue
		}
		v.sameCurrencies(path, s.Name, got, want, wantPath)
	}
}

// amounts checks one surcharge's amounts and returns its upper-cased,
// sorted currency codes (nil when it has none).
func (v *validator) amounts(path string, s Surcharge) []string {
	if len(s.Amounts) == 0 {
		v.add(path, s.Name, "amounts missing: give an amount per currency, e.g. amounts = { USD = 2500 }")
		return nil
	}
	var codes []string
	for _, k := range sortedKeys(s.Amounts) {
		up := strings.ToUpper(k)
		switch a := s.Amounts[k]; {
		case !isUpperCode(up, 3):
			v.add(path, s.Name, "amounts: %q is not an ISO 4217 currency code", k)
		case slices.Contains(codes, up):
			v.add(path, s.Name, "amounts: %s listed twice", up)
		case a < 0 || a > MaxAmount:
			v.add(path, s.Name, "amounts.%s = %d out of range 0..%d", up, a, MaxAmount)
		}
		codes = append(codes, up)
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

func (v *validator) sameCurrencies(path, rule string, got, want []string, wantPath string) {
	missing := difference(want, got)
	extra := difference(got, want)
	if len(missing)+len(extra) == 0 {
		return
	}
	v.add(path, rule, "amounts must list the same currencies as %s: missing [%s], extra [%s]",
		wantPath, strings.Join(missing, " "), strings.Join(extra, " "))
}

func (v *validator) bands(bands []LoadFactorBand) {
	prev := -1
	for i, b := range bands {
		path := fmt.Sprintf("pricing.load_factor_bands[%d]", i)
		if b.MinLoadPercent < 0 || b.MinLoadPercent > 100 {
			v.add(path, "", "min_load_percent %d out of range 0..100", b.MinLoadPercent)
		}
		if b.MinLoadPercent <= prev {
			v.add(path, "", "min_load_percent %d must be above the previous band's %d (bands sorted ascending, no overlaps)",
				b.MinLoadPercent, prev)
		}
		v.percent(path, "", "percent", b.Percent, minBandPercent, maxBandPercent)
		prev = b.MinLoadPercent
	}
}

// ident checks a rule's name and code; codes are unique across all rules.
func (v *validator) ident(path, name, code string) {
	if strings.TrimSpace(name) == "" {
		v.add(path, "", "name is required")
	}
	if !isRuleCode(code) {
		v.add(path, name, "code %q must be 1..%d of A-Z, 0-9, _", code, maxCodeLen)
		return
	}
	if first, dup := v.codes[code]; dup {
		v.add(path, name, "code %q already used by %s", code, first)
		return
	}
	v.codes[code] = path
}

func (v *validator) percent(path, rule, field string, p, lo, hi int) {
	if p < lo || p > hi {
		v.add(path, rule, "%s %d out of range %d..%d", field, p, lo, hi)
	}
}

func (v *validator) window(path, rule string, start, end time.Time) {
	switch {
	case start.IsZero():
		v.add(path, rule, "start is required (RFC 3339)")
	case end.IsZero():
		v.add(path, rule, "end is required (RFC 3339)")
	case start.Year() > 9999 || end.Year() > 9999:
		v.add(path, rule, "start and end must be before year 10000")
	case end.Before(start):
		v.add(path, rule, "end before start")
	case end.Equal(start):
		v.add(path, rule, "end equals start (the window [start, end) is empty)")
	}
}

func (v *validator) scope(path, rule string, routes, cabins []string) {
	for i, r := range routes {
		if !isRoute(r) {
			v.add(path, rule, "routes[%d] %q: want ORIGIN-DESTINATION IATA codes like \"JFK-LHR\"", i, r)
		}
	}
	for i, c := range cabins {
		if !isUpperCode(c, 1) {
			v.add(path, rule, "cabins[%d] %q: want a one-letter cabin code like \"Y\"", i, c)
		}
	}
}

// normalize returns a deep copy of a validated Config in canonical form:
// upper-case map keys, default passenger factors filled in, UTC times and
// nil for empty lists. The Engine and RulesVersion are built from it.
func normalize(c Config) Config {
	n := Config{SalesStackWithDiscounts: c.SalesStackWithDiscounts}
	n.PassengerFactors = map[string]int{}
	for pt, f := range defaultFactors {
		n.PassengerFactors[string(pt)] = f
	}
	for k, f := range c.PassengerFactors {
		n.PassengerFactors[strings.ToUpper(k)] = f
	}
	for _, s := range c.Sales {
		s.Start, s.End = s.Start.UTC(), s.End.UTC()
		s.Routes, s.Cabins = cloneList(s.Routes), cloneList(s.Cabins)
		n.Sales = append(n.Sales, s)
	}
	for _, d := range c.Discounts {
		d.Routes, d.Cabins = cloneList(d.Routes), cloneList(d.Cabins)
		n.Discounts = append(n.Discounts, d)
	}
	for _, s := range c.Surcharges {
		s.Amounts = upperKeys(s.Amounts)
		n.Surcharges = append(n.Surcharges, s)
	}
	n.LoadFactorBands = slices.Clone(c.LoadFactorBands)
	return n
}

func cloneList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return slices.Clone(l)
}

func upperKeys(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, a := range m {
		out[strings.ToUpper(k)] = a
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// difference returns the elements of a not in b.
func difference(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func isRoute(s string) bool {
	return len(s) == 7 && s[3] == '-' && isUpperCode(s[:3], 3) && isUpperCode(s[4:], 3) && s[:3] != s[4:]
}

// isUpperCode reports whether s is exactly n ASCII capital letters.
func isUpperCode(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isRuleCode(s string) bool {
	if len(s) == 0 || len(s) > maxCodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
