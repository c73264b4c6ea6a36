package app_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/domain"
)

// fakeLog is a flight's retained history: ids ms-0 for each ms given.
type fakeLog struct {
	ms    []uint64
	err   error
	limit int
}

func id(ms uint64) app.EventID { return app.EventID{Ms: ms} }

func (f *fakeLog) After(_ context.Context, flightID string, after app.EventID, limit int) (app.SeatLogPage, error) {
	f.limit = limit
	if f.err != nil || len(f.ms) == 0 {
		return app.SeatLogPage{}, f.err
	}
	page := app.SeatLogPage{First: id(f.ms[0]), Last: id(f.ms[len(f.ms)-1])}
	for _, ms := range f.ms {
		if after.Less(id(ms)) && len(page.Changes) < limit {
			page.Changes = append(page.Changes, app.SeatChange{ID: id(ms), FlightID: flightID})
		}
	}
	return page, nil
}

type catalog map[string]bool

func (c catalog) FlightExists(_ context.Context, id string) (bool, error) { return c[id], nil }

func msOf(cs []app.SeatChange) []uint64 {
	var out []uint64
	for _, c := range cs {
		out = append(out, c.ID.Ms)
	}
	return out
}

func TestCatchUp(t *testing.T) {
	retained := []uint64{10, 11, 12, 13}
	cases := []struct {
		name     string
		ms       []uint64
		after    app.EventID
		want     []uint64
		resync   bool
		wantLast app.EventID
	}{
		{"missed the last two", retained, id(11), []uint64{12, 13}, false, id(13)},
		{"missed nothing", retained, id(13), nil, false, id(13)},
		{"at the oldest retained", retained, id(10), []uint64{11, 12, 13}, false, id(13)},
		{"between two entries", retained, app.EventID{Ms: 11, Seq: 5}, []uint64{12, 13}, false, id(13)},
		{"older than the oldest retained: trimmed", retained, id(9), nil, true, id(13)},
		{"no position at all", retained, app.EventID{}, nil, true, id(13)},
		{"newer than the newest: not this stream's", retained, id(14), nil, true, id(13)},
		{"nothing retained", nil, id(11), nil, true, app.EventID{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := app.NewStreamSeats(catalog{}, &fakeLog{ms: c.ms})
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.CatchUp(context.Background(), "f1", c.after)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(msOf(got.Changes), c.want) || got.Resync != c.resync || got.Last != c.wantLast {
				t.Fatalf("CatchUp(%s) = %v resync %v last %s; want %v resync %v last %s",
					c.after, msOf(got.Changes), got.Resync, got.Last, c.want, c.resync, c.wantLast)
			}
		})
	}
}

func TestCatchUpTooFarBehindResyncs(t *testing.T) {
	ms := make([]uint64, 0, 10_002)
	for i := range uint64(10_002) {
		ms = append(ms, 100+i)
	}
	log := &fakeLog{ms: ms}
	s, _ := app.NewStreamSeats(catalog{}, log)
	got, err := s.CatchUp(context.Background(), "f1", id(100))
	if err != nil || !got.Resync || len(got.Changes) != 0 || got.Last != id(10_101) {
		t.Fatalf("10001 changes behind: %d changes, resync %v, last %s, %v; want a resync at the newest", len(got.Changes), got.Resync, got.Last, err)
	}
	if log.limit != 10_001 {
		t.Errorf("asked for %d changes, want one more than the replay bound", log.limit)
	}
}

func TestOpen(t *testing.T) {
	boom := errors.New("boom")
	s, err := app.NewStreamSeats(catalog{"known": true}, &fakeLog{err: boom})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Open(ctx, "known"); err != nil {
		t.Errorf("Open(known) = %v", err)
	}
	if err := s.Open(ctx, "other"); !errors.Is(err, domain.ErrFlightNotFound) {
		t.Errorf("Open(other) = %v, want ErrFlightNotFound", err)
	}
	if _, err := s.CatchUp(ctx, "known", id(1)); !errors.Is(err, boom) {
		t.Errorf("CatchUp with a failing log = %v", err)
	}
	if _, err := app.NewStreamSeats(nil, &fakeLog{}); err == nil {
		t.Error("NewStreamSeats(nil catalog) accepted")
	}
	if _, err := app.NewStreamSeats(catalog{}, nil); err == nil {
		t.Error("NewStreamSeats(nil log) accepted")
	}
}
