package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"
)

// Failures of a forwarded request, for the service's error table.
var (
	ErrUnavailable  = errors.New("upstream unavailable")
	ErrTimeout      = errors.New("upstream timed out")
	ErrBodyTooLarge = errors.New("request body too large")
	ErrClientGone   = errors.New("client closed the request")
)

// Upstream forwards requests to one service.
type Upstream struct {
	name    string
	target  *url.URL
	timeout time.Duration
	rp      *httputil.ReverseProxy
	client  *http.Client
}

// New builds an Upstream for an absolute http(s) base URL. timeout bounds
// each non-stream request, from the first byte sent to the last received.
func New(name string, target *url.URL, timeout time.Duration, log *slog.Logger) (*Upstream, error) {
	if target == nil || log == nil {
		return nil, errors.New("proxy: target and log are required")
	}
	if (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" || timeout <= 0 {
		return nil, fmt.Errorf("proxy: %s: need an absolute http(s) URL and a positive timeout", name)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	u := &Upstream{name: name, target: target, timeout: timeout, client: &http.Client{Transport: transport}}
	u.rp = &httputil.ReverseProxy{
		Rewrite:        u.rewrite,
		Transport:      transport,
		FlushInterval:  -1, // flush every write: SSE must not wait in a buffer
		ModifyResponse: modifyResponse,
		ErrorHandler:   recordFailure,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return u, nil
}

// Forward proxies r, bounded by the upstream timeout. A non-nil error means
// nothing was written to w: the caller answers with its own error.
func (u *Upstream) Forward(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), u.timeout)
	defer cancel()
	err := u.serve(w, r.WithContext(ctx))
	return u.classify(err, r.Context(), ctx)
}

// Stream proxies a long-lived response (SSE) with no timeout: it ends when
// either side hangs up.
func (u *Upstream) Stream(w http.ResponseWriter, r *http.Request) error {
	err := u.serve(w, r)
	return u.classify(err, r.Context(), r.Context())
}

// Check asks the upstream's /healthz; readiness uses it.
func (u *Upstream) Check(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.target.JoinPath("/healthz").String(), nil)
	if err != nil {
		return err
	}
	res, err := u.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", u.name, ErrUnavailable)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: /healthz answered %d", u.name, res.StatusCode)
	}
	return nil
}

func (u *Upstream) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(u.target)
	pr.SetXForwarded()
	// Authorization (and a stream's ?ticket=) pass through unchanged: every
	// service verifies the guest token itself and trusts no identity header.
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

type failureKey struct{}

// serve runs the reverse proxy and returns the transport error, if any,
// that the ErrorHandler recorded instead of writing a response.
func (u *Upstream) serve(w http.ResponseWriter, r *http.Request) error {
	var failure error
	u.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), failureKey{}, &failure)))
	return failure
}

func recordFailure(_ http.ResponseWriter, r *http.Request, err error) {
	if slot, ok := r.Context().Value(failureKey{}).(*error); ok {
		*slot = err
	}
}

func (u *Upstream) classify(err error, client, bounded context.Context) error {
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge):
		return fmt.Errorf("%w: %w", ErrBodyTooLarge, err)
	case client.Err() != nil:
		return fmt.Errorf("%w: %w", ErrClientGone, err)
	case errors.Is(bounded.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s: %w after %s: %w", u.name, ErrTimeout, u.timeout, err)
	}
	return fmt.Errorf("%s: %w: %w", u.name, ErrUnavailable, err)
}
