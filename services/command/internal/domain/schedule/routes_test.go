package schedule

import (
	"slices"
	"testing"
)

func TestRoutesAreValid(t *testing.T) {
	routes := Routes()
	if n := len(routes); n < 60 || n > 100 {
		t.Errorf("%d directional routes, want 60-100", n)
	}
	seen := map[string]bool{}
	for _, r := range routes {
		key := r.Origin + "-" + r.Destination
		if seen[key] {
			t.Errorf("route %s repeated", key)
		}
		seen[key] = true
		checkRoute(t, r)
	}
	for k := range seen {
		back := k[4:] + "-" + k[:3]
		if !seen[back] {
			t.Errorf("route %s has no return route", k)
		}
	}
}

func checkRoute(t *testing.T, r Route) {
	t.Helper()
	o, okO := AirportByCode(r.Origin)
	_, okD := AirportByCode(r.Destination)
	if !okO || !okD || r.Origin == r.Destination {
		t.Errorf("route %s-%s: bad airports", r.Origin, r.Destination)
	}
	if _, ok := AircraftByCode(r.Aircraft); !ok {
		t.Errorf("route %s-%s: unknown aircraft %q", r.Origin, r.Destination, r.Aircraft)
	}
	if r.DailyFlights < 1 || r.DailyFlights > maxDailyFlights {
		t.Errorf("route %s-%s: %d daily flights, want 1-%d", r.Origin, r.Destination, r.DailyFlights, maxDailyFlights)
	}
	if r.Currency != currencyByCountry[o.Country] {
		t.Errorf("route %s-%s: currency %s, want %s", r.Origin, r.Destination, r.Currency, currencyByCountry[o.Country])
	}
}

func TestEveryAirportIsServed(t *testing.T) {
	served := map[string]bool{}
	for _, r := range Routes() {
		served[r.Origin] = true
	}
	for _, a := range Airports() {
		if !served[a.Code] {
			t.Errorf("no route from %s", a.Code)
		}
	}
}

func TestFlightNumberBlocksDoNotOverlap(t *testing.T) {
	owner := map[int]string{}
	for _, r := range Routes() {
		for j := range maxDailyFlights {
			n := r.FirstFlightNumber + j
			if other, taken := owner[n]; taken {
				t.Errorf("flight number %d used by %s and %s-%s", n, other, r.Origin, r.Destination)
			}
			owner[n] = r.Origin + "-" + r.Destination
			if n < 1 || n >= scaleNumberStep {
				t.Errorf("flight number %d outside 1-%d", n, scaleNumberStep-1)
			}
		}
	}
}

func TestJFKLHRRoutes(t *testing.T) {
	want := []Route{
		{Origin: "JFK", Destination: "LHR", FirstFlightNumber: 101, Currency: "USD"},
		{Origin: "LHR", Destination: "JFK", FirstFlightNumber: 111, Currency: "GBP"},
	}
	for _, w := range want {
		i := slices.IndexFunc(Routes(), func(r Route) bool { return r.Origin == w.Origin && r.Destination == w.Destination })
		if i < 0 {
			t.Fatalf("no route %s-%s", w.Origin, w.Destination)
		}
		r := Routes()[i]
		if r.DailyFlights < 3 || r.FirstFlightNumber != w.FirstFlightNumber || r.Currency != w.Currency {
			t.Errorf("route %s-%s = %+v", w.Origin, w.Destination, r)
		}
	}
}

func TestRouteFares(t *testing.T) {
	for _, r := range Routes() {
		a, _ := AircraftByCode(r.Aircraft)
		if !slices.Equal(sortedKeys(r.Fares), sortedKeys(cabinSet(a))) {
			t.Errorf("%s-%s fares %v, want one per cabin of %s", r.Origin, r.Destination, r.Fares, a.Code)
		}
		unit := pow10(currencies[r.Currency].minorDigits)
		for cabin, f := range r.Fares {
			if f <= 0 || f%unit != 0 {
				t.Errorf("%s-%s %s fare %d is not a positive whole %s", r.Origin, r.Destination, cabin, f, r.Currency)
			}
		}
		checkCabinOrder(t, r)
	}
}

func checkCabinOrder(t *testing.T, r Route) {
	t.Helper()
	prev := int64(0)
	for _, c := range []string{CabinEconomy, CabinPremiumEconomy, CabinBusiness, CabinFirst} {
		f, ok := r.Fares[c]
		if !ok {
			continue
		}
		if f <= prev {
			t.Errorf("%s-%s %s fare %d is not above the cabin below (%d)", r.Origin, r.Destination, c, f, prev)
		}
		prev = f
	}
}

func cabinSet(a Aircraft) map[string]int64 {
	m := map[string]int64{}
	for _, c := range a.Cabins {
		m[c.Code] = 0
	}
	return m
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestFares(t *testing.T) {
	tests := []struct {
		name   string
		km     int64
		cur    string
		cabins []string
		want   map[string]int64
	}{
		// Y: 40 + 0.10*5540 = 594 USD; W 950.40, J 2079, F 3564.
		{"USD long haul", 5540, "USD", []string{"F", "J", "W", "Y"},
			map[string]int64{"F": 356400, "J": 207900, "W": 95000, "Y": 59400}},
		// 594 USD = 469.26 GBP -> 469 GBP.
		{"GBP rounds down", 5540, "GBP", []string{"Y"}, map[string]int64{"Y": 46900}},
		// 139 USD * 150 = 20850 JPY, no minor digits.
		{"JPY has no minor units", 990, "JPY", []string{"Y"}, map[string]int64{"Y": 20850}},
		// 50 USD * 0.92 = 46 EUR.
		{"EUR short hop", 100, "EUR", []string{"Y", "J"}, map[string]int64{"Y": 4600, "J": 16100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fares(tt.km, tt.cur, tt.cabins)
			for c, w := range tt.want {
				if got[c] != w {
					t.Errorf("fare %s = %d, want %d", c, got[c], w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("fares %v, want cabins of %v", got, tt.want)
			}
		})
	}
}

func TestDistanceAndBlockTime(t *testing.T) {
	tests := []struct {
		from, to     string
		minKm, maxKm int64
		block        int64
	}{
		{"JFK", "LHR", 5530, 5550, 445},
		{"LHR", "JFK", 5530, 5550, 445},
		{"SYD", "MEL", 700, 715, 85},
		{"SIN", "LHR", 10870, 10900, 845},
	}
	for _, tt := range tests {
		a, _ := AirportByCode(tt.from)
		b, _ := AirportByCode(tt.to)
		km := distanceKm(a, b)
		if km < tt.minKm || km > tt.maxKm {
			t.Errorf("%s-%s distance %d km, want %d-%d", tt.from, tt.to, km, tt.minKm, tt.maxKm)
		}
		if got := blockMinutes(km); got != tt.block {
			t.Errorf("%s-%s block %d min, want %d", tt.from, tt.to, got, tt.block)
		}
	}
}
