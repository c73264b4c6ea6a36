package schedule

// currencyByCountry maps an origin country to the currency its fares use.
var currencyByCountry = map[string]string{
	"US": "USD", "CA": "CAD", "GB": "GBP", "CH": "CHF", "JP": "JPY",
	"AU": "AUD", "SG": "SGD", "AE": "AED", "BR": "BRL", "ZA": "ZAR", "IN": "INR",
	"IE": "EUR", "FR": "EUR", "NL": "EUR", "DE": "EUR", "ES": "EUR", "PT": "EUR", "IT": "EUR",
}

// currency is a fixed, illustrative exchange rate and the ISO 4217 number of
// minor digits.
type currency struct {
	perUSD      int64 // units of the currency per US dollar, times 10,000
	minorDigits int
}

var currencies = map[string]currency{
	"USD": {10_000, 2},
	"CAD": {13_600, 2},
	"GBP": {7_900, 2},
	"EUR": {9_200, 2},
	"CHF": {8_800, 2},
	"JPY": {1_500_000, 0},
	"AUD": {15_200, 2},
	"SGD": {13_400, 2},
	"AED": {36_700, 2},
	"BRL": {50_000, 2},
	"ZAR": {185_000, 2},
	"INR": {830_000, 2},
}

// cabinFactor is each cabin's fare relative to economy, in tenths.
var cabinFactor = map[string]int64{
	CabinEconomy:        10,
	CabinPremiumEconomy: 16,
	CabinBusiness:       35,
	CabinFirst:          60,
}

// fares prices each cabin from the distance: economy is 40 USD plus 0.10 USD
// a kilometre, other cabins a multiple of that, converted to the currency and
// rounded half up to a whole unit of it. The result is in minor units.
func fares(km int64, cur string, cabins []string) map[string]int64 {
	c := currencies[cur]
	economyUSDCents := 4_000 + 10*km
	out := make(map[string]int64, len(cabins))
	for _, code := range cabins {
		usdCents := economyUSDCents * cabinFactor[code] / 10
		whole := roundDiv(usdCents*c.perUSD, 100*10_000)
		out[code] = whole * pow10(c.minorDigits)
	}
	return out
}

// roundDiv divides non-negative n by d, rounding half up.
func roundDiv(n, d int64) int64 {
	return (n + d/2) / d
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}
