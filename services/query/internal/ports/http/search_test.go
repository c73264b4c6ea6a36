package http_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/domain"
)

func flightIDs(fs []flightOut) []string {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.FlightID
	}
	return ids
}

func TestSearchOneLeg(t *testing.T) {
	ix := standardIndex()
	srv := newServer(t, ix, now)
	var got searchOut
	decodeOK(t, srv.search(t, searchBody(1, "JFK LHR 2026-12-10")), &got)

	if len(got.Legs) != 1 {
		t.Fatalf("%d legs, want 1", len(got.Legs))
	}
	leg := got.Legs[0]
	if leg.Origin != "JFK" || leg.Destination != "LHR" || leg.Date != "2026-12-10" {
		t.Errorf("leg %s-%s %s, want JFK-LHR 2026-12-10", leg.Origin, leg.Destination, leg.Date)
	}
	if ids, want := flightIDs(leg.Flights), []string{idJFKLHR0800, idJFKLHR1400, idJFKLHR1900}; !slices.Equal(ids, want) {
		t.Fatalf("flights %v, want the index's order %v", ids, want)
	}
	if !slices.Equal(ix.since, []time.Time{now}) {
		t.Errorf("index asked for flights since %v, want [%v]", ix.since, now)
	}

	f := leg.Flights[0]
	if f.FlightNumber != "AL107" || f.Origin != "JFK" || f.Destination != "LHR" {
		t.Errorf("flight %s %s-%s, want AL107 JFK-LHR", f.FlightNumber, f.Origin, f.Destination)
	}
	// The index gave EST times; the API answers in UTC.
	if f.DepartureTime != "2026-12-10T08:00:00Z" || f.ArrivalTime != "2026-12-10T15:00:00Z" || f.DurationMinutes != 420 {
		t.Errorf("times %s → %s (%d min), want 2026-12-10T08:00:00Z → 2026-12-10T15:00:00Z (420 min)",
			f.DepartureTime, f.ArrivalTime, f.DurationMinutes)
	}
	if f.Aircraft.Code != "A359" || f.Aircraft.Name != "Airbus A350-900" {
		t.Errorf("aircraft %+v", f.Aircraft)
	}
	if f.AvailableSeats != 180 || leg.Flights[1].AvailableSeats != 50 {
		t.Errorf("available seats %d and %d, want 180 and 50", f.AvailableSeats, leg.Flights[1].AvailableSeats)
	}
	if f.Cabin != "Y" || leg.Flights[2].Cabin != "J" {
		t.Errorf("cabins %q and %q, want the lowest sold: Y and J", f.Cabin, leg.Flights[2].Cabin)
	}
}

func TestSearchPricesEveryPassengerType(t *testing.T) {
	srv := newServer(t, standardIndex(), now)
	var got searchOut
	decodeOK(t, srv.search(t, searchBody(1, "JFK LHR 2026-12-10", "LHR CDG 2026-12-10")), &got)
	for _, leg := range got.Legs {
		for _, f := range leg.Flights {
			if len(f.PassengerPrices) != 3 {
				t.Errorf("%s: passenger_prices for %d types, want ADULT, CHILD, INFANT", f.FlightNumber, len(f.PassengerPrices))
			}
			for _, pt := range []string{"ADULT", "CHILD", "INFANT"} {
				p, ok := f.PassengerPrices[pt]
				if !ok {
					t.Errorf("%s: no %s price", f.FlightNumber, pt)
					continue
				}
				if s := sum(p.Breakdown); s != p.Total || p.Total <= 0 {
					t.Errorf("%s %s: total %d, breakdown sums to %d: %v", f.FlightNumber, pt, p.Total, s, codes(p.Breakdown))
				}
				if len(p.Breakdown) == 0 || p.Breakdown[0].Kind != "base" || p.Breakdown[0].Code != f.Cabin {
					t.Errorf("%s %s: breakdown %v, want the %s base fare", f.FlightNumber, pt, p.Breakdown, f.Cabin)
				}
			}
			if !slices.Equal(codes(f.Price.Breakdown), codes(f.PassengerPrices["ADULT"].Breakdown)) ||
				f.Price.Total != f.PassengerPrices["ADULT"].Total {
				t.Errorf("%s: price %+v is not the ADULT price %+v", f.FlightNumber, f.Price, f.PassengerPrices["ADULT"])
			}
			child, adult, infant := f.PassengerPrices["CHILD"].Total, f.PassengerPrices["ADULT"].Total, f.PassengerPrices["INFANT"].Total
			if !(infant < child && child < adult) {
				t.Errorf("%s: totals adult %d, child %d, infant %d; want infant < child < adult", f.FlightNumber, adult, child, infant)
			}
		}
	}
}

// TestSearchFollowsShippedRules pins the price of a JFK-LHR economy seat on
// 1 December 2026, nine days before departure, under config/default.toml:
// the 20% TRANSATLANTIC_WINTER sale (no ADVANCE_21: under 21 days), then
// the per-segment FUEL surcharge.
func TestSearchFollowsShippedRules(t *testing.T) {
	srv := newServer(t, standardIndex(), now)
	var got searchOut
	decodeOK(t, srv.search(t, searchBody(1, "JFK LHR 2026-12-10", "LHR CDG 2026-12-10")), &got)
	if len(got.Legs) != 2 || len(got.Legs[0].Flights) != 3 || len(got.Legs[1].Flights) != 1 {
		t.Fatalf("answer %+v, want 3 JFK-LHR flights and 1 LHR-CDG", got)
	}
	jfk, cdg := got.Legs[0].Flights, got.Legs[1].Flights

	want := map[string][]string{
		"ADULT":  {"base Y 50000", "sale TRANSATLANTIC_WINTER -10000", "surcharge FUEL 2500"},
		"CHILD":  {"base Y 50000", "passenger_type CHILD -12500", "sale TRANSATLANTIC_WINTER -7500", "surcharge FUEL 2500"},
		"INFANT": {"base Y 50000", "passenger_type INFANT -45000", "sale TRANSATLANTIC_WINTER -1000", "surcharge FUEL 2500"},
	}
	totals := map[string]int64{"ADULT": 42500, "CHILD": 32500, "INFANT": 6500}
	for pt, lines := range want {
		p := jfk[0].PassengerPrices[pt]
		if got := codes(p.Breakdown); !slices.Equal(got, lines) || p.Total != totals[pt] || p.Currency != "USD" {
			t.Errorf("JFK-LHR economy %s: %s %d %v\nwant USD %d %v", pt, p.Currency, p.Total, got, totals[pt], lines)
		}
	}

	cases := []struct {
		name     string
		price    price
		sale     bool
		fuel     int64
		currency string
	}{
		{"JFK-LHR economy", jfk[0].Price, true, 2500, "USD"},
		{"JFK-LHR economy, 75% sold", jfk[1].Price, true, 2500, "USD"},
		{"JFK-LHR business (sale is Y and W only)", jfk[2].Price, false, 2500, "USD"},
		{"LHR-CDG economy (route outside the sale)", cdg[0].Price, false, 2300, "EUR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var sale, fuel []line
			for _, l := range c.price.Breakdown {
				if l.Kind == "sale" {
					sale = append(sale, l)
				}
				if l.Kind == "surcharge" && l.Code == "FUEL" {
					fuel = append(fuel, l)
				}
			}
			switch {
			case c.sale && (len(sale) != 1 || sale[0].Code != "TRANSATLANTIC_WINTER"):
				t.Errorf("sale lines %v, want one TRANSATLANTIC_WINTER line", sale)
			case !c.sale && len(sale) != 0:
				t.Errorf("sale lines %v, want none", sale)
			}
			if len(fuel) != 1 || fuel[0].Amount != c.fuel || c.price.Currency != c.currency {
				t.Errorf("FUEL lines %v in %s, want one of %d %s", fuel, c.price.Currency, c.fuel, c.currency)
			}
		})
	}
	if p := cdg[0].Price; p.Total != 14300 || !slices.Equal(codes(p.Breakdown), []string{"base Y 12000", "surcharge FUEL 2300"}) {
		t.Errorf("LHR-CDG economy: %d %v, want 14300 [base Y 12000, surcharge FUEL 2300]", p.Total, codes(p.Breakdown))
	}
}

func TestSearchOutsideSaleWindowHasNoSale(t *testing.T) {
	october := time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC) // before 2026-11-01
	ix := newFakeIndex().add(flight(idJFKLHR0800, "AL107", "JFK", "LHR", time.Date(2026, 10, 20, 8, 0, 0, 0, time.UTC)))
	srv := newServer(t, ix, october)
	var got searchOut
	decodeOK(t, srv.search(t, searchBody(1, "JFK LHR 2026-10-20")), &got)
	if len(got.Legs) != 1 || len(got.Legs[0].Flights) != 1 {
		t.Fatalf("answer %+v, want one flight", got)
	}
	p := got.Legs[0].Flights[0].Price
	if want := []string{"base Y 50000", "surcharge FUEL 2500"}; !slices.Equal(codes(p.Breakdown), want) || p.Total != 52500 {
		t.Fatalf("JFK-LHR economy before the sale: %d %v, want 52500 %v", p.Total, codes(p.Breakdown), want)
	}
}

// TestQuoteMatchesSearch: what a party pays at booking (engine.Quote) is what
// search showed per passenger, plus the per-booking BOOKING_FEE.
func TestQuoteMatchesSearch(t *testing.T) {
	cases := []struct {
		name  string
		index func() *fakeIndex
		leg   string
		id    string
		party []pricing.PassengerType
	}{
		{"JFK-LHR adult, child, infant", standardIndex, "JFK LHR 2026-12-10", idJFKLHR0800,
			[]pricing.PassengerType{pricing.Adult, pricing.Child, pricing.Infant}},
		{"JFK-LHR two adults, two children, one infant", standardIndex, "JFK LHR 2026-12-10", idJFKLHR1400,
			[]pricing.PassengerType{pricing.Adult, pricing.Child, pricing.Adult, pricing.Infant, pricing.Child}},
		{"LHR-CDG in EUR", standardIndex, "LHR CDG 2026-12-10", idLHRCDG0900,
			[]pricing.PassengerType{pricing.Infant, pricing.Adult}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ix := c.index()
			srv := newServer(t, ix, now)
			var got searchOut
			decodeOK(t, srv.search(t, searchBody(len(c.party), c.leg)), &got)
			if len(got.Legs) != 1 {
				t.Fatalf("%d legs, want 1", len(got.Legs))
			}
			var shown *flightOut
			for i, f := range got.Legs[0].Flights {
				if f.FlightID == c.id {
					shown = &got.Legs[0].Flights[i]
				}
			}
			if shown == nil {
				t.Fatalf("flight %s not in the search answer", c.id)
			}
			var searchTotal int64
			for _, pt := range c.party {
				searchTotal += shown.PassengerPrices[string(pt)].Total
			}

			pf := app.ToPricing(ix.flight(t, c.id), shown.Cabin)
			q, err := srv.engine.Quote([]pricing.Flight{pf}, c.party, now)
			if err != nil {
				t.Fatal(err)
			}
			var fee int64
			for _, l := range q.BookingLines {
				if l.Code == "BOOKING_FEE" {
					fee += l.Amount
				}
			}
			if fee <= 0 {
				t.Fatalf("quote has no BOOKING_FEE line: %+v", q.BookingLines)
			}
			if total := q.Total(shown.Price.Currency); total != searchTotal+fee {
				t.Fatalf("quote total %d %s, search shows %d + booking fee %d = %d",
					total, shown.Price.Currency, searchTotal, fee, searchTotal+fee)
			}
		})
	}
}

func TestSearchMultiLegInRequestOrder(t *testing.T) {
	srv := newServer(t, standardIndex().add(flight(idUnknown, "AL999", "CDG", "LHR", at(12, 7, 0), euroShortHaul)), now)
	rec := srv.search(t, searchBody(2, "LHR JFK 2026-12-17", "JFK LHR 2026-12-10", "CDG LHR 2026-12-11", "LHR CDG 2026-12-10"))
	var got searchOut
	decodeOK(t, rec, &got)
	want := []struct {
		route, date string
		ids         []string
	}{
		{"LHR-JFK", "2026-12-17", []string{idLHRJFK1000}},
		{"JFK-LHR", "2026-12-10", []string{idJFKLHR0800, idJFKLHR1400, idJFKLHR1900}},
		{"CDG-LHR", "2026-12-11", []string{}},
		{"LHR-CDG", "2026-12-10", []string{idLHRCDG0900}},
	}
	if len(got.Legs) != len(want) {
		t.Fatalf("%d legs, want %d", len(got.Legs), len(want))
	}
	for i, w := range want {
		l := got.Legs[i]
		if l.Origin+"-"+l.Destination != w.route || l.Date != w.date || !slices.Equal(flightIDs(l.Flights), w.ids) {
			t.Errorf("legs[%d] = %s-%s %s %v, want %s %s %v", i, l.Origin, l.Destination, l.Date, flightIDs(l.Flights), w.route, w.date, w.ids)
		}
	}
	if !strings.Contains(rec.Body.String(), `"flights":[]`) {
		t.Errorf("a leg without flights must answer \"flights\":[], body %s", rec.Body)
	}
}

func TestSearchHidesUnbookableFlights(t *testing.T) {
	// Today, 1 December, at 12:00; a party of two.
	ix := newFakeIndex().add(
		flight("a0000000-0000-4000-8000-000000000001", "AL1", "JFK", "LHR", at(1, 6, 0)),                       // departed
		flight("a0000000-0000-4000-8000-000000000002", "AL2", "JFK", "LHR", at(1, 12, 0)),                      // departs now
		flight("a0000000-0000-4000-8000-000000000003", "AL3", "JFK", "LHR", at(1, 12, 1)),                      // shown
		flight("a0000000-0000-4000-8000-000000000004", "AL4", "JFK", "LHR", at(1, 16, 0), status("CANCELLED")), // cancelled
		flight("a0000000-0000-4000-8000-000000000005", "AL5", "JFK", "LHR", at(1, 17, 0), sold(199)),           // 1 seat left
		flight("a0000000-0000-4000-8000-000000000006", "AL6", "JFK", "LHR", at(1, 18, 0), sold(198)),           // 2 seats left: shown
		flight("a0000000-0000-4000-8000-000000000007", "AL7", "JFK", "LHR", at(1, 19, 0), sold(200)),           // sold out
		flight("a0000000-0000-4000-8000-000000000008", "AL8", "JFK", "LHR", at(1, 20, 0), status("DEPARTED")),  // not scheduled
		flight("a0000000-0000-4000-8000-000000000009", "AL9", "JFK", "LHR", at(1, 11, 59).In(est)),             // departed, EST
	)
	srv := newServer(t, ix, now)
	var got searchOut
	decodeOK(t, srv.search(t, searchBody(2, "JFK LHR 2026-12-01")), &got)
	var numbers []string
	for _, f := range got.Legs[0].Flights {
		numbers = append(numbers, f.FlightNumber)
	}
	if want := []string{"AL3", "AL6"}; !slices.Equal(numbers, want) {
		t.Fatalf("flights shown %v, want %v", numbers, want)
	}
	if got.Legs[0].Flights[1].AvailableSeats != 2 {
		t.Errorf("AL6 available_seats %d, want 2", got.Legs[0].Flights[1].AvailableSeats)
	}
}

func TestSearchUnknownAirport(t *testing.T) {
	srv := newServer(t, standardIndex(), now)
	cases := []struct {
		name   string
		body   string
		fields []string
	}{
		{"unknown destination", searchBody(1, "JFK XXX 2026-12-10"), []string{"legs[0].destination_airport_code"}},
		{"unknown origin", searchBody(1, "ZZZ LHR 2026-12-10"), []string{"legs[0].origin_airport_code"}},
		{"both unknown", searchBody(1, "ZZZ XXX 2026-12-10"), []string{"legs[0].origin_airport_code", "legs[0].destination_airport_code"}},
		{"unknown on the second leg", searchBody(1, "JFK LHR 2026-12-10", "QQQ CDG 2026-12-11"), []string{"legs[1].origin_airport_code"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantFields(t, srv.search(t, c.body), c.fields...)
		})
	}
}

func TestSearchValidation(t *testing.T) {
	srv := newServer(t, standardIndex(), now)
	seven := make([]string, 7)
	for i := range seven {
		seven[i] = "JFK LHR 2026-12-10"
	}
	cases := []struct {
		name   string
		body   string
		fields []string
	}{
		{"no legs", searchBody(1), []string{"legs"}},
		{"legs missing", `{"passenger_count":1}`, []string{"legs"}},
		{"seven legs", searchBody(1, seven...), []string{"legs"}},
		{"exactly six legs is fine but no passengers", searchBody(0, seven[:6]...), []string{"passenger_count"}},
		{"lower-case origin", searchBody(1, "jfk LHR 2026-12-10"), []string{"legs[0].origin_airport_code"}},
		{"same airports", searchBody(1, "JFK JFK 2026-12-10"), []string{"legs[0].destination_airport_code"}},
		{"date with slashes", searchBody(1, "JFK LHR 2026/12/10"), []string{"legs[0].date"}},
		{"date yesterday", searchBody(1, "JFK LHR 2026-11-30"), []string{"legs[0].date"}},
		{"date too far", searchBody(1, "JFK LHR 2027-12-03"), []string{"legs[0].date"}},
		{"passenger count missing", `{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"2026-12-10"}]}`, []string{"passenger_count"}},
		{"passenger count 10", searchBody(10, "JFK LHR 2026-12-10"), []string{"passenger_count"}},
		{"passenger count -1", searchBody(-1, "JFK LHR 2026-12-10"), []string{"passenger_count"}},
		{"several at once", searchBody(0, "JFK LHR 2026-12-10", "lhr CDG tomorrow"),
			[]string{"legs[1].origin_airport_code", "legs[1].date", "passenger_count"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantFields(t, srv.search(t, c.body), c.fields...)
		})
	}
}

func TestSearchDecodeErrors(t *testing.T) {
	srv := newServer(t, standardIndex(), now)
	leg := `{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"2026-12-10"}`
	cases := []struct {
		name   string
		body   string
		fields []string
	}{
		{"malformed JSON", `{"legs":[` + leg, []string{"body"}},
		{"not JSON at all", `legs=JFK`, []string{"body"}},
		{"unknown field", `{"legs":[` + leg + `],"passenger_count":1,"cabin":"Y"}`, []string{"cabin"}},
		{"unknown field in a leg", `{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"2026-12-10","via":"BOS"}],"passenger_count":1}`, []string{"via"}},
		{"passenger count as a string", `{"legs":[` + leg + `],"passenger_count":"2"}`, []string{"passenger_count"}},
		{"passenger count as a fraction", `{"legs":[` + leg + `],"passenger_count":1.5}`, []string{"passenger_count"}},
		{"legs as an object", `{"legs":{},"passenger_count":1}`, []string{"legs"}},
		{"empty body", ``, []string{"body"}},
		{"blank body", " \n\t ", []string{"body"}},
		{"an array", `[]`, []string{"body"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantFields(t, srv.search(t, c.body), c.fields...)
		})
	}
}

// TestSearchRejectsTrailingData: web.DecodeJSON promises that "trailing data
// [is a] 400". A second JSON value after the object is caught, but a stray
// closing '}' or ']' is not: json.Decoder.More reports false before a
// closing delimiter, so these bodies are served as valid searches (200).
func TestSearchRejectsTrailingData(t *testing.T) {
	srv := newServer(t, standardIndex(), now)
	valid := searchBody(1, "JFK LHR 2026-12-10")
	for _, trailing := range []string{` {"passenger_count":2}`, ` x`, `,`, `}`, `]`, ` ]]`} {
		t.Run(trailing, func(t *testing.T) {
			wantFields(t, srv.search(t, valid+trailing), "body")
		})
	}
}

func TestSearchIndexUnavailable(t *testing.T) {
	ix := standardIndex()
	ix.err = app.ErrNoIndex
	srv := newServer(t, ix, now)
	e := wantError(t, srv.search(t, searchBody(1, "JFK LHR 2026-12-10")), http.StatusServiceUnavailable, "index_unavailable")
	if len(e.Fields) != 0 {
		t.Errorf("fields %v on a 503", e.Fields)
	}
	// Wrapped the way an adapter might wrap it, it still maps.
	ix.err = fmt.Errorf("search index: %w", app.ErrNoIndex)
	wantError(t, srv.search(t, searchBody(1, "JFK LHR 2026-12-10")), http.StatusServiceUnavailable, "index_unavailable")
	// Input is validated before the index is asked.
	wantFields(t, srv.search(t, searchBody(0, "JFK LHR 2026-12-10")), "passenger_count")
}

func TestSearchIndexFailureIsGeneric500(t *testing.T) {
	ix := standardIndex()
	ix.err = errors.New("dial tcp 10.0.0.7:6379: connection refused")
	srv := newServer(t, ix, now)
	rec := srv.search(t, searchBody(1, "JFK LHR 2026-12-10"))
	e := wantError(t, rec, http.StatusInternalServerError, "internal")
	if strings.Contains(rec.Body.String(), "10.0.0.7") {
		t.Errorf("5xx body leaks the cause: %s", rec.Body)
	}
	if e.Message != "internal error" {
		t.Errorf("message %q, want a generic one", e.Message)
	}
}

// TestNoBadInputIs5xx: whatever a client sends, the answer is a 4xx in the
// error envelope, never a 5xx.
func TestNoBadInputIs5xx(t *testing.T) {
	srv := newServer(t, standardIndex(), now)
	bodies := []string{
		``, `{`, `}`, `null`, `true`, `0`, `"search"`, `[]`, `[{}]`, `{}`,
		`{"legs":null,"passenger_count":null}`,
		`{"legs":"JFK-LHR","passenger_count":1}`,
		`{"legs":[1,2],"passenger_count":1}`,
		`{"legs":[null],"passenger_count":1}`,
		`{"legs":[{}],"passenger_count":1}`,
		`{"legs":[{"date":20261210}],"passenger_count":1}`,
		`{"legs":[{"origin_airport_code":["JFK"]}],"passenger_count":1}`,
		`{"legs":[],"passenger_count":1e40}`,
		`{"legs":[],"passenger_count":-9223372036854775809}`,
		`{"legs":[],"passenger_count":9223372036854775807}`,
		`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"9999-99-99"}],"passenger_count":1}`,
		`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"0000-01-01"}],"passenger_count":1}`,
		`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"2026-12-10T08:00:00Z"}],"passenger_count":1}`,
		`{"legs":[{"origin_airport_code":"\u0000\u0000\u0000","destination_airport_code":"LHR","date":"2026-12-10"}],"passenger_count":1}`,
		"{\"legs\":[{\"origin_airport_code\":\"\xff\xfe\xfd\",\"destination_airport_code\":\"LHR\",\"date\":\"2026-12-10\"}],\"passenger_count\":1}",
		`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"XXX","date":"2026-12-10"}],"passenger_count":1}`,
		`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"2026-12-10"}],"passenger_count":1,"passenger_count":"x"}`,
		`{"LEGS":[],"Passenger_Count":0}`,
		`{"legs":[` + strings.Repeat(`{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"2026-12-10"},`, 999) +
			`{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"2026-12-10"}],"passenger_count":1}`,
		strings.Repeat("[", 100000),
	}
	for i, body := range bodies {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			rec := srv.search(t, body)
			if rec.Code >= 500 {
				t.Fatalf("body %.80q: status %d; %s", body, rec.Code, rec.Body)
			}
			wantError(t, rec, http.StatusBadRequest, "invalid_request")
		})
	}
}

// TestUnpriceableFlightIsLeftOutNotFatal: a flight whose currency the rules
// cannot price is dropped from the answer; the rest of the search stands.
func TestUnpriceableFlightIsLeftOutNotFatal(t *testing.T) {
	odd := func(f *domain.Flight) { f.Currency = "XAU" }
	ix := newFakeIndex().add(
		flight(idJFKLHR0800, "AL107", "JFK", "LHR", at(10, 8, 0), odd),
		flight(idJFKLHR1400, "AL101", "JFK", "LHR", at(10, 14, 0)),
	)
	rec := newServer(t, ix, now).search(t, searchBody(1, "JFK LHR 2026-12-10"))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	if !strings.Contains(rec.Body.String(), idJFKLHR1400) || strings.Contains(rec.Body.String(), idJFKLHR0800) {
		t.Fatalf("want only the priceable flight: %s", rec.Body.String())
	}
}

// TestFieldNamesAreExact: encoding/json would match "LEGS" to "legs"; the
// API treats any other spelling as an unknown field.
func TestFieldNamesAreExact(t *testing.T) {
	s := newServer(t, standardIndex(), now)
	for body, field := range map[string]string{
		`{"LEGS":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"2026-12-10"}],"passenger_count":1}`: "LEGS",
		`{"legs":[{"Origin_Airport_Code":"JFK","destination_airport_code":"LHR","date":"2026-12-10"}],"passenger_count":1}`: "Origin_Airport_Code",
	} {
		rec := s.search(t, body)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"`+field+`":"unknown field"`) {
			t.Errorf("%s: %d %s", body, rec.Code, rec.Body.String())
		}
	}
}
