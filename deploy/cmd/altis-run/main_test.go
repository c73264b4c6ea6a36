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
