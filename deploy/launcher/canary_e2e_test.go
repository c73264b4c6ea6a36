package launcher_test

import (
	"strings"
	"testing"
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
