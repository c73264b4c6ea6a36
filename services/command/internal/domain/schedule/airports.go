package schedule

import "slices"

// Airport is a real airport, identified by its IATA code.
type Airport struct {
	Code     string // IATA code, e.g. "JFK"
	Name     string
	City     string
	Country  string // ISO 3166-1 alpha-2, e.g. "US"
	TimeZone string // IANA time zone, e.g. "America/New_York"
	Lat, Lon float64
}

var airports = []Airport{
	// North America
	{"JFK", "John F. Kennedy International Airport", "New York", "US", "America/New_York", 40.6413, -73.7781},
	{"BOS", "Boston Logan International Airport", "Boston", "US", "America/New_York", 42.3656, -71.0096},
	{"ATL", "Hartsfield-Jackson Atlanta International Airport", "Atlanta", "US", "America/New_York", 33.6407, -84.4277},
	{"MIA", "Miami International Airport", "Miami", "US", "America/New_York", 25.7959, -80.2870},
	{"ORD", "O'Hare International Airport", "Chicago", "US", "America/Chicago", 41.9742, -87.9073},
	{"DFW", "Dallas Fort Worth International Airport", "Dallas", "US", "America/Chicago", 32.8998, -97.0403},
	{"DEN", "Denver International Airport", "Denver", "US", "America/Denver", 39.8561, -104.6737},
	{"LAX", "Los Angeles International Airport", "Los Angeles", "US", "America/Los_Angeles", 33.9416, -118.4085},
	{"SFO", "San Francisco International Airport", "San Francisco", "US", "America/Los_Angeles", 37.6213, -122.3790},
	{"SEA", "Seattle-Tacoma International Airport", "Seattle", "US", "America/Los_Angeles", 47.4502, -122.3088},
	{"YYZ", "Toronto Pearson International Airport", "Toronto", "CA", "America/Toronto", 43.6777, -79.6248},
	{"YUL", "Montreal-Trudeau International Airport", "Montreal", "CA", "America/Toronto", 45.4706, -73.7408},
	{"YVR", "Vancouver International Airport", "Vancouver", "CA", "America/Vancouver", 49.1967, -123.1815},
	// Europe
	{"LHR", "Heathrow Airport", "London", "GB", "Europe/London", 51.4700, -0.4543},
	{"MAN", "Manchester Airport", "Manchester", "GB", "Europe/London", 53.3537, -2.2750},
	{"DUB", "Dublin Airport", "Dublin", "IE", "Europe/Dublin", 53.4264, -6.2499},
	{"CDG", "Paris Charles de Gaulle Airport", "Paris", "FR", "Europe/Paris", 49.0097, 2.5479},
	{"AMS", "Amsterdam Airport Schiphol", "Amsterdam", "NL", "Europe/Amsterdam", 52.3105, 4.7683},
	{"FRA", "Frankfurt Airport", "Frankfurt", "DE", "Europe/Berlin", 50.0379, 8.5622},
	{"MUC", "Munich Airport", "Munich", "DE", "Europe/Berlin", 48.3537, 11.7750},
	{"ZRH", "Zurich Airport", "Zurich", "CH", "Europe/Zurich", 47.4582, 8.5555},
	{"MAD", "Adolfo Suarez Madrid-Barajas Airport", "Madrid", "ES", "Europe/Madrid", 40.4983, -3.5676},
	{"BCN", "Josep Tarradellas Barcelona-El Prat Airport", "Barcelona", "ES", "Europe/Madrid", 41.2974, 2.0833},
	{"LIS", "Humberto Delgado Airport", "Lisbon", "PT", "Europe/Lisbon", 38.7742, -9.1342},
	{"FCO", "Leonardo da Vinci-Fiumicino Airport", "Rome", "IT", "Europe/Rome", 41.8003, 12.2389},
	// Middle East
	{"DXB", "Dubai International Airport", "Dubai", "AE", "Asia/Dubai", 25.2532, 55.3657},
	{"AUH", "Zayed International Airport", "Abu Dhabi", "AE", "Asia/Dubai", 24.4330, 54.6511},
	// Asia
	{"DEL", "Indira Gandhi International Airport", "Delhi", "IN", "Asia/Kolkata", 28.5562, 77.1000},
	{"BOM", "Chhatrapati Shivaji Maharaj International Airport", "Mumbai", "IN", "Asia/Kolkata", 19.0896, 72.8656},
	{"SIN", "Singapore Changi Airport", "Singapore", "SG", "Asia/Singapore", 1.3644, 103.9915},
	{"HND", "Tokyo Haneda Airport", "Tokyo", "JP", "Asia/Tokyo", 35.5494, 139.7798},
	{"NRT", "Narita International Airport", "Tokyo", "JP", "Asia/Tokyo", 35.7720, 140.3929},
	{"KIX", "Kansai International Airport", "Osaka", "JP", "Asia/Tokyo", 34.4320, 135.2304},
	// Oceania
	{"SYD", "Sydney Kingsford Smith Airport", "Sydney", "AU", "Australia/Sydney", -33.9399, 151.1753},
	{"MEL", "Melbourne Airport", "Melbourne", "AU", "Australia/Melbourne", -37.6690, 144.8410},
	{"BNE", "Brisbane Airport", "Brisbane", "AU", "Australia/Brisbane", -27.3842, 153.1175},
	{"PER", "Perth Airport", "Perth", "AU", "Australia/Perth", -31.9385, 115.9672},
	// Africa
	{"JNB", "O. R. Tambo International Airport", "Johannesburg", "ZA", "Africa/Johannesburg", -26.1367, 28.2411},
	{"CPT", "Cape Town International Airport", "Cape Town", "ZA", "Africa/Johannesburg", -33.9715, 18.6021},
	// South America
	{"GRU", "Sao Paulo/Guarulhos International Airport", "Sao Paulo", "BR", "America/Sao_Paulo", -23.4356, -46.4731},
	{"GIG", "Rio de Janeiro/Galeao International Airport", "Rio de Janeiro", "BR", "America/Sao_Paulo", -22.8090, -43.2506},
}

// Airports returns every airport in the schedule, in a fixed order.
func Airports() []Airport {
	return slices.Clone(airports)
}

// AirportByCode returns the airport with the given IATA code.
func AirportByCode(code string) (Airport, bool) {
	i := slices.IndexFunc(airports, func(a Airport) bool { return a.Code == code })
	if i < 0 {
		return Airport{}, false
	}
	return airports[i], true
}
