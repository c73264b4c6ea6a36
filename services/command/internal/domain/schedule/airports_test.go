package schedule

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestAirportsAreValid(t *testing.T) {
	code := regexp.MustCompile(`^[A-Z]{3}$`)
	all := Airports()
	if len(all) < 40 {
		t.Errorf("%d airports, want at least 40", len(all))
	}
	seen := map[string]bool{}
	for _, a := range all {
		if !code.MatchString(a.Code) || seen[a.Code] {
			t.Errorf("airport code %q is malformed or repeated", a.Code)
		}
		seen[a.Code] = true
		if a.Name == "" || a.City == "" {
			t.Errorf("%s: missing name or city", a.Code)
		}
		if _, ok := currencyByCountry[a.Country]; !ok {
			t.Errorf("%s: no currency for country %q", a.Code, a.Country)
		}
		if _, err := time.LoadLocation(a.TimeZone); err != nil {
			t.Errorf("%s: time zone %q: %v", a.Code, a.TimeZone, err)
		}
		if a.Lat < -90 || a.Lat > 90 || a.Lon < -180 || a.Lon > 180 || (a.Lat == 0 && a.Lon == 0) {
			t.Errorf("%s: bad position %v,%v", a.Code, a.Lat, a.Lon)
		}
	}
}

func TestAirportsSpanContinents(t *testing.T) {
	// One time zone prefix per continent; Asia covers the Middle East too.
	prefixes := map[string]bool{}
	for _, a := range Airports() {
		continent, _, _ := strings.Cut(a.TimeZone, "/")
		prefixes[continent] = true
	}
	for _, p := range []string{"America", "Europe", "Asia", "Australia", "Africa"} {
		if !prefixes[p] {
			t.Errorf("no airport in %s/…", p)
		}
	}
}

func TestAirportByCode(t *testing.T) {
	jfk, ok := AirportByCode("JFK")
	if !ok || jfk.TimeZone != "America/New_York" || jfk.Country != "US" {
		t.Errorf("AirportByCode(JFK) = %+v, %v", jfk, ok)
	}
	if _, ok := AirportByCode("XXX"); ok {
		t.Error("AirportByCode(XXX) found an airport")
	}
}

func TestAirportsReturnsACopy(t *testing.T) {
	Airports()[0].Code = "ZZZ"
	if Airports()[0].Code == "ZZZ" {
		t.Error("Airports exposes the package's table")
	}
}
