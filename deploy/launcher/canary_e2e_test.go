package launcher_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/altisair/altis/deploy/apicheck"
)

// checkNoCanary fails for every line the fleet wrote — every service, the
// seed and the launcher (out), PostgreSQL's and Redis's logs in the state
// folder — that carries the canary passenger names or email newOwner
// booked with. Every service must have run at debug level.
func checkNoCanary(t *testing.T, out *testWriter, stateDir string) {
	t.Helper()
	all := out.String()
	for _, svc := range []string{"gateway", "command", "query", "projector"} {
		if !regexp.MustCompile(`msg=starting service=` + svc + ` .*log\.level:debug`).MatchString(all) {
			t.Errorf("%s did not run at debug level: the canary check would prove little", svc)
		}
	}
	sources := map[string]string{"the fleet's output": all}
	for _, name := range []string{"postgres.log", "redis.log"} {
		b, err := os.ReadFile(filepath.Join(stateDir, name))
		if err != nil {
			t.Fatalf("the canary check cannot read %s: %v", name, err)
		}
		sources[name] = string(b)
	}
	lines := 0
	for source, text := range sources {
		for _, line := range strings.Split(text, "\n") {
			lines++
			for _, c := range []string{canaryFirst, canaryLast, canaryEmail} {
				if strings.Contains(strings.ToLower(line), strings.ToLower(c)) {
					t.Errorf("personal data %q in %s: %s", c, source, line)
				}
			}
		}
	}
	t.Logf("%d log lines searched for personal data", lines)
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
