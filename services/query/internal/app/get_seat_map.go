package app

import (
	"context"
	"errors"

	"github.com/altisair/altis/services/query/internal/domain"
)

// GetSeatMap answers a flight's seat map with live status.
type GetSeatMap struct {
	index Index
}

// NewGetSeatMap builds the use case.
func NewGetSeatMap(index Index) (*GetSeatMap, error) {
	if index == nil {
		return nil, errors.New("get seat map: nil dependency")
	}
	return &GetSeatMap{index: index}, nil
}

// Handle returns the seat map or domain.ErrFlightNotFound.
func (g *GetSeatMap) Handle(ctx context.Context, flightID string) (domain.SeatMap, error) {
	s, err := g.index.SeatMap(ctx, flightID)
	if err != nil {
		return domain.SeatMap{}, err
	}
	return domain.BuildSeatMap(s.Flight, s.Layout, s.Sold, s.Held), nil
}
