package main

import (
	"testing"
	"time"
)

func TestParseFlagsDefaults(t *testing.T) {
	o, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.StateDir != ".state" || o.BinDir != "bin" || o.ConfigPath != "config/default.toml" || o.ReadyTimeout != 90*time.Second {
		t.Errorf("defaults = %+v", o)
	}
}

func TestParseFlagsRejectsArguments(t *testing.T) {
	if _, err := parseFlags([]string{"-state", "/tmp/x", "extra"}); err == nil {
		t.Error("an extra argument was accepted")
	}
}

func TestParseFlagsScale(t *testing.T) {
	o, err := parseFlags([]string{"-scale", "query=3,projector=2"})
	if err != nil {
		t.Fatal(err)
	}
	if o.Scale.String() != "projector=2,query=3" {
		t.Errorf("scale = %v", o.Scale)
	}
	for _, bad := range []string{"query=0", "nope=2", "query=x", "query"} {
		if _, err := parseFlags([]string{"-scale", bad}); err == nil {
			t.Errorf("-scale %s was accepted", bad)
		}
	}
}
