package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func quoteConfig() Config {
	cfg := defaultConfig()
	cfg.Surcharges = []Surcharge{fuel, security, bookFee}
	return cfg
}

// twoFlights is a USD transatlantic flight and a EUR connection.
func twoFlights() []Flight {
	a := testFlight()
	b := testFlight()
	b.FlightID, b.Origin, b.Destination, b.Currency = "AL200", "LHR", "CDG", "EUR"
	b.BaseFare, b.Departure, b.Capacity, b.Sold = 8999, a.Departure.Add(5*time.Hour), 180, 171
	return []Flight{a, b}
}

var party = []PassengerType{Adult, Child, Infant, Adult}

func mustQuote(t testing.TB, e *Engine, flights []Flight, pax []PassengerType) Quote {
	t.Helper()
	q, err := e.Quote(flights, pax, now)
	if err != nil {
		t.Fatalf("Quote: %v", err)
	}
	if err := q.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return q
}

func TestQuoteOneFlightEqualsSumOfPrices(t *testing.T) {
	e := mustNew(t, quoteConfig())
	f := testFlight()
	q := mustQuote(t, e, []Flight{f}, party)
	var want int64
	for i, pt := range party {
		p, err := e.Price(f, pt, now)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(q.Items[i].Price, p) {
			t.Errorf("item %d: %s, Price gives %s", i, breakdown(q.Items[i].Price), breakdown(p))
		}
		want += p.Total
	}
	want += 1500 // one booking fee for the whole party
	if got := q.Total("USD"); got != want {
		t.Errorf("Total(USD) = %d, want %d", got, want)
	}
	if len(q.Totals) != 1 {
		t.Errorf("totals %v, want USD only", q.Totals)
	}
}

func TestQuoteMixedPartyTwoCurrencies(t *testing.T) {
	e := mustNew(t, quoteConfig())
	flights := twoFlights()
	q := mustQuote(t, e, flights, party)
	want := map[string]int64{"USD": 1500} // booking fee in the first flight's currency
	for p, pt := range party {
		for f, fl := range flights {
			price, err := e.Price(fl, pt, now)
			if err != nil {
				t.Fatal(err)
			}
			if f > 0 { // per_passenger surcharges only on the first flight
				price = withoutLine(price, "SEC")
			}
			item := q.Items[p*len(flights)+f]
			if !reflect.DeepEqual(item.Price, price) {
				t.Errorf("passenger %d flight %d: %s, want %s", p, f, breakdown(item.Price), breakdown(price))
			}
			want[fl.Currency] += price.Total
		}
	}
	if !reflect.DeepEqual(q.Totals, []CurrencyAmount{{"EUR", want["EUR"]}, {"USD", want["USD"]}}) {
		t.Errorf("totals %v, want %v", q.Totals, want)
	}
	if want := []Line{{Kind: KindSurcharge, Code: "BKG", Description: "Booking fee", Amount: 1500}}; !reflect.DeepEqual(q.BookingLines, want) {
		t.Errorf("booking lines %v, want %v", q.BookingLines, want)
	}
	// Spot-check one item by hand: the infant on the 95%-full EUR flight.
	infant := q.Items[2*len(flights)+1].Price
	if got, want := breakdown(infant), "base Y 8999; load_factor LOAD_95 2700; passenger_type INFANT -10529; discount ADVANCE_21 -117; surcharge FUEL 2300 = 3353"; got != want {
		t.Errorf("infant on AL200:\n got %s\nwant %s", got, want)
	}
}

func withoutLine(p Price, code string) Price {
	out := Price{Currency: p.Currency, Lines: []Line{}}
	for _, l := range p.Lines {
		if l.Code != code {
			out.add(l)
		}
	}
	return out
}

func TestQuoteRecordsInputs(t *testing.T) {
	e := mustNew(t, quoteConfig())
	flights := twoFlights()
	flights[0].Departure = flights[0].Departure.In(time.FixedZone("EST", -5*3600))
	pax := slices.Clone(party)
	at := now.In(time.FixedZone("JST", 9*3600))
	q, err := e.Quote(flights, pax, at)
	if err != nil {
		t.Fatal(err)
	}
	if q.RulesVersion != e.RulesVersion() || !q.At.Equal(now) || q.At.Location() != time.UTC {
		t.Errorf("rules %q at %v", q.RulesVersion, q.At)
	}
	if !q.Flights[0].Departure.Equal(flights[0].Departure) || q.Flights[0].Departure.Location() != time.UTC {
		t.Errorf("departure recorded as %v", q.Flights[0].Departure)
	}
	q.Flights[0].Departure = flights[0].Departure
	if !reflect.DeepEqual(q.Flights, flights) || !reflect.DeepEqual(q.Passengers, pax) {
		t.Errorf("inputs not recorded: %+v %v", q.Flights, q.Passengers)
	}
	flights[1].BaseFare, pax[0] = 1, Infant // the quote must not alias its inputs
	if q.Flights[1].BaseFare == 1 || q.Passengers[0] != Adult {
		t.Error("quote aliases the caller's slices")
	}
	if q.Total("GBP") != 0 {
		t.Errorf("Total(GBP) = %d, want 0", q.Total("GBP"))
	}
}

func TestQuoteErrors(t *testing.T) {
	e := mustNew(t, quoteConfig())
	nzd := twoFlights()
	nzd[1].Currency = "NZD"
	nzdFirst := Config{Surcharges: []Surcharge{bookFee}}
	big := make([]PassengerType, MaxQuotePassengers+1)
	for i := range big {
		big[i] = Adult
	}
	tests := []struct {
		name    string
		engine  *Engine
		flights []Flight
		pax     []PassengerType
		want    error
	}{
		{"no flights", e, nil, party, ErrEmptyItinerary},
		{"no passengers", e, twoFlights(), []PassengerType{}, ErrEmptyItinerary},
		{"too many passengers", e, twoFlights(), big, ErrItineraryTooLarge},
		{"too many flights", e, make([]Flight, MaxQuoteFlights+1), party, ErrItineraryTooLarge},
		{"unknown passenger type", e, twoFlights(), []PassengerType{Adult, "PET"}, ErrUnknownPassengerType},
		{"unlisted currency on a flight", e, nzd, party, ErrCurrencyNotConfigured},
		{"unlisted booking currency", mustNew(t, nzdFirst), []Flight{nzd[1]}, party, ErrCurrencyNotConfigured},
		{"invalid flight", e, []Flight{{FlightID: "X"}}, party, ErrInvalidFlight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.engine.Quote(tt.flights, tt.pax, now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !reflect.DeepEqual(q, Quote{}) {
				t.Errorf("got a quote with the error: %+v", q)
			}
		})
	}
}

func TestQuoteJSONRoundTrip(t *testing.T) {
	q := mustQuote(t, mustNew(t, quoteConfig()), twoFlights(), party)
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"rules_version":"sha256:`, `"at":"2026-12-01T12:00:00Z"`, `"base_fare":8999`, `"totals":[{"currency":"EUR"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s:\n%s", key, b)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var got Quote
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(); err != nil {
		t.Errorf("Verify after round trip: %v", err)
	}
	if !reflect.DeepEqual(got, q) {
		t.Errorf("round trip changed the quote:\n got %+v\nwant %+v", got, q)
	}
}

func TestQuoteJSONRoundTripWithoutBookingSurcharges(t *testing.T) {
	q := mustQuote(t, mustNew(t, Config{}), []Flight{testFlight()}, []PassengerType{Infant})
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	var got Quote
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(); err != nil || !reflect.DeepEqual(got, q) {
		t.Errorf("round trip: %v\n got %+v\nwant %+v", err, got, q)
	}
}

func TestVerifyRejectsTampering(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Quote)
		want string
	}{
		{"line amount changed", func(q *Quote) { q.Items[1].Price.Lines[0].Amount-- }, "items[1]: total"},
		{"item total changed", func(q *Quote) { q.Items[0].Price.Total++ }, "items[0]: total"},
		{"line added", func(q *Quote) { q.Items[2].Price.Lines = append(q.Items[2].Price.Lines, Line{Amount: -1}) }, "items[2]: total"},
		{"negative item", func(q *Quote) {
			q.Items[0].Price.Lines = append(q.Items[0].Price.Lines, Line{Amount: -1_000_000})
			q.Items[0].Price.Total -= 1_000_000
		}, "items[0]: negative total"},
		{"totals changed", func(q *Quote) { q.Totals[0].Amount++ }, "totals [EUR"},
		{"totals dropped", func(q *Quote) { q.Totals = q.Totals[1:] }, "totals [USD"},
		{"totals unsorted", func(q *Quote) { q.Totals[0], q.Totals[1] = q.Totals[1], q.Totals[0] }, "totals"},
		{"booking line changed", func(q *Quote) { q.BookingLines[0].Amount = 0 }, "totals"},
		{"booking currency changed", func(q *Quote) { q.BookingCurrency = "EUR" }, "booking_currency"},
		{"item dropped", func(q *Quote) { q.Items = q.Items[1:] }, "7 items for 4 passengers on 2 flights"},
		{"items swapped", func(q *Quote) { q.Items[0], q.Items[1] = q.Items[1], q.Items[0] }, "items[0]: is passenger 0 flight 1"},
		{"passenger type changed", func(q *Quote) { q.Passengers[1] = Adult }, "items[2]: passenger_type"},
		{"unknown passenger type", func(q *Quote) { q.Passengers[1] = "DOG" }, "passengers[1]"},
		{"flight id changed", func(q *Quote) { q.Flights[1].FlightID = "AL999" }, "items[1]: flight_id"},
		{"currency changed", func(q *Quote) { q.Items[1].Price.Currency = "USD" }, "items[1]: currency"},
		{"no rules version", func(q *Quote) { q.RulesVersion = "" }, "rules_version"},
		{"no moment", func(q *Quote) { q.At = time.Time{} }, "at is the zero time"},
		{"no flights", func(q *Quote) { q.Flights = nil }, "empty itinerary"},
	}
	e := mustNew(t, quoteConfig())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := mustQuote(t, e, twoFlights(), party)
			tt.edit(&q)
			err := q.Verify()
			if !errors.Is(err, ErrInvalidQuote) {
				t.Fatalf("Verify = %v, want ErrInvalidQuote", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Verify = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
