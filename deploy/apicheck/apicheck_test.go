package apicheck_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/altisair/altis/deploy/apicheck"
)

const (
	tripID    = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	flightID  = "9b2c6a1e-1d4f-4c36-8f55-2b7c1d0e4a10"
	errorBody = `{"error":{"code":"trip_not_found","message":"trip not found","request_id":"r1"}}`
)

// TestContractIsValidOpenAPI loads the shipped document with kin-openapi
// and validates it.
func TestContractIsValidOpenAPI(t *testing.T) {
	doc, err := apicheck.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apicheck.New(doc); err != nil {
		t.Fatal(err)
	}
	if doc.Paths.Find("/v1/bookings/{booking_id}") == nil {
		t.Fatal("no /v1/bookings/{booking_id} in the document")
	}
}

// answer is what the fake server says to one exchange.
type answer struct {
	status int
	ct     string
	body   string
	header map[string]string
}

// exchange is one request and the server's answer to it.
type exchange struct {
	name   string
	mode   apicheck.Mode
	method string
	path   string
	token  bool
	body   string
	answer answer
	ok     bool // no violation expected
}

func exchanges() []exchange {
	createdTrip := `{"trip_id":"` + tripID + `","expires_at":1767225600}`
	seatHold := `{"trip_id":"` + tripID + `","flight_id":"` + flightID + `","seat_number":"1A","status":"held","expires_at":1767225600}`
	seatReq := `{"trip_id":"` + tripID + `","flight_id":"` + flightID + `","seat_number":"1A"}`
	json := "application/json"
	return []exchange{
		{"documented answer", apicheck.Strict, "POST", "/v1/holds/trip", true, `{"flight_ids":["` + flightID + `"]}`,
			answer{201, json, createdTrip, nil}, true},
		{"documented error", apicheck.Strict, "GET", "/v1/holds/trip/" + tripID, true, "",
			answer{404, json, errorBody, nil}, true},
		{"answer missing a required field", apicheck.Strict, "POST", "/v1/holds/trip", true, `{"flight_ids":["` + flightID + `"]}`,
			answer{201, json, `{"trip_id":"` + tripID + `"}`, nil}, false},
		{"answer with an undocumented field", apicheck.Strict, "POST", "/v1/holds/seat", true, seatReq,
			answer{201, json, strings.TrimSuffix(seatHold, "}") + `,"guest_id":"g_1"}`, nil}, false},
		{"answer with a wrong type", apicheck.Strict, "POST", "/v1/holds/trip", true, `{"flight_ids":["` + flightID + `"]}`,
			answer{201, json, `{"trip_id":"` + tripID + `","expires_at":"soon"}`, nil}, false},
		{"undocumented status", apicheck.Strict, "POST", "/v1/holds/seat", true, seatReq,
			answer{202, json, seatHold, nil}, false},
		{"undocumented error status", apicheck.Strict, "GET", "/v1/holds/trip/" + tripID, true, "",
			answer{418, json, errorBody, nil}, false},
		{"error in another shape", apicheck.Strict, "GET", "/v1/holds/trip/" + tripID, true, "",
			answer{404, json, `{"message":"not found"}`, nil}, false},
		{"error as text", apicheck.Strict, "GET", "/v1/holds/trip/" + tripID, true, "",
			answer{404, "text/plain", "not found", nil}, false},
		{"429 with Retry-After", apicheck.Strict, "GET", "/v1/holds/trip/" + tripID, true, "",
			answer{429, json, errorBody, map[string]string{"Retry-After": "1"}}, true},
		{"429 without Retry-After", apicheck.Strict, "GET", "/v1/holds/trip/" + tripID, true, "",
			answer{429, json, errorBody, nil}, false},
		{"route not in the document", apicheck.Strict, "GET", "/v1/holds/everything", true, "",
			answer{404, json, errorBody, nil}, false},
		{"method not in the document", apicheck.Strict, "DELETE", "/v1/holds/trip/" + tripID, true, "",
			answer{405, json, errorBody, nil}, false},
		{"request with an unknown field", apicheck.Strict, "POST", "/v1/holds/seat", true, strings.TrimSuffix(seatReq, "}") + `,"x":1}`,
			answer{201, json, seatHold, nil}, false},
		{"request without its token", apicheck.Strict, "GET", "/v1/holds/trip/" + tripID, false, "",
			answer{401, json, errorBody, nil}, false},
		{"bad request on purpose", apicheck.BadRequest, "POST", "/v1/holds/seat", true, `{"x":1}`,
			answer{400, json, errorBody, nil}, true},
		{"bad request on purpose, undocumented answer", apicheck.BadRequest, "POST", "/v1/holds/seat", true, `{"x":1}`,
			answer{200, json, `{}`, nil}, false},
		{"probe of another method, 405", apicheck.Probe, "DELETE", "/v1/holds/trip/" + tripID, true, "",
			answer{405, json, errorBody, nil}, true},
		{"probe of another method, served", apicheck.Probe, "DELETE", "/v1/holds/trip/" + tripID, true, "",
			answer{200, json, `{}`, nil}, false},
		{"probe of another method, not the error shape", apicheck.Probe, "PUT", "/v1/bookings/" + tripID, true, "",
			answer{405, json, `{"error":"nope"}`, nil}, false},
		{"event stream (never read)", apicheck.Strict, "GET", "/v1/flights/" + flightID + "/stream", true, "",
			answer{200, "text/event-stream", "", nil}, true},
	}
}

// TestValidatorCatchesDrift runs each exchange against a server that
// answers as told: the validator must flag exactly the ones that break the
// document (the mutation check of the e2e client).
func TestValidatorCatchesDrift(t *testing.T) {
	doc, err := apicheck.Load()
	if err != nil {
		t.Fatal(err)
	}
	v, err := apicheck.New(doc)
	if err != nil {
		t.Fatal(err)
	}
	var current answer
	stop := make(chan struct{})
	defer close(stop)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for k, val := range current.header {
			w.Header().Set(k, val)
		}
		w.Header().Set("Content-Type", current.ct)
		w.WriteHeader(current.status)
		_, _ = io.WriteString(w, current.body)
		if current.ct == "text/event-stream" {
			w.(http.Flusher).Flush()
			select { // an endless stream
			case <-r.Context().Done():
			case <-stop:
			}
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: v.Transport(http.DefaultTransport)}
	for _, ex := range exchanges() {
		t.Run(ex.name, func(t *testing.T) {
			current = ex.answer
			ctx, cancel := context.WithCancel(apicheck.WithMode(context.Background(), ex.mode))
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, ex.method, srv.URL+ex.path, strings.NewReader(ex.body))
			if ex.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if ex.token {
				req.Header.Set("Authorization", "Bearer t")
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if ex.answer.ct != "text/event-stream" {
				got, _ := io.ReadAll(resp.Body)
				if string(got) != ex.answer.body {
					t.Errorf("the caller read %q, want %q", got, ex.answer.body)
				}
			}
			resp.Body.Close()
			violations, checked := v.Violations()
			if checked != 1 || (len(violations) == 0) != ex.ok {
				t.Fatalf("checked %d, violations %q; want 1 checked and ok=%v", checked, violations, ex.ok)
			}
		})
	}
}
