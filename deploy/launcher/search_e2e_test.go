package launcher_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// The shipped sale (config/default.toml): JFK-LHR and back, Y and W cabins.
var saleEnds = time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)

type searchLine struct {
	Kind   string `json:"kind"`
	Code   string `json:"code"`
	Amount int64  `json:"amount"`
}

type searchPrice struct {
	Currency  string       `json:"currency"`
	Total     int64        `json:"total"`
	Breakdown []searchLine `json:"breakdown"`
}

type searchFlight struct {
	FlightID       string                 `json:"flight_id"`
	FlightNumber   string                 `json:"flight_number"`
	Origin         string                 `json:"origin_airport_code"`
	Destination    string                 `json:"destination_airport_code"`
	DepartureTime  time.Time              `json:"departure_time"`
	AvailableSeats int                    `json:"available_seats"`
	Cabin          string                 `json:"cabin"`
	Price          searchPrice            `json:"price"`
	Passenger      map[string]searchPrice `json:"passenger_prices"`
}

type searchAnswer struct {
	Legs []struct {
		Origin      string         `json:"origin_airport_code"`
		Destination string         `json:"destination_airport_code"`
		Date        string         `json:"date"`
		Flights     []searchFlight `json:"flights"`
	} `json:"legs"`
}

// checkSearch searches the seeded schedule through the gateway: one leg,
// then several, and checks prices follow the shipped rules.
func checkSearch(t *testing.T, gateway int) {
	t.Helper()
	day := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	legs := [][2]string{{"JFK", "LHR"}, {"LHR", "CDG"}, {"CDG", "JFK"}}
	one := search(t, gateway, legs[:1], day)
	if len(one.Legs) != 1 || len(one.Legs[0].Flights) < 4 {
		t.Fatalf("JFK-LHR on %s: %+v, want a leg with the 4 daily flights", day, one)
	}
	many := search(t, gateway, legs, day)
	if len(many.Legs) != len(legs) {
		t.Fatalf("multi-leg search answered %d legs, want %d", len(many.Legs), len(legs))
	}
	for i, leg := range many.Legs {
		if leg.Origin != legs[i][0] || leg.Destination != legs[i][1] || len(leg.Flights) == 0 {
			t.Fatalf("leg %d = %s-%s with %d flights, want %s-%s with flights", i, leg.Origin, leg.Destination, len(leg.Flights), legs[i][0], legs[i][1])
		}
		for _, f := range leg.Flights {
			checkFlightPrice(t, f, leg.Origin+"-"+leg.Destination)
		}
	}
	checkSeatMap(t, gateway, one.Legs[0].Flights[0])
}

func checkFlightPrice(t *testing.T, f searchFlight, route string) {
	t.Helper()
	if f.Origin+"-"+f.Destination != route || f.AvailableSeats <= 0 || f.FlightID == "" {
		t.Fatalf("flight %+v does not belong on %s", f, route)
	}
	sum, codes := int64(0), map[string]bool{}
	for _, l := range f.Price.Breakdown {
		sum += l.Amount
		codes[l.Code] = true
	}
	if sum != f.Price.Total || f.Price.Total <= 0 {
		t.Errorf("%s %s: breakdown sums to %d, total %d", route, f.FlightNumber, sum, f.Price.Total)
	}
	if !codes["FUEL"] {
		t.Errorf("%s %s: no fuel surcharge in %+v", route, f.FlightNumber, f.Price.Breakdown)
	}
	wantSale := route == "JFK-LHR" && time.Now().Before(saleEnds)
	if codes["TRANSATLANTIC_WINTER"] != wantSale {
		t.Errorf("%s %s: sale line present = %v, want %v", route, f.FlightNumber, !wantSale, wantSale)
	}
	for _, pt := range []string{"ADULT", "CHILD", "INFANT"} {
		if f.Passenger[pt].Total <= 0 || f.Passenger[pt].Currency != f.Price.Currency {
			t.Errorf("%s %s: no %s price", route, f.FlightNumber, pt)
		}
	}
}

func checkSeatMap(t *testing.T, gateway int, f searchFlight) {
	t.Helper()
	resp, err := gatewayHTTP(t).Get(fmt.Sprintf("http://127.0.0.1:%d/v1/flights/%s/seats", gateway, f.FlightID))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		FlightNumber   string `json:"flight_number"`
		AvailableSeats int    `json:"available_seats"`
		Cabins         []struct {
			Code string `json:"code"`
		} `json:"cabins"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("seat map of %s: %s %v", f.FlightID, resp.Status, err)
	}
	if m.FlightNumber != f.FlightNumber || m.AvailableSeats != f.AvailableSeats || len(m.Cabins) < 2 {
		t.Fatalf("seat map %+v does not match flight %+v", m, f)
	}
}

func search(t *testing.T, gateway int, legs [][2]string, day string) searchAnswer {
	t.Helper()
	type leg struct {
		O string `json:"origin_airport_code"`
		D string `json:"destination_airport_code"`
		X string `json:"date"`
	}
	req := struct {
		Legs []leg `json:"legs"`
		N    int   `json:"passenger_count"`
	}{N: 2}
	for _, l := range legs {
		req.Legs = append(req.Legs, leg{l[0], l[1], day})
	}
	body, _ := json.Marshal(req)
	resp, err := gatewayHTTP(t).Post(fmt.Sprintf("http://127.0.0.1:%d/v1/flights/search", gateway), "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out searchAnswer
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("search %s: %s %v", body, resp.Status, err)
	}
	return out
}
