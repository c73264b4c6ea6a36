// Package pricing prices flights: a pure, I/O-free rule engine that turns a
// Flight, a PassengerType and a moment into a Price with a breakdown, and an
// itinerary and party into a Quote.
//
// # Money
//
// Amounts are int64 minor units of the flight's currency (cents, pence; yen
// for JPY, which has no minor digits). Percents are whole integers. No
// floating point is used anywhere.
//
// # Rounding
//
// One rule: every percentage step computes amount × percent / 100 and rounds
// half away from zero to the minor unit (1005 × 10% = 100.5 → 101;
// −100.5 → −101). The breakdown shows the rounded amounts, so a Price's
// Total is always exactly the sum of its Lines.
//
// # Rule order
//
// A Price is built in this order, one Line per step that applies:
//
//  1. base: the flight's BaseFare for its cabin (per adult).
//  2. load_factor: the highest band whose MinLoadPercent the flight reaches
//     (Sold×100 >= MinLoadPercent×Capacity) adds Percent of the base fare.
//     Bands never add up; a flight with zero Capacity gets no band.
//  3. passenger_type: the fare becomes the type's factor percent of step 2
//     (defaults ADULT 100, CHILD 75, INFANT 10). No line at 100%.
//  4. sale and discount: the live sale (moment at in [Start, End), route and
//     cabin match) and the best discount (all conditions met; the highest
//     percent wins, the earliest in the config on a tie) are each taken as
//     their percent of the fare after step 3 — they do not compound.
//     With sales_stack_with_discounts = true both apply (20% + 10% = 30%
//     off). With false only the larger reduction applies; on equal amounts
//     the sale wins. At most one sale can ever be live for a flight: New
//     rejects sales that overlap in time, route and cabin.
//  5. floor: if the fare is now below zero (possible only when stacking,
//     e.g. a 100% sale plus a discount), a floor line brings it back to zero.
//  6. surcharge: fixed amounts, in config order, never reduced by any
//     percentage. per_segment is charged once per passenger per flight;
//     per_passenger once per passenger per itinerary (in every Price, but in
//     a Quote only on the passenger's first-flight item); per_booking only
//     once per Quote, in the currency of its first flight.
//
// A rule that applies always shows its line, even when its amount rounds to
// zero; an adult at 100% shows no passenger_type line. Hence a Price's
// Total is never negative, and is always the sum of its Lines.
//
// # Surcharge currencies
//
// A surcharge lists an amount per currency (amounts = { USD = 2500, ... });
// every surcharge must list the same currencies. Pricing a flight, or
// charging booking surcharges, in a currency the surcharges do not list
// fails with ErrCurrencyNotConfigured; with no surcharges configured any
// currency prices.
//
// # Configuration
//
// Config is the pricing section of config/default.toml. New validates it
// once at start-up and returns errors naming each bad rule, e.g.
// `pricing.sales[1] "Winter sale": end before start`.
package pricing
