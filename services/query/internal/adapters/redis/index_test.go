package redis_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/platform/logging"
	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/testenv"
	"github.com/altisair/altis/pkg/readmodel"
	redisindex "github.com/altisair/altis/services/query/internal/adapters/redis"
	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/domain"
)

// store is a real Redis under a key prefix of this test only, written the
// way pkg/readmodel documents (and the projector writes) the index.
type store struct {
	t      *testing.T
	client rueidis.Client
	keys   readmodel.Keys
	index  *redisindex.Index
}

func newStore(t *testing.T) *store {
	t.Helper()
	url, prefix := testenv.Redis(t)
	client, err := platformredis.Open(platformredis.Config{URL: url, Prefix: prefix}, logging.Discard())
	if err != nil {
		t.Fatalf("open redis: %v", err)
	}
	s := &store{t: t, client: client, keys: readmodel.NewKeys(prefix)}
	s.index = redisindex.NewIndex(client, s.keys)
	t.Cleanup(func() {
		s.deleteAll()
		client.Close()
	})
	return s
}

func (s *store) do(cmd rueidis.Completed) {
	s.t.Helper()
	if err := s.client.Do(context.Background(), cmd).Error(); err != nil {
		s.t.Fatalf("redis: %v", err)
	}
}

// deleteAll removes every key under the test's prefix.
func (s *store) deleteAll() {
	ctx := context.Background()
	var cursor uint64
	for {
		e, err := s.client.Do(ctx, s.client.B().Scan().Cursor(cursor).Match(s.keys.Prefix()+":*").Count(1000).Build()).AsScanEntry()
		if err != nil {
			return
		}
		if len(e.Elements) > 0 {
			_ = s.client.Do(ctx, s.client.B().Del().Key(e.Elements...).Build()).Error()
		}
		if cursor = e.Cursor; cursor == 0 {
			return
		}
	}
}

// current makes gen the generation readers use.
func (s *store) current(gen int64) {
	s.do(s.client.B().Set().Key(s.keys.Current()).Value(strconv.FormatInt(gen, 10)).Build())
}

// flight indexes doc in gen: its hash (doc and sold count), its route, its
// airports and its sold seats.
func (s *store) flight(gen int64, doc readmodel.FlightDoc, soldSeats ...string) {
	s.t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		s.t.Fatal(err)
	}
	route := readmodel.RouteKey(doc.Origin, doc.Destination, doc.DepartureAt)
	s.do(s.client.B().Hset().Key(s.keys.Flight(gen, doc.ID)).FieldValue().
		FieldValue("doc", string(b)).FieldValue("doc_v", "1").FieldValue("route", route).
		FieldValue("seats_v", "1").FieldValue("sold", strconv.Itoa(len(soldSeats))).Build())
	s.do(s.client.B().Zadd().Key(s.keys.Route(gen, route)).ScoreMember().
		ScoreMember(float64(doc.DepartureAt.Unix()), doc.ID).Build())
	s.do(s.client.B().Sadd().Key(s.keys.Airports(gen)).Member(doc.Origin, doc.Destination).Build())
	if len(soldSeats) > 0 {
		s.do(s.client.B().Sadd().Key(s.keys.SoldSeats(gen, doc.ID)).Member(soldSeats...).Build())
	}
}

func (s *store) layout(gen int64, l events.SeatLayout) {
	s.t.Helper()
	b, err := json.Marshal(l)
	if err != nil {
		s.t.Fatal(err)
	}
	s.do(s.client.B().Set().Key(s.keys.Layout(gen, l.Aircraft)).Value(string(b)).Build())
}

func day(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, time.UTC) }

func doc(id, number, origin, destination string, departure time.Time) readmodel.FlightDoc {
	return readmodel.FlightDoc{
		ID: id, Number: number, Origin: origin, Destination: destination,
		DepartureAt: departure, ArrivalAt: departure.Add(7 * time.Hour),
		Aircraft: "A359", AircraftName: "Airbus A350-900", Status: "SCHEDULED",
		Currency: "USD", Fares: map[string]int64{"Y": 50000, "J": 250000}, Capacity: 200,
	}
}

func leg(origin, destination string, d int) domain.Leg {
	return domain.Leg{Origin: domain.AirportCode(origin), Destination: domain.AirportCode(destination), Date: day(d, 0, 0)}
}

const (
	id0800 = "00000000-0000-4000-8000-000000000800"
	id1400 = "00000000-0000-4000-8000-000000001400"
	id1900 = "00000000-0000-4000-8000-000000001900"
	idNext = "00000000-0000-4000-8000-000000011000"
	idBack = "00000000-0000-4000-8000-000000017100"
	idOld  = "00000000-0000-4000-8000-0000000000ff"
	idBOS  = "00000000-0000-4000-8000-0000000000b0"
)

// seedJFKLHR fills generation 3 (current) with JFK-LHR at 19:00, 08:00 and
// 14:00 on 10 December (written out of order), one on the 11th and LHR-JFK
// on the 17th; stale generation 2 holds another JFK-LHR flight and one to
// BOS, which generation 3 does not serve.
func seedJFKLHR(s *store) {
	s.flight(2, doc(idOld, "AL000", "JFK", "LHR", day(10, 10, 0)))
	s.flight(2, doc(idBOS, "AL001", "JFK", "BOS", day(10, 11, 0)))
	s.flight(3, doc(id1900, "AL104", "JFK", "LHR", day(10, 19, 0)))
	s.flight(3, doc(id0800, "AL107", "JFK", "LHR", day(10, 8, 0)), "10A", "10B", "11C")
	s.flight(3, doc(id1400, "AL101", "JFK", "LHR", day(10, 14, 0)))
	s.flight(3, doc(idNext, "AL107", "JFK", "LHR", day(11, 8, 0)))
	s.flight(3, doc(idBack, "AL108", "LHR", "JFK", day(17, 10, 0)))
	s.current(3)
}

func ids(fs []domain.Flight) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func TestLegsOrderAndSince(t *testing.T) {
	s := newStore(t)
	seedJFKLHR(s)
	cases := []struct {
		name  string
		since time.Time
		want  []string
	}{
		{"ordered by departure", day(1, 12, 0), []string{id0800, id1400, id1900}},
		{"a second before the first departure", day(10, 7, 59).Add(59 * time.Second), []string{id0800, id1400, id1900}},
		{"half a second before the first departure", day(10, 7, 59).Add(59*time.Second + 500*time.Millisecond), []string{id0800, id1400, id1900}},
		{"at the first departure: it has left", day(10, 8, 0), []string{id1400, id1900}},
		{"half a second after the first departure", day(10, 8, 0).Add(500 * time.Millisecond), []string{id1400, id1900}},
		{"since in another zone", day(10, 8, 0).In(time.FixedZone("EST", -5*3600)), []string{id1400, id1900}},
		{"after the last departure", day(10, 19, 0), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.index.Legs(context.Background(), []domain.Leg{leg("JFK", "LHR", 10)}, c.since)
			if err != nil {
				t.Fatalf("Legs: %v", err)
			}
			if len(got) != 1 || !slices.Equal(ids(got[0].Flights), c.want) {
				t.Fatalf("flights %v, want %v", ids(got[0].Flights), c.want)
			}
		})
	}
}

func TestLegsMapsTheFlightDocument(t *testing.T) {
	s := newStore(t)
	seedJFKLHR(s)
	got, err := s.index.Legs(context.Background(), []domain.Leg{leg("JFK", "LHR", 10)}, day(1, 12, 0))
	if err != nil {
		t.Fatal(err)
	}
	f := got[0].Flights[0]
	want := domain.Flight{
		ID: id0800, Number: "AL107", Origin: "JFK", Destination: "LHR",
		DepartureAt: day(10, 8, 0), ArrivalAt: day(10, 15, 0),
		Aircraft: "A359", AircraftName: "Airbus A350-900", Status: "SCHEDULED", Currency: "USD",
		Fares: map[string]int64{"Y": 50000, "J": 250000}, Capacity: 200, Sold: 3,
	}
	if !f.DepartureAt.Equal(want.DepartureAt) || !f.ArrivalAt.Equal(want.ArrivalAt) {
		t.Errorf("times %v → %v, want %v → %v", f.DepartureAt, f.ArrivalAt, want.DepartureAt, want.ArrivalAt)
	}
	f.DepartureAt, f.ArrivalAt, want.DepartureAt, want.ArrivalAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("flight\n got %+v\nwant %+v", f, want)
	}
	if got[0].Flights[1].Sold != 0 {
		t.Errorf("a flight with no seats sold has Sold %d", got[0].Flights[1].Sold)
	}
}

func TestLegsAnswersEachLegInOrder(t *testing.T) {
	s := newStore(t)
	seedJFKLHR(s)
	legs := []domain.Leg{leg("LHR", "JFK", 17), leg("JFK", "LHR", 11), leg("JFK", "BOS", 10), leg("XXX", "LHR", 10), leg("JFK", "LHR", 10)}
	got, err := s.index.Legs(context.Background(), legs, day(1, 12, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		ids                           []string
		originKnown, destinationKnown bool
	}{
		{[]string{idBack}, true, true},
		{[]string{idNext}, true, true},
		{nil, true, false}, // BOS is only in the stale generation
		{nil, false, true},
		{[]string{id0800, id1400, id1900}, true, true},
	}
	if len(got) != len(want) {
		t.Fatalf("%d answers for %d legs", len(got), len(legs))
	}
	for i, w := range want {
		g := got[i]
		if !slices.Equal(ids(g.Flights), w.ids) || g.OriginKnown != w.originKnown || g.DestinationKnown != w.destinationKnown {
			t.Errorf("legs[%d] %s-%s: flights %v, origin known %v, destination known %v; want %v %v %v",
				i, legs[i].Origin, legs[i].Destination, ids(g.Flights), g.OriginKnown, g.DestinationKnown, w.ids, w.originKnown, w.destinationKnown)
		}
	}
}

func TestLegsReadsOnlyTheCurrentGeneration(t *testing.T) {
	s := newStore(t)
	seedJFKLHR(s)
	s.current(2)
	got, err := s.index.Legs(context.Background(), []domain.Leg{leg("JFK", "LHR", 10), leg("JFK", "BOS", 10)}, day(1, 12, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got[0].Flights), []string{idOld}) || !slices.Equal(ids(got[1].Flights), []string{idBOS}) || !got[1].DestinationKnown {
		t.Fatalf("generation 2: %v and %v, BOS known %v; want [%s] and [%s], true",
			ids(got[0].Flights), ids(got[1].Flights), got[1].DestinationKnown, idOld, idBOS)
	}
}

func TestLegsSkipsRouteEntriesWithoutFlight(t *testing.T) {
	s := newStore(t)
	seedJFKLHR(s)
	s.do(s.client.B().Del().Key(s.keys.Flight(3, id1400)).Build())
	got, err := s.index.Legs(context.Background(), []domain.Leg{leg("JFK", "LHR", 10)}, day(1, 12, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got[0].Flights), []string{id0800, id1900}) {
		t.Fatalf("flights %v, want the two with a flight hash", ids(got[0].Flights))
	}
}

func TestNoCurrentGenerationIsErrNoIndex(t *testing.T) {
	cases := []struct {
		name string
		fill func(*store)
	}{
		{"empty Redis", func(*store) {}},
		{"generations but none current", func(s *store) {
			seedJFKLHR(s)
			s.do(s.client.B().Del().Key(s.keys.Current()).Build())
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			c.fill(s)
			_, err := s.index.Legs(context.Background(), []domain.Leg{leg("JFK", "LHR", 10), leg("LHR", "JFK", 17)}, day(1, 12, 0))
			if !errors.Is(err, app.ErrNoIndex) {
				t.Errorf("Legs error %v, want ErrNoIndex", err)
			}
			_, err = s.index.SeatMap(context.Background(), id0800)
			if !errors.Is(err, app.ErrNoIndex) {
				t.Errorf("SeatMap error %v, want ErrNoIndex", err)
			}
		})
	}
}

var a359 = events.SeatLayout{
	Aircraft: "A359", Name: "Airbus A350-900",
	Cabins: []events.Cabin{
		{Code: "J", Name: "Business", FirstRow: 1, LastRow: 8, Layout: "A_DG_K"},
		{Code: "Y", Name: "Economy", FirstRow: 10, LastRow: 40, Layout: "ABC_DEF_HJK"},
	},
	ExitRows: []int{10, 25},
	Blocked:  []string{"40K"},
}

func TestSeatMap(t *testing.T) {
	s := newStore(t)
	seedJFKLHR(s)
	s.layout(3, a359)
	fs, err := s.index.SeatMap(context.Background(), id0800)
	if err != nil {
		t.Fatalf("SeatMap: %v", err)
	}
	f, l, sold := fs.Flight, fs.Layout, fs.Sold
	if f.ID != id0800 || f.Number != "AL107" || f.Aircraft != "A359" || f.Sold != 3 || !f.DepartureAt.Equal(day(10, 8, 0)) {
		t.Errorf("flight %+v", f)
	}
	want := domain.Layout{
		Aircraft: "A359", Name: "Airbus A350-900",
		Cabins: []domain.Cabin{
			{Code: "J", Name: "Business", FirstRow: 1, LastRow: 8, Layout: "A_DG_K"},
			{Code: "Y", Name: "Economy", FirstRow: 10, LastRow: 40, Layout: "ABC_DEF_HJK"},
		},
		ExitRows: []int{10, 25},
		Blocked:  []string{"40K"},
	}
	if !reflect.DeepEqual(l, want) {
		t.Errorf("layout\n got %+v\nwant %+v", l, want)
	}
	if want := map[string]bool{"10A": true, "10B": true, "11C": true}; !maps.Equal(sold, want) {
		t.Errorf("sold %v, want %v", sold, want)
	}

	// A flight with nothing sold has an empty sold set.
	fs, err = s.index.SeatMap(context.Background(), id1400)
	if err != nil || fs.Flight.ID != id1400 || len(fs.Sold) != 0 || fs.Flight.Sold != 0 || len(fs.Held) != 0 {
		t.Errorf("SeatMap(%s) = %+v, %v", id1400, fs, err)
	}
}

// Holds count while their expiry is in the future by the Redis clock; an
// expired hold frees its seat at once, with no sweeper.
func TestLiveHoldsCountExpiredHoldsDoNot(t *testing.T) {
	s := newStore(t)
	seedJFKLHR(s)
	s.layout(3, a359)
	now := time.Now().UnixMilli()
	s.do(s.client.B().Zadd().Key(s.keys.Holds(id0800)).ScoreMember().
		ScoreMember(float64(now+60_000), "12A").ScoreMember(float64(now+60_000), "12B").
		ScoreMember(float64(now-1), "12C").Build())
	fs, err := s.index.SeatMap(context.Background(), id0800)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]bool{"12A": true, "12B": true}; !maps.Equal(fs.Held, want) {
		t.Errorf("held %v, want %v", fs.Held, want)
	}
	legs, err := s.index.Legs(context.Background(), []domain.Leg{leg("JFK", "LHR", 10)}, day(1, 12, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range legs[0].Flights {
		want := 0
		if f.ID == id0800 {
			want = 2
		}
		if f.Held != want {
			t.Errorf("flight %s held %d, want %d", f.ID, f.Held, want)
		}
	}
}

// A sold count that cannot be read fails the read: it is never "0 sold".
func TestCorruptSoldCountIsAnError(t *testing.T) {
	s := newStore(t)
	seedJFKLHR(s)
	s.layout(3, a359)
	s.do(s.client.B().Hset().Key(s.keys.Flight(3, id0800)).FieldValue().FieldValue("sold", "x7").Build())
	if _, err := s.index.SeatMap(context.Background(), id0800); err == nil {
		t.Error("SeatMap read a corrupt sold count")
	}
	if _, err := s.index.Legs(context.Background(), []domain.Leg{leg("JFK", "LHR", 10)}, day(1, 12, 0)); err == nil {
		t.Error("Legs read a corrupt sold count")
	}
}

func TestSeatMapUnknownFlight(t *testing.T) {
	s := newStore(t)
	seedJFKLHR(s)
	s.layout(3, a359)
	for _, id := range []string{"11111111-2222-4333-8444-555555555555", idOld} { // idOld is in generation 2 only
		_, err := s.index.SeatMap(context.Background(), id)
		if !errors.Is(err, domain.ErrFlightNotFound) {
			t.Errorf("SeatMap(%s) error %v, want domain.ErrFlightNotFound", id, err)
		}
	}
}

// TestChangedDocumentIsNeverServedFromCache: documents are cached decoded,
// keyed by their stored JSON, so a changed flight or a new sold count shows
// at once.
func TestChangedDocumentIsNeverServedFromCache(t *testing.T) {
	s := newStore(t)
	s.current(1)
	d := doc(id0800, "AL107", "JFK", "LHR", day(10, 8, 0))
	s.flight(1, d)
	read := func() domain.Flight {
		t.Helper()
		got, err := s.index.Legs(context.Background(), []domain.Leg{leg("JFK", "LHR", 10)}, day(1, 12, 0))
		if err != nil || len(got[0].Flights) != 1 {
			t.Fatalf("legs: %+v %v", got, err)
		}
		return got[0].Flights[0]
	}
	if f := read(); f.Status != "SCHEDULED" || f.Sold != 0 {
		t.Fatalf("first read %+v", f)
	}
	d.Status = "CANCELLED"
	s.flight(1, d, "1A", "1B")
	if f := read(); f.Status != "CANCELLED" || f.Sold != 2 {
		t.Fatalf("after the change: status %s sold %d, want CANCELLED 2", f.Status, f.Sold)
	}
}

// Invariant 7: seats the command service just sold show as sold before the
// projector catches up, and stop counting once the index has them.
func TestRecentSalesShowBeforeTheIndexHasThem(t *testing.T) {
	s := newStore(t)
	seedJFKLHR(s)
	s.layout(3, a359)
	ctx := context.Background()
	s.do(s.client.B().Hset().Key(s.keys.Flight(3, id0800)).FieldValue().FieldValue("seats_v", "5").Build())
	s.do(s.client.B().Zadd().Key(s.keys.RecentSold(id0800)).ScoreMember().
		ScoreMember(6, "12A").ScoreMember(6, "10A").ScoreMember(5, "12B").Build()) // 10A is in the index already; 12B is as old as it
	fs, err := s.index.SeatMap(ctx, id0800)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]bool{"10A": true, "10B": true, "11C": true, "12A": true}; !maps.Equal(fs.Sold, want) || fs.Flight.Sold != 4 {
		t.Fatalf("sold %v (count %d), want %v", fs.Sold, fs.Flight.Sold, want)
	}
	legs, err := s.index.Legs(ctx, []domain.Leg{leg("JFK", "LHR", 10)}, day(1, 12, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range legs[0].Flights {
		if f.ID == id0800 && f.Sold != 4 {
			t.Fatalf("search counts %d sold, want 4", f.Sold)
		}
	}
	// The projector applies version 6 (12A sold): the entry no longer counts.
	s.flight(3, doc(id0800, "AL107", "JFK", "LHR", day(10, 8, 0)), "10A", "10B", "11C", "12A")
	s.do(s.client.B().Hset().Key(s.keys.Flight(3, id0800)).FieldValue().FieldValue("seats_v", "6").Build())
	if fs, err = s.index.SeatMap(ctx, id0800); err != nil || fs.Flight.Sold != 4 || len(fs.Sold) != 4 {
		t.Fatalf("after the projector: %+v %v", fs, err)
	}
}
