package schedule

import (
	"regexp"
	"testing"
)

var uuidV5Pattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUUIDv5MatchesRFC4122Vectors(t *testing.T) {
	const (
		dnsNamespace = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
		urlNamespace = "6ba7b811-9dad-11d1-80b4-00c04fd430c8"
	)
	tests := []struct {
		name      string
		namespace string
		input     string
		want      string
	}{
		// Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
		{"dns python.org", dnsNamespace, "python.org", "886313e1-3b8a-5372-9b90-0c9aee199e5d"},
		{"flight namespace derivation", urlNamespace, "github.com/altisair/altis/flight", FlightNamespace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := uuidV5(mustParseUUID(tt.namespace), tt.input); got != tt.want {
				t.Errorf("uuidV5(%s, %q) = %s, want %s", tt.namespace, tt.input, got, tt.want)
			}
		})
	}
}

func TestFlightID(t *testing.T) {
	// Python: uuid.uuid5(uuid.UUID(FlightNamespace), "AL101/2027-01-15")
	const want = "0948ecf4-d793-5712-b6e5-01ac13a59792"
	if got := FlightID("AL101", "2027-01-15"); got != want {
		t.Errorf("FlightID = %s, want %s", got, want)
	}
	if !uuidV5Pattern.MatchString(want) {
		t.Errorf("%s is not a version 5 RFC 4122 UUID", want)
	}
	if FlightID("AL101", "2027-01-16") == want || FlightID("AL102", "2027-01-15") == want {
		t.Error("FlightID ignores its number or date")
	}
}

func TestMustParseUUIDRoundTrips(t *testing.T) {
	if got := formatUUID(mustParseUUID(FlightNamespace)); got != FlightNamespace {
		t.Errorf("round trip = %s, want %s", got, FlightNamespace)
	}
}
