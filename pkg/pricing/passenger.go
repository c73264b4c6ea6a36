package pricing

import "fmt"

// PassengerType is the fare class of a traveller: ADULT, CHILD or INFANT.
type PassengerType string

// The passenger types pricing knows.
const (
	Adult  PassengerType = "ADULT"
	Child  PassengerType = "CHILD"
	Infant PassengerType = "INFANT"
)

// defaultFactors are the passenger-type factors, in percent of the adult
// fare, used for any type the config does not list.
var defaultFactors = map[PassengerType]int{Adult: 100, Child: 75, Infant: 10}

// ParsePassengerType accepts exactly "ADULT", "CHILD" or "INFANT".
func ParsePassengerType(s string) (PassengerType, error) {
	pt := PassengerType(s)
	if _, ok := paxIndex(pt); !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownPassengerType, s)
	}
	return pt, nil
}

// paxIndex maps a passenger type to a dense index for the Engine's tables.
func paxIndex(pt PassengerType) (int, bool) {
	switch pt {
	case Adult:
		return 0, true
	case Child:
		return 1, true
	case Infant:
		return 2, true
	}
	return 0, false
}

// cabinOrder ranks cabins from cheapest to most expensive.
var cabinOrder = []string{"Y", "W", "J", "F"}

// LowestCabin is the cheapest cabin among fares (cabin code → base fare):
// the cabin search shows and a trip hold quotes, so both price alike.
func LowestCabin(fares map[string]int64) (string, bool) {
	for _, c := range cabinOrder {
		if _, ok := fares[c]; ok {
			return c, true
		}
	}
	return "", false
}
