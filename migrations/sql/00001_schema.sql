-- +goose Up
-- The write model of Altis. PostgreSQL is the truth for flights, bookings
-- and sold seats; Redis only ever holds a projection of these tables.

CREATE TABLE airports (
    code      char(3) PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
    name      text NOT NULL,
    city      text NOT NULL,
    country   char(2) NOT NULL,
    time_zone text NOT NULL
);

CREATE TABLE aircraft_types (
    code text PRIMARY KEY,
    name text NOT NULL
);

-- One row per cabin: rows first_row..last_row, seat letters in layout with
-- '_' marking an aisle (e.g. 'ABC_DEF').
CREATE TABLE aircraft_cabins (
    aircraft_code text NOT NULL REFERENCES aircraft_types (code),
    cabin_code    char(1) NOT NULL CHECK (cabin_code IN ('F', 'J', 'W', 'Y')),
    name          text NOT NULL,
    first_row     int NOT NULL CHECK (first_row > 0),
    last_row      int NOT NULL,
    layout        text NOT NULL CHECK (layout ~ '^[A-Z](_?[A-Z])*$'),
    PRIMARY KEY (aircraft_code, cabin_code),
    CHECK (last_row >= first_row)
);

CREATE TABLE aircraft_seats (
    aircraft_code text NOT NULL REFERENCES aircraft_types (code),
    seat_number   text NOT NULL CHECK (seat_number ~ '^[1-9][0-9]?[A-Z]$'),
    cabin_code    char(1) NOT NULL,
    row_number    int NOT NULL,
    letter        char(1) NOT NULL,
    is_window     boolean NOT NULL,
    is_aisle      boolean NOT NULL,
    is_exit_row   boolean NOT NULL,
    is_blocked    boolean NOT NULL,
    PRIMARY KEY (aircraft_code, seat_number),
    FOREIGN KEY (aircraft_code, cabin_code) REFERENCES aircraft_cabins (aircraft_code, cabin_code)
);

CREATE TABLE flights (
    id             uuid PRIMARY KEY,
    flight_number  text NOT NULL CHECK (flight_number ~ '^[A-Z0-9]{2}[0-9]{1,5}$'),
    origin         char(3) NOT NULL REFERENCES airports (code),
    destination    char(3) NOT NULL REFERENCES airports (code),
    departure_at   timestamptz NOT NULL,
    arrival_at     timestamptz NOT NULL,
    aircraft_code  text NOT NULL REFERENCES aircraft_types (code),
    currency       char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status         text NOT NULL DEFAULT 'SCHEDULED'
                   CHECK (status IN ('SCHEDULED', 'CANCELLED', 'DEPARTED')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (flight_number, departure_at),
    CHECK (origin <> destination),
    CHECK (arrival_at > departure_at)
);
CREATE INDEX flights_route_departure ON flights (origin, destination, departure_at);

CREATE TABLE flight_fares (
    flight_id  uuid NOT NULL REFERENCES flights (id) ON DELETE CASCADE,
    cabin_code char(1) NOT NULL,
    base_fare  bigint NOT NULL CHECK (base_fare >= 0),
    PRIMARY KEY (flight_id, cabin_code)
);

-- Per-flight inventory. version orders every change of the flight's seats
-- and schedule; consumers apply an event only when it is newer.
CREATE TABLE flight_inventory (
    flight_id uuid PRIMARY KEY REFERENCES flights (id) ON DELETE CASCADE,
    capacity  int NOT NULL CHECK (capacity > 0),
    sold      int NOT NULL DEFAULT 0 CHECK (sold >= 0 AND sold <= capacity),
    version   bigint NOT NULL DEFAULT 1 CHECK (version > 0)
);

-- +goose StatementBegin
CREATE FUNCTION inventory_version_grows() RETURNS trigger AS $$
BEGIN
    IF NEW.version <= OLD.version THEN
        RAISE EXCEPTION 'flight_inventory.version must grow (% -> %)', OLD.version, NEW.version
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER flight_inventory_version_grows
    BEFORE UPDATE ON flight_inventory
    FOR EACH ROW EXECUTE FUNCTION inventory_version_grows();

CREATE TABLE bookings (
    id           uuid PRIMARY KEY,
    reference    char(6) NOT NULL UNIQUE CHECK (reference ~ '^[A-Z0-9]{6}$'),
    guest_id     text NOT NULL,
    trip_id      uuid NOT NULL UNIQUE,
    email        text NOT NULL,
    status       text NOT NULL CHECK (status IN ('CONFIRMED', 'CANCELLED')),
    currency     char(3) NOT NULL,
    total_amount bigint NOT NULL CHECK (total_amount >= 0),
    quote        jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz
);
CREATE INDEX bookings_guest ON bookings (guest_id);

CREATE TABLE passengers (
    id             uuid PRIMARY KEY,
    booking_id     uuid NOT NULL REFERENCES bookings (id),
    first_name     text NOT NULL,
    last_name      text NOT NULL,
    passenger_type text NOT NULL CHECK (passenger_type IN ('ADULT', 'CHILD', 'INFANT'))
);
CREATE INDEX passengers_booking ON passengers (booking_id);

CREATE TABLE booked_seats (
    booking_id   uuid NOT NULL REFERENCES bookings (id),
    passenger_id uuid NOT NULL REFERENCES passengers (id),
    flight_id    uuid NOT NULL REFERENCES flights (id),
    seat_number  text NOT NULL,
    released_at  timestamptz,
    PRIMARY KEY (booking_id, flight_id, seat_number)
);
-- Invariant 1: a seat is sold to at most one passenger. A cancelled
-- booking releases its seats (released_at) and they may be sold again.
CREATE UNIQUE INDEX booked_seats_one_sale ON booked_seats (flight_id, seat_number)
    WHERE released_at IS NULL;
-- A passenger sits in one seat per flight.
CREATE UNIQUE INDEX booked_seats_one_per_passenger ON booked_seats (passenger_id, flight_id)
    WHERE released_at IS NULL;

-- Payments keep only the provider's token reference, never card data.
CREATE TABLE payments (
    id          uuid PRIMARY KEY,
    booking_id  uuid NOT NULL REFERENCES bookings (id),
    provider    text NOT NULL,
    token_ref   text NOT NULL,
    amount      bigint NOT NULL CHECK (amount >= 0),
    currency    char(3) NOT NULL,
    status      text NOT NULL CHECK (status IN ('CAPTURED', 'REFUNDED')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The transactional outbox: rows are written in the same transaction as the
-- change they describe and published by the relay.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    event_id    uuid NOT NULL UNIQUE,
    topic       text NOT NULL,
    event_key   text NOT NULL,
    event_type  text NOT NULL,
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- Idempotency records, scoped to the guest that sent the key.
CREATE TABLE idempotency_keys (
    guest_id      text NOT NULL,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash  bytea NOT NULL,
    status_code   int,
    response_body bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz,
    PRIMARY KEY (guest_id, key)
);

-- +goose Down
DROP TABLE idempotency_keys, outbox, payments, booked_seats, passengers, bookings,
    flight_inventory, flight_fares, flights, aircraft_seats, aircraft_cabins,
    aircraft_types, airports;
DROP FUNCTION inventory_version_grows();
