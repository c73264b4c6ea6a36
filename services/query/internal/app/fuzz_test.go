package app_test

import (
	"errors"
	"testing"

	"github.com/altisair/altis/services/query/internal/app"
)

// FuzzParseEventID: a Last-Event-ID header is either a seat event id,
// which prints back to text that parses to the same id, or ErrBadEventID
// (a 400), never anything else.
func FuzzParseEventID(f *testing.F) {
	for _, s := range []string{"1767225600000-0", "0-1", "18446744073709551615-18446744073709551615", "", "1767225600000",
		"-1", "1-", "1--2", "1-2-3", "+1-2", "1-+2", " 1-2", "a-1", "18446744073709551616-0", "0-18446744073709551616",
		"1.5-2", "0x1-2", "00000000000000000000000000001-0000000000000001", "01-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := app.ParseEventID(s)
		if err != nil {
			if !errors.Is(err, app.ErrBadEventID) {
				t.Fatalf("ParseEventID(%q): %v", s, err)
			}
			return
		}
		if again, err := app.ParseEventID(id.String()); err != nil || again != id {
			t.Fatalf("ParseEventID(%q) = %+v; its text %q parses to %+v, %v", s, id, id.String(), again, err)
		}
	})
}
