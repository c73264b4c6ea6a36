package http_test

import (
	"net/http"
	"testing"
)

// counter reads name{outcome} from the service's registry (0 if absent).
func (h *harness) counter(name, outcome string) float64 {
	h.t.Helper()
	families, err := h.metrics.Gather()
	must(h.t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// Seat holds and commits are counted once per request the use case
// handled, by outcome; an idempotent replay is not counted again.
func TestSeatHoldAndCommitOutcomesAreCounted(t *testing.T) {
	h := newHarness(t, options{})
	tr := h.heldTrip(0) // one seat held: 201
	again := h.doWith(http.MethodPost, "/v1/holds/seat", tr.authz, map[string]string{"Idempotency-Key": "hold-again"},
		seatBody(tr.tripID, tr.flight, tr.seat))
	decode[seatAnswer](t, again, http.StatusOK)
	replay := h.doWith(http.MethodPost, "/v1/holds/seat", tr.authz, map[string]string{"Idempotency-Key": "hold-again"},
		seatBody(tr.tripID, tr.flight, tr.seat))
	if replay.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the second request with the key was not a replay: %d %s", replay.Code, replay.Body)
	}
	other := h.guest()
	otherTrip := h.trip(other, tr.flight)
	fails(t, h.do(http.MethodPost, "/v1/holds/seat", other, seatBody(otherTrip, tr.flight, tr.seat)), http.StatusConflict, "seat_unavailable")

	fails(t, h.do(http.MethodPost, "/v1/bookings/commit", tr.authz, commitBody(tr, "tok_chargeDeclined")), http.StatusPaymentRequired, "payment_declined")
	decode[committed](t, h.do(http.MethodPost, "/v1/bookings/commit", tr.authz, commitBody(tr, "tok_visa")), http.StatusCreated)

	for _, c := range []struct {
		name, outcome string
		want          float64
	}{
		{"command_seat_holds_total", "held", 1},
		{"command_seat_holds_total", "already_held", 1},
		{"command_seat_holds_total", "seat_unavailable", 1},
		{"command_commits_total", "payment_declined", 1},
		{"command_commits_total", "confirmed", 1},
	} {
		if got := h.counter(c.name, c.outcome); got != c.want {
			t.Errorf("%s{outcome=%q} = %v, want %v", c.name, c.outcome, got, c.want)
		}
	}
}
