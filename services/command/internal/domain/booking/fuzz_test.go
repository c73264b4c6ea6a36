package booking

import (
	"errors"
	"strings"
	"testing"

	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// FuzzParseRequest holds a commit request to its rules: no panic; an
// accepted one carries a canonical trip id, an address that parses again
// to itself and the token exactly as sent; a refused one is a validation
// error naming only the request's fields (a 400).
func FuzzParseRequest(f *testing.F) {
	const id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	f.Add(id, "jane@example.com", "tok_visa", uint8(1))
	f.Add(strings.ToUpper(id), "Jane <jane@example.com>", "tok visa", uint8(0))
	f.Add("nope", "jane@localhost", "", uint8(19))
	f.Add(id, "jane@exa mple.com", strings.Repeat("t", 256), uint8(2))
	f.Add(id, `"jane doe"@example.com`, "tok_chargeDeclinedExpiredCard", uint8(18))
	f.Add(id, "@example.com", "tok_\x00", uint8(3))
	f.Fuzz(func(t *testing.T, tripID, email, token string, passengers uint8) {
		r := Request{TripID: tripID, Email: email, PaymentToken: token, Passengers: make([]PassengerInput, passengers)}
		c, err := ParseRequest(r)
		if err != nil {
			var v *trip.ValidationError
			if !errors.As(err, &v) || len(v.Fields) == 0 {
				t.Fatalf("ParseRequest: %v is not a validation error", err)
			}
			for field := range v.Fields {
				switch field {
				case "trip_id", "user_email", "payment_token", "passengers":
				default:
					t.Fatalf("ParseRequest: %v names %q", err, field)
				}
			}
			return
		}
		if again, err := trip.ParseID(c.TripID); err != nil || again != c.TripID || !strings.EqualFold(c.TripID, tripID) {
			t.Fatalf("trip id %q from %q is not canonical", c.TripID, tripID)
		}
		if again, err := ParseEmail(c.Email.Reveal()); err != nil || again != c.Email || c.Email.Reveal() != email || len(email) > 254 {
			t.Fatalf("address %q from %q", c.Email.Reveal(), email)
		}
		if c.Token.Reveal() != token || strings.ContainsAny(token, " \t\r\n") {
			t.Fatalf("token %q from %q", c.Token.Reveal(), token)
		}
		if passengers == 0 || int(passengers) > 2*trip.MaxSeated {
			t.Fatalf("%d passengers accepted", passengers)
		}
	})
}
