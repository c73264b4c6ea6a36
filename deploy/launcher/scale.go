package launcher

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// MaxScale bounds the processes of one service: a laptop fleet, and with
// portStride it keeps every instance's port below the next service's
// block of a hundred.
const MaxScale = 9

// portStride separates the ports of a service's instances: instance i
// (from 1) listens on the configured port + (i-1)·portStride, so query.2
// of a default configuration is on 8182 and gateway.2 on 8180 (admin 9180).
const portStride = 100

// Scale is how many processes each service runs; a service it does not
// name runs one.
type Scale map[string]int

// ParseScale reads "query=3,projector=2". Every service may scale,
// including the gateway: its instances listen on successive public ports
// (see portStride). An empty string is no scaling.
func ParseScale(s string) (Scale, error) {
	sc := Scale{}
	if strings.TrimSpace(s) == "" {
		return sc, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, count, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("scale: %q is not service=count (e.g. query=3,projector=2)", part)
		}
		name = strings.TrimSpace(name)
		if _, dup := sc[name]; dup {
			return nil, fmt.Errorf("scale: %s is named twice", name)
		}
		n, err := strconv.Atoi(strings.TrimSpace(count))
		if err != nil {
			return nil, fmt.Errorf("scale: %s=%s: the count is not a whole number", name, count)
		}
		sc[name] = n
	}
	return sc, sc.validate()
}

// validate names every service it does not know and every count outside
// 1..MaxScale.
func (sc Scale) validate() error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(sc)) {
		n := sc[name]
		switch {
		case !slices.Contains(serviceNames, name):
			errs = append(errs, fmt.Errorf("scale: unknown service %q (the services are %s)", name, strings.Join(serviceNames, ", ")))
		case n < 1 || n > MaxScale:
			errs = append(errs, fmt.Errorf("scale: %s=%d: the count must be between 1 and %d", name, n, MaxScale))
		}
	}
	return errors.Join(errs...)
}

// of is the number of processes of service.
func (sc Scale) of(service string) int {
	if n := sc[service]; n > 0 {
		return n
	}
	return 1
}

// String is the flag syntax, services in start order, counts above one.
func (sc Scale) String() string {
	var parts []string
	for _, name := range serviceNames {
		if n := sc[name]; n > 1 {
			parts = append(parts, fmt.Sprintf("%s=%d", name, n))
		}
	}
	return strings.Join(parts, ",")
}

// instanceName is how logs and Info name a process: the service alone when
// it runs once, "query.2" when it is scaled.
func instanceName(service string, i, of int) string {
	if of == 1 {
		return service
	}
	return fmt.Sprintf("%s.%d", service, i)
}

// instancePort is the port of instance i (from 1) of a service whose
// first instance listens on base.
func instancePort(base, i int) int { return base + (i-1)*portStride }
