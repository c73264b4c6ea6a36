package app_test

import (
	"errors"
	"testing"

	"github.com/altisair/altis/services/query/internal/app"
)

func TestParseEventID(t *testing.T) {
	good := []struct {
		in   string
		want app.EventID
	}{
		{"1767225600000-0", app.EventID{Ms: 1767225600000, Seq: 0}},
		{"0-1", app.EventID{Seq: 1}},
		{"18446744073709551615-18446744073709551615", app.EventID{Ms: 1<<64 - 1, Seq: 1<<64 - 1}},
	}
	for _, c := range good {
		got, err := app.ParseEventID(c.in)
		if err != nil || got != c.want || got.String() != c.in {
			t.Errorf("ParseEventID(%q) = %+v (%s), %v; want %+v", c.in, got, got, err, c.want)
		}
	}
	for _, in := range []string{"", "1767225600000", "-1", "1-", "1--2", "1-2-3", "+1-2", "1-+2", " 1-2", "a-1",
		"18446744073709551616-0", "0-18446744073709551616", "1.5-2", "0x1-2", "00000000000000000000000000001-0000000000000001"} {
		if got, err := app.ParseEventID(in); !errors.Is(err, app.ErrBadEventID) {
			t.Errorf("ParseEventID(%q) = %+v, %v; want ErrBadEventID", in, got, err)
		}
	}
}

func TestEventIDOrder(t *testing.T) {
	// In order: by milliseconds first (numerically, not as text), then by
	// sequence.
	ordered := []app.EventID{{}, {Ms: 0, Seq: 1}, {Ms: 9, Seq: 5}, {Ms: 10, Seq: 0}, {Ms: 10, Seq: 2}, {Ms: 10, Seq: 10}, {Ms: 100, Seq: 0}}
	for i, a := range ordered {
		for j, b := range ordered {
			if got, want := a.Less(b), i < j; got != want {
				t.Errorf("%s.Less(%s) = %v, want %v", a, b, got, want)
			}
		}
	}
	if !(app.EventID{}).IsZero() || (app.EventID{Seq: 1}).IsZero() {
		t.Error("IsZero")
	}
}
