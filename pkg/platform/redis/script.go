package redis

import (
	"context"
	"crypto/sha1"
	"encoding/hex"

	"github.com/redis/rueidis"
)

// Script is a Lua script run by its SHA1. rueidis' own ExecMulti sends a
// SCRIPT LOAD before every pipeline — an extra round trip per call — so
// Script pipelines EVALSHAs and loads the script only when Redis answers
// NOSCRIPT (after a restart or SCRIPT FLUSH).
type Script struct {
	src, sha string
}

// NewScript prepares src; its SHA1 is computed here, not asked of Redis.
func NewScript(src string) *Script {
	sum := sha1.Sum([]byte(src))
	return &Script{src: src, sha: hex.EncodeToString(sum[:])}
}

// Exec runs the script once with keys and args.
func (s *Script) Exec(ctx context.Context, c rueidis.Client, keys, args []string) rueidis.RedisResult {
	return s.ExecMulti(ctx, c, []Call{{Keys: keys, Args: args}})[0]
}

// Call is one run of a script.
type Call struct {
	Keys, Args []string
}

// ExecMulti pipelines the calls in one round trip, in order. Calls that
// met NOSCRIPT are run again, in order, after loading the script.
func (s *Script) ExecMulti(ctx context.Context, c rueidis.Client, calls []Call) []rueidis.RedisResult {
	runs := make([]Run, len(calls))
	for i, call := range calls {
		runs[i] = Run{Script: s, Keys: call.Keys, Args: call.Args}
	}
	return Pipeline(ctx, c, runs...)
}

// Run is one call of any script, for Pipeline.
type Run struct {
	Script     *Script
	Keys, Args []string
}

// Pipeline sends runs of one or more scripts in one round trip, in order.
// Runs that met NOSCRIPT are run again, in order, after loading their
// scripts.
func Pipeline(ctx context.Context, c rueidis.Client, runs ...Run) []rueidis.RedisResult {
	res := c.DoMulti(ctx, commands(c, runs)...)
	var retry []int
	load := map[*Script]bool{}
	for i, r := range res {
		if e, ok := rueidis.IsRedisErr(r.Error()); ok && e.IsNoScript() {
			retry = append(retry, i)
			load[runs[i].Script] = true
		}
	}
	if len(retry) == 0 {
		return res
	}
	for s := range load {
		if err := c.Do(ctx, c.B().ScriptLoad().Script(s.src).Build()).Error(); err != nil {
			return res
		}
	}
	again := make([]Run, len(retry))
	for j, i := range retry {
		again[j] = runs[i]
	}
	for j, r := range c.DoMulti(ctx, commands(c, again)...) {
		res[retry[j]] = r
	}
	return res
}

func commands(c rueidis.Client, runs []Run) rueidis.Commands {
	cmds := make(rueidis.Commands, len(runs))
	for i, r := range runs {
		cmds[i] = c.B().Evalsha().Sha1(r.Script.sha).Numkeys(int64(len(r.Keys))).Key(r.Keys...).Arg(r.Args...).Build()
	}
	return cmds
}
