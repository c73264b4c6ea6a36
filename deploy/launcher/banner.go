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
	}
	lines = append(lines, f.instanceLines()...)
	lines = append(lines,
		"try:",
		fmt.Sprintf("  curl -X POST %s/v1/auth/guest", host),
		fmt.Sprintf("  curl -X POST %s/v1/flights/search -d '%s'", host, search),
		"a service that crashes is restarted; Ctrl-C stops everything.",
	)
	for _, l := range lines {
		f.con.say("%s", l)
	}
}

// instanceLines list every service process: where it listens and its pid.
func (f *Fleet) instanceLines() []string {
	width := 0
	for _, in := range f.instances {
		width = max(width, len(in.name))
	}
	lines := []string{"processes:"}
	for _, i := range f.Info().Instances {
		l := fmt.Sprintf("  %-*s http://localhost:%d  pid %d", width, i.Name, i.Port, i.PID)
		if i.AdminPort != 0 {
			l += fmt.Sprintf("  metrics http://localhost:%d/metrics", i.AdminPort)
		}
		lines = append(lines, l)
	}
	return lines
}
