package app

import (
	"errors"
	"strconv"
	"strings"
)

// ErrBadEventID means a Last-Event-ID that is not a seat stream id.
var ErrBadEventID = errors.New("malformed Last-Event-ID: want a seat event id such as 1767225600000-0")

// maxEventIDLen bounds what ParseEventID reads: two uint64s and a dash.
const maxEventIDLen = 41

// EventID is a seat change's id: its entry id in the flight's stream,
// "<unix ms>-<sequence>" as Redis writes it. A flight's ids only grow, so
// they order its changes; the zero EventID precedes every change.
type EventID struct {
	Ms, Seq uint64
}

// ParseEventID reads "<ms>-<seq>" (decimal digits only) or wraps
// ErrBadEventID.
func ParseEventID(s string) (EventID, error) {
	ms, seq, ok := strings.Cut(s, "-")
	if !ok || len(s) > maxEventIDLen || !digits(ms) || !digits(seq) {
		return EventID{}, ErrBadEventID
	}
	m, err1 := strconv.ParseUint(ms, 10, 64)
	q, err2 := strconv.ParseUint(seq, 10, 64)
	if err1 != nil || err2 != nil {
		return EventID{}, ErrBadEventID
	}
	return EventID{Ms: m, Seq: q}, nil
}

// digits reports whether s is a non-empty run of ASCII digits (no sign,
// which strconv would accept).
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String is the id as Redis and SSE clients write it.
func (id EventID) String() string {
	b := make([]byte, 0, maxEventIDLen)
	return string(id.AppendTo(b))
}

// AppendTo appends String's text to b.
func (id EventID) AppendTo(b []byte) []byte {
	b = strconv.AppendUint(b, id.Ms, 10)
	b = append(b, '-')
	return strconv.AppendUint(b, id.Seq, 10)
}

// Less reports whether id comes before other: by milliseconds, then by
// sequence.
func (id EventID) Less(other EventID) bool {
	if id.Ms != other.Ms {
		return id.Ms < other.Ms
	}
	return id.Seq < other.Seq
}

// IsZero reports whether id is the zero EventID (no change).
func (id EventID) IsZero() bool { return id == EventID{} }
