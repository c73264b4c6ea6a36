package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Failures of a forwarded request, for the service's error table.
var (
	ErrUnavailable  = errors.New("upstream unavailable")
	ErrTimeout      = errors.New("upstream timed out")
	ErrBodyTooLarge = errors.New("request body too large")
	ErrClientGone   = errors.New("client closed the request")
)

// Options tune an Upstream; New refuses non-positive durations.
type Options struct {
	Timeout      time.Duration // each non-stream request, first byte sent to last received
	ResolveEvery time.Duration // how often host names are resolved again
	EjectFor     time.Duration // a failing instance's first ejection; doubles per ejection in a row
	EjectMax     time.Duration // the longest ejection
	IdlePerHost  int           // idle connections kept per instance; 0 means 64
	Resolver     Resolver      // nil: net.DefaultResolver
}

// Upstream forwards requests to one service: a pool of instances, one per
// address its base URLs resolve to, balanced by requests in flight.
type Upstream struct {
	name  string
	opt   Options
	log   *slog.Logger
	bases []*base

	current    atomic.Pointer[set]
	next       atomic.Uint64 // rotating start of the balancer's scan
	retries    atomic.Uint64
	refreshing sync.Mutex
	descs      descs
}

// New builds an Upstream over absolute http(s) base URLs. Until Run (or
// Refresh) resolves them, a named URL is one instance that the dialer
// resolves by itself, so the Upstream works at once.
func New(name string, urls []*url.URL, o Options, log *slog.Logger) (*Upstream, error) {
	if log == nil || len(urls) == 0 {
		return nil, fmt.Errorf("proxy: %s: base URLs and a log are required", name)
	}
	if o.Timeout <= 0 || o.ResolveEvery <= 0 || o.EjectFor <= 0 || o.EjectMax < o.EjectFor {
		return nil, fmt.Errorf("proxy: %s: timeout, resolve interval and ejection must be positive (max ≥ first)", name)
	}
	if o.IdlePerHost <= 0 {
		o.IdlePerHost = 64
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	u := &Upstream{name: name, opt: o, log: log, descs: newDescs(name)}
	var all []*instance
	for _, raw := range urls {
		if raw == nil {
			return nil, fmt.Errorf("proxy: %s: nil URL", name)
		}
		b, err := newBase(raw, o.IdlePerHost)
		if err != nil {
			return nil, fmt.Errorf("proxy: %s: %w", name, err)
		}
		u.bases = append(u.bases, b)
		if addr := net.JoinHostPort(b.host, b.port); !has(all, addr) {
			all = append(all, u.newInstance(b, addr))
		}
	}
	u.current.Store(&set{all: all})
	return u, nil
}

func (u *Upstream) newInstance(b *base, addr string) *instance {
	target := *b.url
	target.Host = addr
	in := &instance{base: b, addr: addr, url: &target}
	in.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(in.url)
			pr.Out.Host = b.url.Host // the service's name, not the instance's address
			pr.SetXForwarded()
			// Authorization (and a stream's ?ticket=) pass through unchanged:
			// every service verifies the guest token itself.
		},
		Transport:      b.transport,
		ModifyResponse: modifyResponse,
		ErrorHandler:   recordFailure,
		ErrorLog:       slog.NewLogLogger(u.log.Handler(), slog.LevelWarn),
		BufferPool:     copyBuffers,
		// FlushInterval 0: the proxy still flushes every write of a
		// text/event-stream (SSE) or unknown-length response; attempt
		// lets only streams' flushes through.
	}
	return in
}

// Forward proxies r, bounded by the upstream timeout. A non-nil error means
// nothing was written to w: the caller answers with its own error.
//
// read says the route changes nothing. A read that fails before any answer
// (refused, reset, instance gone) is sent once more to another instance; its
// body, at most the body limit, is held in memory so it can be resent. Any
// other request is sent again only when the first attempt failed to dial:
// then it provably never left the gateway.
func (u *Upstream) Forward(w http.ResponseWriter, r *http.Request, read bool) error {
	ctx, cancel := context.WithTimeout(r.Context(), u.opt.Timeout)
	defer cancel()
	err := u.send(ctx, w, r, read, false)
	return u.classify(err, r.Context(), ctx)
}

// Stream proxies a long-lived response (SSE) with no timeout: it ends when
// either side hangs up. Streams are balanced by open streams per instance.
func (u *Upstream) Stream(w http.ResponseWriter, r *http.Request) error {
	err := u.send(r.Context(), w, r, true, true)
	return u.classify(err, r.Context(), r.Context())
}

func (u *Upstream) send(ctx context.Context, w http.ResponseWriter, r *http.Request, read, stream bool) error {
	body, err := newBody(r, read)
	if err != nil {
		return err
	}
	req := r.WithContext(ctx)
	s := u.current.Load()
	now := time.Now().UnixNano()
	first := s.pick(u.next.Add(1), now, nil, stream)
	if first == nil {
		return errors.New("no instances")
	}
	err = u.try(first, w, req, body, stream)
	if err == nil || ctx.Err() != nil || !body.resendable(err, read) {
		return err
	}
	again := s.pick(u.next.Add(1), now, first, stream)
	if again == nil {
		return err
	}
	u.retries.Add(1)
	return u.try(again, w, req, body, stream)
}

// try sends req to one instance and ejects the instance if the failure was
// its own (not the client's, not a timeout).
func (u *Upstream) try(in *instance, w http.ResponseWriter, req *http.Request, body *body, stream bool) error {
	load := &in.active
	if stream {
		load = &in.streams
	}
	load.Add(1)
	defer load.Add(-1)
	a := &attempt{ResponseWriter: w, stream: stream}
	body.attach(req)
	in.rp.ServeHTTP(a, req)
	if a.failure == nil {
		in.succeed()
		return nil
	}
	var tooLarge *http.MaxBytesError
	if req.Context().Err() == nil && !errors.As(a.failure, &tooLarge) {
		if d, ok := in.eject(time.Now().UnixNano(), u.opt.EjectFor, u.opt.EjectMax); ok {
			u.log.Warn("upstream: instance ejected", "upstream", u.name, "instance", in.addr, "for", d, "err", a.failure)
		}
	}
	return a.failure
}

// attempt is the writer one try hands the reverse proxy. It keeps the
// transport error the proxy reports instead of answering, and it flushes
// only streams: the proxy flushes every write of a response of unknown
// length (most JSON answers), which for a plain request only costs a
// system call per chunk; the server sends the rest when the handler ends.
type attempt struct {
	http.ResponseWriter
	stream  bool
	failure error
}

// Flush passes a stream's flushes on and drops the others.
func (a *attempt) Flush() {
	if a.stream {
		_ = http.NewResponseController(a.ResponseWriter).Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (a *attempt) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// body is what each attempt sends: a read's body held whole, or any other
// body streamed once, with a note of whether anything read it.
type body struct {
	held    []byte
	stream  io.ReadCloser
	touched atomic.Bool // the transport may read from its own goroutine
	none    bool
}

// noBody is every bodiless request's: nothing in it ever changes.
var noBody = &body{none: true}

func newBody(r *http.Request, read bool) (*body, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return noBody, nil
	}
	if !read {
		return &body{stream: r.Body}, nil
	}
	var (
		held []byte
		err  error
	)
	if r.ContentLength > 0 {
		held = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, held)
	} else {
		held, err = io.ReadAll(r.Body)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: reading the body: %w", ErrClientGone, err)
	}
	return &body{held: held}, nil
}

// attach gives req this attempt's body. GetBody lets the transport resend
// on a fresh connection by itself when a kept-alive one turns out closed
// before the request was written (as when an instance shuts down): a held
// body always, a streamed one only while nothing has read it.
func (b *body) attach(req *http.Request) {
	switch {
	case b.none:
	case b.stream != nil:
		req.Body, req.GetBody = b, b.again
	default:
		req.Body, _ = b.again()
		req.GetBody = b.again
		req.ContentLength = int64(len(b.held))
		req.TransferEncoding = nil
	}
}

func (b *body) again() (io.ReadCloser, error) {
	if b.stream == nil {
		return io.NopCloser(bytes.NewReader(b.held)), nil
	}
	if b.touched.Load() {
		return nil, errors.New("the body was sent already")
	}
	return b, nil
}

// Read and Close make a streamed body: Close is left to the server, so a
// dial failure (which closes the request body) does not spoil a resend.
func (b *body) Read(p []byte) (int, error) {
	b.touched.Store(true)
	return b.stream.Read(p)
}

func (b *body) Close() error { return nil }

// resendable says whether err allows another attempt: always for a read
// (its body held, or none), for anything else — a bodiless DELETE or
// cancel included — only a dial failure with the body untouched.
func (b *body) resendable(err error, read bool) bool {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return false
	}
	if read {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && !b.touched.Load()
}

// Check passes when at least one instance answers /healthz with 200;
// readiness uses it. Instances are asked at once, so a hung one does not
// use up the probe's time.
func (u *Upstream) Check(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	all := u.current.Load().all
	errs := make(chan error, len(all))
	var wg sync.WaitGroup
	for _, in := range all {
		wg.Go(func() { errs <- u.check(ctx, in) })
	}
	var first error
	for range all {
		err := <-errs
		if err == nil {
			cancel()
			wg.Wait()
			return nil
		}
		first = cmpOr(first, err)
	}
	wg.Wait()
	return first
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (u *Upstream) check(ctx context.Context, in *instance) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, in.url.JoinPath("/healthz").String(), nil)
	if err != nil {
		return err
	}
	req.Host = in.base.url.Host
	res, err := in.base.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", u.name, ErrUnavailable)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: /healthz answered %d", u.name, res.StatusCode)
	}
	return nil
}

// modifyResponse drops headers the gateway owns, so they are not doubled.
func modifyResponse(res *http.Response) error {
	for name := range res.Header {
		if name == "X-Request-Id" || strings.HasPrefix(name, "Access-Control-") {
			res.Header.Del(name)
		}
	}
	return nil
}

// recordFailure is the proxy's ErrorHandler: it writes nothing and leaves
// the transport error for try.
func recordFailure(w http.ResponseWriter, _ *http.Request, err error) {
	if a, ok := w.(*attempt); ok {
		a.failure = err
	}
}

func (u *Upstream) classify(err error, client, bounded context.Context) error {
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge):
		return fmt.Errorf("%w: %w", ErrBodyTooLarge, err)
	case errors.Is(err, ErrClientGone):
		return err
	case client.Err() != nil:
		return fmt.Errorf("%w: %w", ErrClientGone, err)
	case errors.Is(bounded.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s: %w after %s: %w", u.name, ErrTimeout, u.opt.Timeout, err)
	}
	return fmt.Errorf("%s: %w: %w", u.name, ErrUnavailable, err)
}

// copyBuffers lends every proxy its 32 KiB copy buffers: without them each
// response allocates (and the collector clears) one of its own.
var copyBuffers = &bufferPool{}

type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if buf, ok := b.p.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }
