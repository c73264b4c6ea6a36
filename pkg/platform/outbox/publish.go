package outbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Why skipping a refused row is safe: events are keyed by flight and carry
// absolute state with the flight's version (pkg/events), and consumers
// apply a part only when its version is newer than the one they hold. A
// row published after a later row of the same flight, or never, cannot
// undo or double count anything: the later row already carries everything
// the earlier one said. What a dead letter can cost is staleness: if it
// was the flight's last change, the read model lacks it until the flight
// changes again or the index is rebuilt from PostgreSQL.

// published sorts the rows of one publish: sent, refused by the broker for
// themselves, or left as they were because publishing failed otherwise.
type published struct {
	sent    []row
	refused []refusal
	failed  error // the first failure that was not a refusal
}

// refusal is a row the broker (or the client, before sending) refused for
// the row itself: retrying the same bytes gets the same answer.
type refusal struct {
	row
	err error
}

// errMalformed is a row the relay cannot turn into a record.
var errMalformed = errors.New("outbox row cannot be published")

// refusedRecord reports whether err is a refusal of the record itself. Any
// other error (timeouts, an unreachable broker, an unknown topic, missing
// authorisation) is the transport's or the deployment's, not the row's.
func refusedRecord(err error) bool {
	for _, e := range []error{errMalformed, kerr.MessageTooLarge, kerr.RecordListTooLarge,
		kerr.InvalidRecord, kerr.CorruptMessage, kerr.InvalidTimestamp} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// publish sends rows and sorts the results. A broker refuses a whole
// partition batch for one bad record, so a refusal counts against a row
// only when that row was produced alone: refused rows of a larger publish
// are produced again one by one (only on this failure path), unless the
// publish also failed otherwise, in which case nothing is counted.
func (r *Relay) publish(ctx context.Context, rows []row) published {
	var out published
	good := rows[:0:0]
	for _, x := range rows {
		if x.topic == "" {
			out.refused = append(out.refused, refusal{x, fmt.Errorf("%w: no topic", errMalformed)})
			continue
		}
		good = append(good, x)
	}
	sent, suspects, failed := r.produce(ctx, good)
	out.sent, out.failed = sent, failed
	switch {
	case failed != nil: // the broker may be away: count nothing
	case len(good) == 1:
		out.refused = append(out.refused, suspects...)
	default:
		for _, s := range suspects {
			ok, refused, err := r.produce(ctx, []row{s.row})
			out.sent, out.refused = append(out.sent, ok...), append(out.refused, refused...)
			if err != nil {
				out.failed = err
				break // the broker went away: the rest wait as they are
			}
		}
	}
	return out
}

// produce publishes rows in one call and splits them by result.
func (r *Relay) produce(ctx context.Context, rows []row) (sent []row, refused []refusal, failed error) {
	if len(rows) == 0 {
		return nil, nil, nil
	}
	records := make([]*kgo.Record, len(rows))
	byRecord := make(map[*kgo.Record]row, len(rows))
	for i, x := range rows {
		records[i] = &kgo.Record{Topic: x.topic, Key: []byte(x.key), Value: x.payload,
			Headers: []kgo.RecordHeader{{Key: "event_type", Value: []byte(x.evType)}}}
		byRecord[records[i]] = x
	}
	for _, res := range r.producer.ProduceSync(ctx, records...) {
		x := byRecord[res.Record]
		switch {
		case res.Err == nil:
			sent = append(sent, x)
		case refusedRecord(res.Err):
			refused = append(refused, refusal{x, res.Err})
		case failed == nil:
			failed = fmt.Errorf("publish outbox rows: %w", res.Err)
		}
	}
	return sent, refused, failed
}
