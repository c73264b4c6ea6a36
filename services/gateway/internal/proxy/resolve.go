package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Resolver turns a host name into its addresses; *net.Resolver is one.
// Tests hand in a fake to add and remove addresses.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// base is one configured URL: a name (or an IP literal) and a port, with
// the transport every instance behind it shares.
type base struct {
	url       *url.URL
	host      string // host name or IP literal, no port
	port      string
	literal   bool // an IP: nothing to resolve
	transport *http.Transport
	client    *http.Client // /healthz checks
}

func newBase(u *url.URL, maxIdle int) (*base, error) {
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("need an absolute http(s) URL, got %q", u.Redacted())
	}
	b := &base{url: u, host: u.Hostname(), port: u.Port()}
	if b.port == "" {
		b.port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	b.literal = net.ParseIP(b.host) != nil
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0 // no limit over all instances; per instance below
	t.MaxIdleConnsPerHost = maxIdle
	t.IdleConnTimeout = 30 * time.Second // idle connections to a vanished instance go
	if u.Scheme == "https" && !b.literal {
		// Instances are dialled by IP; the certificate still names the host.
		t.TLSClientConfig = &tls.Config{ServerName: b.host, MinVersion: tls.VersionTLS12}
	}
	b.transport, b.client = t, &http.Client{Transport: t}
	return b, nil
}

// addresses is what b currently stands for: its literal, or the addresses
// its name resolves to, sorted.
func (b *base) addresses(ctx context.Context, r Resolver) ([]string, error) {
	if b.literal {
		return []string{b.host}, nil
	}
	addrs, err := r.LookupHost(ctx, b.host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", b.host, err)
	}
	slices.Sort(addrs)
	return slices.Compact(addrs), nil
}

// Run resolves every named base URL now and then every ResolveEvery, until
// ctx ends. A name that fails to resolve keeps its last addresses: a DNS
// blip must not empty the pool. With only IP literals it returns at once.
func (u *Upstream) Run(ctx context.Context) error {
	if !slices.ContainsFunc(u.bases, func(b *base) bool { return !b.literal }) {
		return nil
	}
	tick := time.NewTicker(u.opt.ResolveEvery)
	defer tick.Stop()
	for {
		u.Refresh(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Refresh resolves every base URL once and swaps in the new instance set,
// keeping the instances (their counters and ejections) whose address stayed.
func (u *Upstream) Refresh(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, u.opt.ResolveEvery)
	defer cancel()
	u.refreshing.Lock()
	defer u.refreshing.Unlock()
	old := u.current.Load()
	var next []*instance
	for _, b := range u.bases {
		addrs, err := b.addresses(ctx, u.opt.Resolver)
		if err != nil {
			u.log.Warn("upstream: keeping the last addresses", "upstream", u.name, "err", err)
			for _, in := range old.of(b) {
				if !has(next, in.addr) {
					next = append(next, in)
				}
			}
			continue
		}
		for _, a := range addrs {
			if addr := net.JoinHostPort(a, b.port); !has(next, addr) {
				next = append(next, u.instanceFor(old, b, addr))
			}
		}
	}
	if !old.sameAs(next) {
		u.current.Store(&set{all: next})
		u.log.Info("upstream: instances", "upstream", u.name, "addresses", addrList(next))
	}
}

// instanceFor reuses old's instance for addr behind b, or builds one.
func (u *Upstream) instanceFor(old *set, b *base, addr string) *instance {
	for _, in := range old.all {
		if in.base == b && in.addr == addr {
			return in
		}
	}
	return u.newInstance(b, addr)
}

func (s *set) of(b *base) []*instance {
	var out []*instance
	for _, in := range s.all {
		if in.base == b {
			out = append(out, in)
		}
	}
	return out
}

// has says whether all has an instance for addr: two base URLs that name
// one address make one instance.
func has(all []*instance, addr string) bool {
	return slices.ContainsFunc(all, func(in *instance) bool { return in.addr == addr })
}

func (s *set) sameAs(all []*instance) bool { return slices.Equal(s.all, all) }

func addrList(all []*instance) string {
	names := make([]string, len(all))
	for i, in := range all {
		names[i] = in.addr
	}
	return strings.Join(names, ",")
}
