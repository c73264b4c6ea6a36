package app

import (
	"context"
	"errors"

	"github.com/altisair/altis/services/command/internal/domain/booking"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// GetBooking reads a guest's own booking.
type GetBooking struct {
	bookings Bookings
}

// NewGetBooking refuses nil dependencies.
func NewGetBooking(bookings Bookings) (*GetBooking, error) {
	if bookings == nil {
		return nil, errors.New("get booking: nil dependency")
	}
	return &GetBooking{bookings: bookings}, nil
}

// Handle returns the booking or booking.ErrNotFound (unknown or someone
// else's).
func (uc *GetBooking) Handle(ctx context.Context, guest, rawID string) (booking.Booking, error) {
	id, err := trip.ParseID(rawID)
	if err != nil {
		return booking.Booking{}, trip.Invalid("booking_id", err.Error())
	}
	return uc.bookings.Get(ctx, guest, id)
}
