package redis_test

import (
	"context"
	"testing"

	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/testenv"
)

func TestScriptLoadsOnlyWhenRedisDoesNotKnowIt(t *testing.T) {
	url, prefix := testenv.Redis(t)
	c, err := redis.Open(redis.Config{URL: url, Prefix: prefix}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A script unique to this test, so no earlier run has loaded it.
	s := redis.NewScript("return ARGV[1] .. '" + prefix + "'")
	calls := []redis.Call{{Args: []string{"a"}}, {Args: []string{"b"}}}
	for round := range 2 {
		res := s.ExecMulti(context.Background(), c, calls)
		for i, want := range []string{"a" + prefix, "b" + prefix} {
			got, err := res[i].ToString()
			if err != nil || got != want {
				t.Fatalf("round %d call %d: %q %v, want %q", round, i, got, err, want)
			}
		}
	}
	one, err := s.Exec(context.Background(), c, []string{prefix + ":k"}, []string{"z"}).ToString()
	if err != nil || one != "z"+prefix {
		t.Fatalf("Exec: %q %v", one, err)
	}
}
