package main

import (
	"os"
	"testing"

	"github.com/altisair/altis/deploy/launcher"
)

// The CPU time of a process is read from /proc; one that cannot be read is
// an error, never 0 seconds.
func TestCPUByService(t *testing.T) {
	got, err := cpuByService([]launcher.Instance{{Name: "self", Service: "self", PID: os.Getpid()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["self"]; !ok || got["self"] < 0 {
		t.Fatalf("CPU seconds %v", got)
	}
	if _, err := cpuByService([]launcher.Instance{{Name: "gone", Service: "x", PID: 1 << 30}}); err == nil {
		t.Fatal("a process that does not exist read as 0 s")
	}
}
