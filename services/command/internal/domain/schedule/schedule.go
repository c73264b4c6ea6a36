// Package schedule generates Altis's deterministic seed schedule: airports, aircraft seat maps, routes and dated flights.
//
// Everything here is pure: no I/O, no clock, no randomness. The same Options
// always produce exactly the same flights with the same ids, so seeding can be
// re-run safely.
//
// Size of the default schedule: 48 airport pairs flown in both directions give
// 96 directional routes and 332 flights a day, so Options{Days: 30, Scale: 1}
// yields 9,960 flights. Scale multiplies every route's daily frequency:
// Options{Days: 30, Scale: 10} yields 99,600 flights for benchmarks.
package schedule

import (
	_ "time/tzdata" // time zones must load in minimal container images
)
