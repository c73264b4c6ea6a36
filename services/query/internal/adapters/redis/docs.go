package redis

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/query/internal/domain"
)

// maxCachedDocs bounds the decoded-document cache; past it the cache starts
// afresh (documents of departed or changed flights are never asked again).
const maxCachedDocs = 50_000

// docCache keeps flight documents decoded, keyed by their stored JSON: a
// search returns the same few documents again and again, and decoding one
// costs about as much as pricing it. A changed document is a new key, so
// the cache can never serve stale data. The returned flights share their
// Fares map, which nothing may modify.
type docCache struct {
	m atomic.Pointer[sync.Map]
	n atomic.Int64
}

func newDocCache() *docCache {
	c := &docCache{}
	c.m.Store(&sync.Map{})
	return c
}

// flight returns the decoded document raw, without the sold count.
func (c *docCache) flight(raw string) (domain.Flight, error) {
	m := c.m.Load()
	if f, ok := m.Load(raw); ok {
		return f.(domain.Flight), nil
	}
	var doc readmodel.FlightDoc
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return domain.Flight{}, fmt.Errorf("flight document: %w", err)
	}
	f := toDomain(doc, 0)
	if c.n.Add(1) > maxCachedDocs {
		c.m.Store(&sync.Map{})
		c.n.Store(0)
		m = c.m.Load()
	}
	m.Store(raw, f)
	return f, nil
}
