package readmodel

import (
	"cmp"
	"strconv"
	"strings"
)

// CompareSeats orders seat numbers the way a seat map reads: "9C" before
// "12A" (by row number, then letter). Every writer of a stored seat list
// sorts with it, so the same seats always serialise the same way.
func CompareSeats(a, b string) int {
	ra, la := splitSeat(a)
	rb, lb := splitSeat(b)
	if c := cmp.Compare(ra, rb); c != 0 {
		return c
	}
	return strings.Compare(la, lb)
}

// splitSeat cuts "12A" into 12 and "A"; a seat without a row sorts first.
func splitSeat(s string) (int, string) {
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	n, _ := strconv.Atoi(s[:i]) // only orders: no digits sorts as row 0
	return n, s[i:]
}
