package readmodel

import (
	"slices"
	"testing"
)

func TestCompareSeats(t *testing.T) {
	got := slices.SortedFunc(slices.Values([]string{"12A", "9C", "10B", "9A", "1K"}), CompareSeats)
	if want := []string{"1K", "9A", "9C", "10B", "12A"}; !slices.Equal(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
}
