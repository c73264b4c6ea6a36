package launcher_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/altisair/altis/deploy/apicheck"
)

// checkNoCanary fails for every line of the fleet's output (every service,
// the seed, PostgreSQL, Redis, the launcher), captured at debug level,
// that carries the canary passenger names or email newOwner booked with.
func checkNoCanary(t *testing.T, out *testWriter) {
	t.Helper()
	all := out.String()
	if !strings.Contains(all, "level=DEBUG") {
		t.Fatal("the fleet did not log at debug level: the canary check would prove nothing")
	}
	lines := strings.Split(all, "\n")
	leaks := 0
	for _, line := range lines {
		for _, c := range []string{canaryFirst, canaryLast, canaryEmail} {
			if strings.Contains(strings.ToLower(line), strings.ToLower(c)) {
				leaks++
				t.Errorf("personal data %q in the log: %s", c, line)
			}
		}
	}
	t.Logf("%d log lines searched for personal data, %d leaks", len(lines), leaks)
}

// canaryMistakes sends A's personal data down the error paths too, where
// a cause is logged: an invalid name, an invalid email, a declined
// payment. Nothing changes A's open trip.
func canaryMistakes(t *testing.T, a *owner) {
	t.Helper()
	commit := func(email, token string) []byte {
		return mustJSON(t, map[string]any{"trip_id": a.tripOpen, "user_email": email, "payment_token": token,
			"passengers": []map[string]any{{"first_name": canaryFirst, "last_name": canaryLast,
				"seats": []map[string]string{{"flight_id": a.flight, "seat_number": a.seats[1]}}}}})
	}
	for _, m := range []struct {
		name, path string
		body       []byte
		want       int
	}{
		{"an invalid name", "/v1/holds/trip/" + a.tripOpen + "/passengers",
			mustJSON(t, map[string]string{"first_name": canaryFirst + "9", "last_name": canaryLast, "passenger_type": "ADULT"}), http.StatusBadRequest},
		{"an invalid email", "/v1/bookings/commit", commit("zqxcanary.wylvanish@", "tok_visa"), http.StatusBadRequest},
		{"a declined payment", "/v1/bookings/commit", commit(canaryEmail, "tok_chargeDeclined"), http.StatusPaymentRequired},
	} {
		if e := a.c.send(apicheck.BadRequest, http.MethodPost, m.path, m.body); e.status != m.want {
			t.Errorf("%s = %d, want %d: %s", m.name, e.status, m.want, e.body)
		}
	}
}
