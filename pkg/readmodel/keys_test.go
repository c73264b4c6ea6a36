package readmodel

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/platform/logging"
	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/testenv"
)

// The Go builders and the Lua functions are generated from one table; this
// holds both sides to it by asking Redis for every key name.
func TestLuaKeysEqualGoKeys(t *testing.T) {
	c, prefix := client(t)
	var calls []string
	var want []string
	for _, l := range layout {
		tmpl := templates[l.name]
		args := make([]string, len(tmpl.params))
		quoted := make([]string, len(tmpl.params))
		for i := range args {
			args[i] = fmt.Sprintf("%s-%d", tmpl.params[i], i)
			quoted[i] = luaQuote(args[i])
		}
		calls = append(calls, fmt.Sprintf("K.%s(%s)", l.name, strings.Join(quoted, ", ")))
		want = append(want, tmpl.build(prefix, args...))
	}
	script := platformredis.NewScript(Lua("return {" + strings.Join(calls, ", ") + "}"))
	got, err := script.Exec(context.Background(), c, nil, []string{prefix}).AsStrSlice()
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: Lua %q, Go %q", layout[i].name, got[i], want[i])
		}
	}
}

// The exported builders name the keys the layout table says they do.
func TestKeysMethods(t *testing.T) {
	k := NewKeys("p")
	for got, want := range map[string]string{
		k.Current():                      "p:index:current",
		k.Flight(7, "f1"):                "p:ix:7:flight:{f1}",
		k.SoldSeats(7, "f1"):             "p:ix:7:sold:{f1}",
		k.Route(7, "JFK:LHR:2027-01-15"): "p:ix:7:route:JFK:LHR:2027-01-15",
		k.Layout(7, "A320"):              "p:ix:7:layout:A320",
		k.Airports(7):                    "p:ix:7:airports",
		k.GenPrefix(7):                   "p:ix:7:",
		k.Holds("f1"):                    "p:holds:{f1}",
		k.Holders("f1"):                  "p:holders:{f1}",
		k.SeatEvents("f1"):               "p:seat-events:{f1}",
		k.SeatSeq("f1"):                  "p:seat-seq:{f1}",
		k.Trip("g1", "t1"):               "p:guest:{g1}:trip:t1",
		k.GuestTrips("g1"):               "p:guest:{g1}:trips",
		k.GuestAllowance("g1"):           "p:guest:{g1}:allowance",
		k.SeatChannel():                  "p:seat-events",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// emit_seat writes what ParseSeatEvent and SeatEventFromStream read back.
func TestEmitSeatRoundTrip(t *testing.T) {
	c, prefix := client(t)
	k := NewKeys(prefix)
	ctx := context.Background()
	sub := make(chan string, 2)
	subCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- c.Receive(subCtx, c.B().Subscribe().Channel(k.SeatChannel()).Build(), func(m rueidis.PubSubMessage) {
			sub <- m.Message
		})
	}()
	emit := platformredis.NewScript(Lua(`return emit_seat(KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[4], 100)`))
	keys := []string{k.SeatEvents("f1"), k.SeatSeq("f1")}
	var published SeatEvent
	// The subscription may not be active yet: emit until one arrives.
	for published.ID == "" {
		id, err := emit.Exec(ctx, c, keys, []string{prefix, "f1", "12A", StatusHeld}).ToString()
		if err != nil {
			t.Fatal(err)
		}
		select {
		case msg := <-sub:
			if published, err = ParseSeatEvent([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			if published.ID != id {
				t.Fatalf("published id %s, emitted %s", published.ID, id)
			}
		case <-time.After(50 * time.Millisecond):
		case err := <-done:
			t.Fatalf("subscription ended: %v", err)
		}
	}
	if published.FlightID != "f1" || published.SeatNumber != "12A" || published.Status != StatusHeld || published.Name() != "seat_held" {
		t.Fatalf("published %+v", published)
	}
	entries, err := c.Do(ctx, c.B().Xrange().Key(k.SeatEvents("f1")).Start(published.ID).End(published.ID).Build()).AsXRange()
	if err != nil || len(entries) != 1 {
		t.Fatalf("stream: %v %v", entries, err)
	}
	stored, err := SeatEventFromStream("f1", entries[0].ID, entries[0].FieldValues)
	if err != nil || stored != published {
		t.Fatalf("stored %+v (%v), published %+v", stored, err, published)
	}
}

func TestParseSeatEventRefusesBadInput(t *testing.T) {
	for _, raw := range []string{
		`{`, `{}`, `{"id":"1-0","flight_id":"f","seat_number":"1A","status":"free","version":1}`,
		`{"id":"1-0","flight_id":"f","seat_number":"1A","status":"held","version":0}`,
	} {
		if _, err := ParseSeatEvent([]byte(raw)); err == nil {
			t.Errorf("%s: accepted", raw)
		}
	}
	if _, err := SeatEventFromStream("f", "1-0", map[string]string{"seat": "1A", "status": "held", "version": "x"}); err == nil {
		t.Error("a non-numeric version was accepted")
	}
}

func client(t *testing.T) (rueidis.Client, string) {
	t.Helper()
	url, prefix := testenv.Redis(t)
	c, err := platformredis.Open(platformredis.Config{URL: url, Prefix: prefix}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, prefix
}
