package schedule

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

var day0 = time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)

// defaultFlightsPerDay is the documented size of the default schedule.
const defaultFlightsPerDay = 332

func generate(t testing.TB, opt Options) []Flight {
	t.Helper()
	flights, err := Generate(opt)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", opt, err)
	}
	return flights
}

func TestGenerateIsDeterministic(t *testing.T) {
	a := generate(t, DefaultOptions(day0))
	b := generate(t, DefaultOptions(day0))
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs with the same options differ")
	}
}

func TestGenerateKnownFlight(t *testing.T) {
	flights := generate(t, Options{Start: day0, Days: 1, Scale: 1})
	f := firstOn(flights, "JFK", "LHR")
	want := Flight{
		ID:          "0948ecf4-d793-5712-b6e5-01ac13a59792", // FlightID("AL101", "2027-01-15")
		Number:      "AL101",
		Origin:      "JFK",
		Destination: "LHR",
		Departure:   time.Date(2027, 1, 15, 11, 15, 0, 0, time.UTC), // 06:15 in New York
		Arrival:     time.Date(2027, 1, 15, 18, 40, 0, 0, time.UTC),
		Aircraft:    "B77W",
		Currency:    "USD",
		Fares:       map[string]int64{"F": 356400, "J": 207900, "W": 95000, "Y": 59400},
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("first JFK-LHR flight\n got %+v\nwant %+v", f, want)
	}
}

func firstOn(flights []Flight, origin, destination string) Flight {
	for _, f := range flights {
		if f.Origin == origin && f.Destination == destination {
			return f
		}
	}
	return Flight{}
}

func TestGenerateIDs(t *testing.T) {
	ids := map[string]bool{}
	for _, f := range generate(t, DefaultOptions(day0)) {
		if !uuidV5Pattern.MatchString(f.ID) {
			t.Fatalf("flight %s id %q is not a UUIDv5", f.Number, f.ID)
		}
		if ids[f.ID] {
			t.Fatalf("id %s repeated", f.ID)
		}
		ids[f.ID] = true
		local := f.Departure.In(location(t, f.Origin)).Format(time.DateOnly)
		if f.ID != FlightID(f.Number, local) {
			t.Fatalf("flight %s on %s: id %s is not FlightID of its local departure date", f.Number, local, f.ID)
		}
	}
}

func location(t testing.TB, code string) *time.Location {
	t.Helper()
	a, _ := AirportByCode(code)
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestGenerateFlightsPerDay(t *testing.T) {
	flights := generate(t, DefaultOptions(day0))
	if len(flights) != DefaultDays*defaultFlightsPerDay {
		t.Errorf("%d flights, want %d", len(flights), DefaultDays*defaultFlightsPerDay)
	}
	perDay := map[string]map[string]bool{} // local date -> flight numbers
	for _, f := range flights {
		date := f.Departure.In(location(t, f.Origin)).Format(time.DateOnly)
		if perDay[date] == nil {
			perDay[date] = map[string]bool{}
		}
		if perDay[date][f.Number] {
			t.Errorf("flight number %s twice on %s", f.Number, date)
		}
		perDay[date][f.Number] = true
	}
	for date, numbers := range perDay {
		if len(numbers) != defaultFlightsPerDay {
			t.Errorf("%s has %d flights, want %d", date, len(numbers), defaultFlightsPerDay)
		}
	}
	if len(perDay) != DefaultDays {
		t.Errorf("flights on %d local dates, want %d", len(perDay), DefaultDays)
	}
}

func TestGenerateJFKLHRSeveralTimesADay(t *testing.T) {
	for _, dir := range [][2]string{{"JFK", "LHR"}, {"LHR", "JFK"}} {
		n := 0
		for _, f := range generate(t, Options{Start: day0, Days: 1, Scale: 1}) {
			if f.Origin == dir[0] && f.Destination == dir[1] {
				n++
			}
		}
		if n != 4 {
			t.Errorf("%s-%s flies %d times a day, want 4", dir[0], dir[1], n)
		}
	}
}

func TestGenerateScaleMultipliesAndKeepsBaseFlights(t *testing.T) {
	base := generate(t, Options{Start: day0, Days: 2, Scale: 1})
	scaled := generate(t, Options{Start: day0, Days: 2, Scale: 3})
	if len(scaled) != 3*len(base) {
		t.Fatalf("Scale 3 gives %d flights, want %d", len(scaled), 3*len(base))
	}
	byID := map[string]Flight{}
	for _, f := range scaled {
		byID[f.ID] = f
	}
	if len(byID) != len(scaled) {
		t.Error("Scale 3 repeats ids")
	}
	for _, f := range base {
		if !reflect.DeepEqual(byID[f.ID], f) {
			t.Fatalf("Scale 1 flight %+v differs at Scale 3: %+v", f, byID[f.ID])
		}
	}
}

func TestGenerateReaches100kFlights(t *testing.T) {
	// The documented benchmark size: Options{Days: 30, Scale: 10}.
	flights := generate(t, Options{Start: day0, Days: 30, Scale: 10})
	if len(flights) != 99_600 {
		t.Errorf("%d flights, want 99600", len(flights))
	}
}

func TestGenerateTimes(t *testing.T) {
	// March 2027 crosses the US (14th) and EU (28th) daylight-saving changes.
	start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := map[string]string{} // flight number -> local departure clock time
	for _, f := range generate(t, DefaultOptions(start)) {
		checkTimes(t, f)
		local := f.Departure.In(location(t, f.Origin)).Format("15:04")
		if c, ok := clock[f.Number]; ok && c != local {
			t.Errorf("%s leaves at %s and at %s local", f.Number, c, local)
		}
		clock[f.Number] = local
	}
}

func checkTimes(t *testing.T, f Flight) {
	t.Helper()
	if f.Departure.Location() != time.UTC || f.Arrival.Location() != time.UTC {
		t.Errorf("%s times are not UTC", f.Number)
	}
	if !f.Arrival.After(f.Departure) || f.Departure.Minute()%5 != 0 {
		t.Errorf("%s departs %v, arrives %v", f.Number, f.Departure, f.Arrival)
	}
	local := f.Departure.In(location(t, f.Origin))
	if minute := local.Hour()*60 + local.Minute(); minute < 6*60 || minute >= 23*60 {
		t.Errorf("%s departs at %s local, want 06:00-22:59", f.Number, local.Format("15:04"))
	}
}

func TestGenerateIsSorted(t *testing.T) {
	flights := generate(t, Options{Start: day0, Days: 3, Scale: 2})
	for i := 1; i < len(flights); i++ {
		if compareFlights(flights[i-1], flights[i]) >= 0 {
			t.Fatalf("flights %s and %s out of order", flights[i-1].Number, flights[i].Number)
		}
	}
	if compareFlights(Flight{Number: "AL999"}, Flight{Number: "AL1001"}) >= 0 {
		t.Error("AL999 sorts after AL1001")
	}
}

func TestGenerateStartUsesItsOwnDate(t *testing.T) {
	late := time.Date(2027, 1, 15, 23, 30, 0, 0, time.FixedZone("UTC+9", 9*3600))
	a := generate(t, Options{Start: late, Days: 1, Scale: 1})
	b := generate(t, Options{Start: day0, Days: 1, Scale: 1})
	if !reflect.DeepEqual(a, b) {
		t.Error("Start's time of day or zone changed the flights")
	}
}

func TestGenerateFaresAreNotShared(t *testing.T) {
	opt := Options{Start: day0, Days: 2, Scale: 1}
	flights := generate(t, opt)
	var jfkLHR []Flight
	for _, f := range flights {
		if f.Origin == "JFK" && f.Destination == "LHR" {
			jfkLHR = append(jfkLHR, f)
		}
	}
	jfkLHR[0].Fares[CabinEconomy] = 1
	if jfkLHR[1].Fares[CabinEconomy] == 1 || firstOn(generate(t, opt), "JFK", "LHR").Fares[CabinEconomy] == 1 {
		t.Error("changing one flight's fares changed another's")
	}
}

func TestGenerateRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
	}{
		{"no start", Options{Days: 1, Scale: 1}},
		{"zero days", Options{Start: day0, Days: 0, Scale: 1}},
		{"negative days", Options{Start: day0, Days: -1, Scale: 1}},
		{"zero scale", Options{Start: day0, Days: 1, Scale: 0}},
		{"negative scale", Options{Start: day0, Days: 1, Scale: -2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flights, err := Generate(tt.opt)
			if !errors.Is(err, ErrInvalidOptions) || flights != nil {
				t.Errorf("Generate = %d flights, %v; want ErrInvalidOptions", len(flights), err)
			}
		})
	}
}

func BenchmarkGenerate(b *testing.B) {
	opt := DefaultOptions(day0)
	for b.Loop() {
		if _, err := Generate(opt); err != nil {
			b.Fatal(err)
		}
	}
}
