package schedule

import (
	"crypto/sha1"
	"encoding/hex"
)

// FlightNamespace is the RFC 4122 name-space of flight ids. It is itself the
// UUIDv5 of "github.com/altisair/altis/flight" in the URL name-space, and must
// never change: flight ids are stored and published.
const FlightNamespace = "fffc080f-aaa0-596c-9c4f-e86c3dcbb22d"

// FlightID is the id of the flight with the given number ("AL101") departing
// on the given local date ("2027-01-15"): the UUIDv5 of "AL101/2027-01-15" in
// FlightNamespace.
func FlightID(number, localDate string) string {
	return uuidV5(flightNamespace, number+"/"+localDate)
}

var flightNamespace = mustParseUUID(FlightNamespace)

// uuidV5 is the RFC 4122 name-based UUID with SHA-1, formatted 8-4-4-4-12.
func uuidV5(namespace [16]byte, name string) string {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return formatUUID(u)
}

func formatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// mustParseUUID parses the canonical 8-4-4-4-12 form of a compile-time
// constant.
func mustParseUUID(s string) [16]byte {
	if len(s) != 36 {
		panic("schedule: bad UUID " + s)
	}
	var u [16]byte
	raw := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	if _, err := hex.Decode(u[:], []byte(raw)); err != nil {
		panic("schedule: bad UUID " + s)
	}
	return u
}
