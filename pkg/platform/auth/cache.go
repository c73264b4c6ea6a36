package auth

import (
	"sync"
	"time"
)

// Verified guest tokens are remembered by their exact text, so that a
// guest's every request does not pay for a full JWT parse (about a quarter
// of a seat hold's CPU). An entry lives until the token expires, and at
// most cacheFor. The cache belongs to one Verifier, whose keys never
// change: removing a key means a restart, which starts with an empty cache,
// so no remembered token outlives its key.
const (
	cacheFor     = time.Minute
	cacheEntries = 50_000
)

type verifiedToken struct {
	guest string
	until time.Time
}

// tokenCache is a bounded map of tokens that passed verification. When it
// is full it starts afresh: a miss only costs a parse.
type tokenCache struct {
	mu      sync.RWMutex
	entries map[string]verifiedToken
}

func newTokenCache() *tokenCache {
	return &tokenCache{entries: make(map[string]verifiedToken)}
}

// get returns the guest of a token verified before and still valid at now.
func (c *tokenCache) get(raw string, now time.Time) (string, bool) {
	c.mu.RLock()
	e, ok := c.entries[raw]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return "", false
	}
	return e.guest, true
}

// put remembers a verified token until the earlier of its own end and
// now+cacheFor.
func (c *tokenCache) put(raw, guest string, end, now time.Time) {
	until := now.Add(cacheFor)
	if end.Before(until) {
		until = end
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= cacheEntries {
		clear(c.entries)
	}
	c.entries[raw] = verifiedToken{guest: guest, until: until}
}
