package launcher

import (
	"fmt"
	"time"
)

// printBanner tells the developer where the fleet is and what to try.
func (f *Fleet) printBanner() {
	host := fmt.Sprintf("localhost:%d", f.info.Ports.Gateway)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	search := fmt.Sprintf(`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"%s"}],"passenger_count":1}`, tomorrow)
	state := "reused " + f.rel(f.o.StateDir)
	if f.info.InitDB {
		state = "new " + f.rel(f.o.StateDir)
	}
	lines := []string{
		fmt.Sprintf("Altis is ready at %s (started in %s, state: %s)", f.info.GatewayURL, f.info.Elapsed.Round(10*time.Millisecond), state),
		"try:",
		fmt.Sprintf("  curl -X POST %s/v1/auth/guest", host),
		fmt.Sprintf("  curl -X POST %s/v1/flights/search -d '%s'", host, search),
		"Ctrl-C stops everything.",
	}
	for _, l := range lines {
		f.con.say("%s", l)
	}
}
