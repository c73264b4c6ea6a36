package web

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/altisair/altis/pkg/platform/config"
)

// Config is the listening part of a service section; services embed it
// with `koanf:",squash"`.
type Config struct {
	// Host is the interface to listen on: "127.0.0.1" keeps an internal
	// service off the network, "0.0.0.0" is every interface (containers,
	// the public edge).
	Host string `koanf:"host"`
	Port int    `koanf:"port"`
	// ShutdownTimeout bounds the whole stop, from the signal to the exit
	// (the drain delay included); connections still open then are cut.
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
	// DrainDelay is how long /readyz answers 503 before the listener
	// closes, so a load balancer stops sending new requests first.
	DrainDelay time.Duration `koanf:"drain_delay"`
	// ReadHeaderTimeout bounds reading a request's headers (slow loris),
	// ReadTimeout the whole request with its body, WriteTimeout the answer
	// (an event stream lifts it with KeepOpen), IdleTimeout how long a
	// keep-alive connection waits for its next request.
	ReadHeaderTimeout time.Duration `koanf:"read_header_timeout"`
	ReadTimeout       time.Duration `koanf:"read_timeout"`
	WriteTimeout      time.Duration `koanf:"write_timeout"`
	IdleTimeout       time.Duration `koanf:"idle_timeout"`
}

// Validate checks the host, the port, the timeouts and the drain time. An
// empty host is refused: every interface must be asked for ("0.0.0.0"),
// never a default.
func (c Config) Validate() error {
	if err := CheckHost("host", c.Host); err != nil {
		return err
	}
	if c.Port < 1 || c.Port > 65535 {
		return config.Invalid("port", "must be between 1 and 65535")
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"shutdown_timeout", c.ShutdownTimeout}, {"read_header_timeout", c.ReadHeaderTimeout},
		{"read_timeout", c.ReadTimeout}, {"write_timeout", c.WriteTimeout}, {"idle_timeout", c.IdleTimeout},
	} {
		if d.v <= 0 {
			return config.Invalid(d.key, "must be positive")
		}
	}
	switch {
	case c.ReadHeaderTimeout > c.ReadTimeout:
		return config.Invalid("read_header_timeout", "must not exceed read_timeout (%s)", c.ReadTimeout)
	case c.DrainDelay < 0 || c.DrainDelay >= c.ShutdownTimeout:
		return config.Invalid("drain_delay", "must be at least 0 and less than shutdown_timeout (%s)", c.ShutdownTimeout)
	}
	return nil
}

// Addr is the address to listen on: host and port ("" host: every
// interface).
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// CheckHost refuses a listen host that is neither an IP literal nor a host
// name; key names the setting in the error.
func CheckHost(key, host string) error {
	if net.ParseIP(host) != nil || isHostname(host) {
		return nil
	}
	return config.Invalid(key, "must be an IP address or a host name (0.0.0.0: every interface), got %q", host)
}

// isHostname accepts RFC 1123 names: dot-separated labels of 1 to 63
// letters, digits and inner hyphens, at most 253 bytes, and a last label
// that is not all digits (that would be a malformed IP address).
func isHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if !isLabel(l) {
			return false
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

func isLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
