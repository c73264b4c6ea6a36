package limits

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	redisx "github.com/altisair/altis/pkg/platform/redis"
)

// gcraScript is gcra on the Redis clock, for the one key of a budget and a
// subject: KEYS[1] holds the subject's theoretical arrival time (unix µs)
// and expires when it passes, so an idle subject leaves nothing behind.
// ARGV: the interval (µs a request costs) and the burst. It returns
// {allowed, remaining, retry after µs, reset µs}.
var gcraScript = redisx.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or 0)
if tat < now then tat = now end
local next = tat + interval
local allow_at = next - burst * interval
if allow_at > now then
  return {0, 0, allow_at - now, tat - now}
end
redis.call('SET', KEYS[1], string.format('%d', next), 'PX', math.max(1, math.ceil((next - now) / 1000)))
return {1, math.floor((now - allow_at) / interval), 0, next - now}
`)

// Limiter holds the budgets in Redis, each with a local fallback.
type Limiter struct {
	client   rueidis.Client
	timeout  time.Duration
	policies map[string]*Policy
}

// New keeps budgets under "<prefix>:ratelimit:" in client's Redis. A call
// that Redis does not answer within timeout is decided locally instead.
func New(client rueidis.Client, prefix string, timeout time.Duration, budgets ...Budget) (*Limiter, error) {
	if client == nil || prefix == "" || timeout <= 0 {
		return nil, errors.New("limits: a Redis client, a key prefix and a positive timeout are required")
	}
	l := &Limiter{client: client, timeout: timeout, policies: map[string]*Policy{}}
	for _, b := range budgets {
		if err := b.check(); err != nil {
			return nil, err
		}
		if l.policies[b.Name] != nil {
			return nil, fmt.Errorf("limits: budget %q given twice", b.Name)
		}
		l.policies[b.Name] = &Policy{
			Budget: b, limiter: l, local: newLocal(b),
			keyHead: prefix + ":ratelimit:{" + b.Name + ":",
			args:    []string{strconv.FormatInt(b.interval(), 10), strconv.Itoa(b.Burst)},
		}
	}
	return l, nil
}

// Policy is the budget named name, or nil.
func (l *Limiter) Policy(name string) *Policy { return l.policies[name] }

// Policy spends one budget.
type Policy struct {
	Budget
	limiter *Limiter
	local   *local
	keyHead string   // "<prefix>:ratelimit:{<budget>:"
	args    []string // the script's ARGV, formatted once
}

// Key is the Redis key of subject s: "<prefix>:ratelimit:{<budget>:<kind>:<id>}".
// The braces make it a Redis Cluster hash tag of its own.
func (p *Policy) Key(s Subject) string {
	return p.keyHead + s.kind + ":" + s.id + "}"
}

// Allow spends one request of s's budget. When Redis fails or is late it
// returns the local fallback's decision along with the error, so the
// caller can count it and still answer.
func (p *Policy) Allow(ctx context.Context, s Subject) (Decision, error) {
	ctx, cancel := context.WithTimeout(ctx, p.limiter.timeout)
	defer cancel()
	d, err := p.remote(ctx, s)
	if err != nil {
		return p.local.allow(s, time.Now()), fmt.Errorf("rate limit %s: %w", p.Name, err)
	}
	return d, nil
}

func (p *Policy) remote(ctx context.Context, s Subject) (Decision, error) {
	vals, err := gcraScript.Exec(ctx, p.limiter.client, []string{p.Key(s)}, p.args).AsIntSlice()
	if err != nil {
		return Decision{}, err
	}
	if len(vals) != 4 {
		return Decision{}, fmt.Errorf("script answered %d values, want 4", len(vals))
	}
	return Decision{
		Allowed: vals[0] == 1, Limit: p.Burst, Remaining: int(vals[1]),
		RetryAfter: micros(vals[2]), Reset: micros(vals[3]),
	}, nil
}
