package app

import (
	"errors"
	"strings"
	"testing"

	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// FuzzParseSeatInput holds the seat request parser to its rules: no
// panic; an accepted request carries canonical ids and the seat as sent;
// a refused one is a validation error naming only its fields (a 400).
func FuzzParseSeatInput(f *testing.F) {
	const id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	f.Add(id, id, "12A")
	f.Add(strings.ToUpper(id), "{"+id+"}", "0A")
	f.Add("", "nope", "")
	f.Add(id, strings.ReplaceAll(id, "-", ""), "99Z")
	f.Fuzz(func(t *testing.T, tripID, flightID, seat string) {
		r, err := parseSeatInput(SeatInput{TripID: tripID, FlightID: flightID, Seat: seat})
		if err != nil {
			var v *trip.ValidationError
			if !errors.As(err, &v) || len(v.Fields) == 0 {
				t.Fatalf("%v is not a validation error", err)
			}
			for field := range v.Fields {
				if field != "trip_id" && field != "flight_id" && field != "seat_number" {
					t.Fatalf("%v names %q", err, field)
				}
			}
			return
		}
		for in, out := range map[string]string{tripID: r.TripID, flightID: r.FlightID} {
			if again, err := trip.ParseID(out); err != nil || again != out || !strings.EqualFold(in, out) {
				t.Fatalf("id %q from %q is not canonical", out, in)
			}
		}
		if string(r.Seat) != seat {
			t.Fatalf("seat %q from %q", r.Seat, seat)
		}
	})
}
