package launcher_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/altisair/altis/deploy/launcher"
	"github.com/altisair/altis/pkg/events"
)

// projectorGroup is the projector's consumer group (services/projector/
// internal/ports/kafka.GroupName, which is never renamed).
const projectorGroup = "altis-projector"

// TestScaledFleetSurvivesCrashes runs the real services with two query and
// two projector processes: the projectors share the partitions, searches
// through the gateway reach both queries, a SIGKILLed projector comes back
// and a booking made after it still reaches the index, and a query
// SIGKILLed under load comes back while no search fails and a seat stream
// resumes with Last-Event-ID without missing an event.
func TestScaledFleetSurvivesCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every service; skipped with -short")
	}
	needServers(t)
	root := repoRoot(t)
	bin := buildFleet(t, root)
	out := newOutput(t)
	f, err := startFleet(t, launcher.Options{Dir: root, StateDir: stateDir(t), BinDir: bin,
		Environ: testEnviron("APP_SEED__DAYS=2", "APP_LOG__LEVEL=warn"),
		Ports:   freePorts(t), Out: out, ReadyTimeout: 2 * time.Minute,
		Scale: launcher.Scale{"query": 2, "projector": 2}})
	if err != nil {
		t.Fatal(err)
	}
	info := f.Info()
	projectorsShare(t, info.KafkaBrokers, 30*time.Second)
	searchesReachEveryQuery(t, info)

	crashed := time.Now()
	killAndWaitBack(t, f, out, "projector.1")
	queryFailover(t, f, out)
	// The booking's events land on partitions the killed projector may
	// still hold in the group until its Kafka session times out (45 s).
	checkBookingWithin(t, info.Ports.Gateway, 90*time.Second)
	t.Logf("a booking made after the projector crash reached the index %s after the crash", time.Since(crashed).Round(time.Second))
	projectorsShare(t, info.KafkaBrokers, 90*time.Second)

	last := f.Info()
	if err := f.Stop(); err != nil {
		t.Error(err)
	}
	assertStopped(t, last)
}

// projectorsShare waits until the projector group is stable with two
// members, each assigned some of the flights topic's partitions and
// together all of them.
func projectorsShare(t *testing.T, brokers []string, within time.Duration) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	topics, err := adm.ListTopics(ctx, events.TopicFlights)
	if err != nil {
		t.Fatal(err)
	}
	partitions := len(topics[events.TopicFlights].Partitions)
	var last string
	for ctx.Err() == nil {
		shares, why := groupShares(ctx, adm)
		if why == "" && len(shares) == 2 && shares[0] > 0 && shares[1] > 0 && shares[0]+shares[1] == partitions {
			t.Logf("the projectors consume %d and %d of %d partitions", shares[0], shares[1], partitions)
			return
		}
		last = fmt.Sprintf("%v %s", shares, why)
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the projector group did not settle on two members sharing %d partitions within %s: last %s", partitions, within, last)
}

// groupShares lists how many flights partitions each member of a stable
// projector group holds, or why the group is not stable.
func groupShares(ctx context.Context, adm *kadm.Client) ([]int, string) {
	groups, err := adm.DescribeGroups(ctx, projectorGroup)
	if err != nil {
		return nil, err.Error()
	}
	g := groups[projectorGroup]
	if g.Err != nil || g.State != "Stable" {
		return nil, fmt.Sprintf("state %q, err %v", g.State, g.Err)
	}
	var shares []int
	for _, m := range g.Members {
		n := 0
		if a, ok := m.Assigned.AsConsumer(); ok {
			for _, tp := range a.Topics {
				if tp.Topic == events.TopicFlights {
					n += len(tp.Partitions)
				}
			}
		}
		shares = append(shares, n)
	}
	return shares, ""
}

// searchesReachEveryQuery sends searches through the gateway and checks
// that each query process served some (its own request metrics).
func searchesReachEveryQuery(t *testing.T, info launcher.Info) {
	t.Helper()
	queries := instancesOf(info, "query")
	before := map[string]float64{}
	for _, q := range queries {
		before[q.Name] = searchesServed(t, q.Port)
	}
	day := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	const n = 20
	for range n {
		search(t, info.Ports.Gateway, [][2]string{{"JFK", "LHR"}}, day)
	}
	for _, q := range queries {
		served := searchesServed(t, q.Port) - before[q.Name]
		t.Logf("%s served %.0f of %d searches", q.Name, served, n)
		if served == 0 {
			t.Errorf("%s served none of %d searches through the gateway: the gateway does not spread reads over every query", q.Name, n)
		}
	}
}

// queryFailover opens a seat stream through the gateway, finds the query
// process serving it, and SIGKILLs that process while two goroutines
// search through the gateway. No search may fail (the gateway retries a
// read on another query); the stream ends, seats are held while it is
// away, and the client's reconnect with Last-Event-ID receives every event
// it missed, in order, then live ones again. The killed query comes back.
func queryFailover(t *testing.T, f *launcher.Fleet, out *testWriter) {
	t.Helper()
	gw := f.Info().Ports.Gateway
	day := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	flights := search(t, gw, [][2]string{{"JFK", "LHR"}}, day).Legs[0].Flights
	flight := flights[0].FlightID
	watcher := newClient(t, gw)
	seats := firstSeats(t, watcher, flight, 4)
	stream := watcher.openStream(flight, streamTicket(watcher, flight), "")
	victim := streamServer(t, f.Info())

	hold := func(seat string) { // a guest of its own: one seat per passenger
		g := newClient(t, gw)
		var trip struct {
			TripID string `json:"trip_id"`
		}
		g.call(http.MethodPost, "/v1/holds/trip", map[string]any{"flight_ids": []string{flight}}, http.StatusCreated, &trip)
		g.call(http.MethodPost, "/v1/holds/seat",
			map[string]string{"trip_id": trip.TripID, "flight_id": flight, "seat_number": seat}, http.StatusCreated, nil)
	}
	hold(seats[0])
	seen := stream.next(t, 5*time.Second)
	expectSeat(t, seen, "seat_held", flight, seats[0], "held")

	h := startHammer(t, gw, day)
	h.waitFor(t, 10)
	if err := syscall.Kill(victim.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, stream, 10*time.Second)
	hold(seats[1]) // while the stream is away
	hold(seats[2])
	back := reopenStream(t, watcher, flight, seen.id, 20*time.Second)
	hold(seats[3])
	for _, seat := range seats[1:] {
		e := back.next(t, 5*time.Second)
		expectSeat(t, e, "seat_held", flight, seat, "held")
		if !eventIDLess(seen.id, e.id) {
			t.Errorf("event %s (%s) came after %s: out of order", e.id, seat, seen.id)
		}
		seen = e
	}

	killAndWaitedBack(t, f, out, victim)
	h.waitFor(t, h.searches.Load()+10) // searches keep working with the victim back
	searches, failures := h.stop()
	t.Logf("%d searches through the gateway while %s was killed and restarted; %d failed", searches, victim.Name, len(failures))
	if len(failures) > 0 {
		t.Errorf("%d of %d searches failed while %s was down (the gateway must retry reads on another query), e.g. %v",
			len(failures), searches, victim.Name, failures[:min(5, len(failures))])
	}
}

// streamServer polls every query's query_streams_open until exactly one
// process holds the one stream open.
func streamServer(t *testing.T, info launcher.Info) launcher.Instance {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var holding []launcher.Instance
		for _, q := range instancesOf(info, "query") {
			if metricSum(t, q.Port, "query_streams_open", "") >= 1 {
				holding = append(holding, q)
			}
		}
		if len(holding) == 1 {
			return holding[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stream is open on %d query processes, want 1", len(holding))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// killAndWaitBack SIGKILLs the named instance and waits until the launcher
// has restarted it on its port and it answers /readyz again.
func killAndWaitBack(t *testing.T, f *launcher.Fleet, out *testWriter, name string) {
	t.Helper()
	for _, in := range f.Info().Instances {
		if in.Name == name {
			if err := syscall.Kill(in.PID, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killAndWaitedBack(t, f, out, in)
			return
		}
	}
	t.Fatalf("no instance %s", name)
}

// killAndWaitedBack waits for the launcher to restart a killed instance.
func killAndWaitedBack(t *testing.T, f *launcher.Fleet, out *testWriter, in launcher.Instance) {
	t.Helper()
	waitOutput(t, out, in.Name+" exited (signal: killed)", 10*time.Second)
	pid := waitRestarted(t, f, in.Name, in.PID, 20*time.Second)
	waitAnswers(t, fmt.Sprintf("http://127.0.0.1:%d/readyz", in.Port), time.Minute)
	t.Logf("%s is back on port %d as pid %d (was %d)", in.Name, in.Port, pid, in.PID)
}

func instancesOf(info launcher.Info, service string) []launcher.Instance {
	var out []launcher.Instance
	for _, in := range info.Instances {
		if in.Service == service {
			out = append(out, in)
		}
	}
	return out
}

// searchesServed is how many searches a query process has answered.
func searchesServed(t *testing.T, port int) float64 {
	return metricSum(t, port, "http_request_duration_seconds_count", `route="/v1/flights/search"`)
}

// metricSum adds up the samples of metric whose line contains match.
func metricSum(t *testing.T, port int, metric, match string) float64 {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sum := 0.0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		name, _, _ := strings.Cut(line, " ")
		name, _, _ = strings.Cut(name, "{")
		if name != metric || !strings.Contains(line, match) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		sum += v
	}
	return sum
}

func streamTicket(c *client, flight string) string {
	var ticket struct {
		Ticket string `json:"ticket"`
	}
	c.call(http.MethodPost, "/v1/flights/"+flight+"/stream-ticket", nil, http.StatusCreated, &ticket)
	return ticket.Ticket
}

// waitClosed waits for a stream to end, failing on any event before.
func waitClosed(t *testing.T, s *sseStream, within time.Duration) {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				return
			}
			t.Fatalf("unexpected event %+v while the stream's query process was killed", e)
		case <-timeout:
			t.Fatalf("the stream was still open %s after its query process was killed", within)
		}
	}
}

// reopenStream reconnects as an SSE client does: with a fresh ticket and
// Last-Event-ID, again until the gateway answers.
func reopenStream(t *testing.T, c *client, flight, lastID string, within time.Duration) *sseStream {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		s, err := c.tryOpenStream(flight, streamTicket(c, flight), lastID)
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stream within %s: %v", within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// eventIDLess orders Redis stream ids ("ms-seq").
func eventIDLess(a, b string) bool {
	parse := func(id string) (int64, int64) {
		ms, seq, _ := strings.Cut(id, "-")
		m, _ := strconv.ParseInt(ms, 10, 64)
		s, _ := strconv.ParseInt(seq, 10, 64)
		return m, s
	}
	am, as := parse(a)
	bm, bs := parse(b)
	return am < bm || (am == bm && as < bs)
}

// hammer searches through the gateway from two goroutines until stopped,
// counting searches and keeping every failure.
type hammer struct {
	cancel   context.CancelFunc
	g        errgroup.Group
	searches atomic.Int64
	mu       sync.Mutex
	failures []string
}

func startHammer(t *testing.T, gateway int, day string) *hammer {
	ctx, cancel := context.WithCancel(context.Background())
	h := &hammer{cancel: cancel}
	t.Cleanup(func() { h.stop() })
	url := fmt.Sprintf("http://127.0.0.1:%d/v1/flights/search", gateway)
	body := fmt.Sprintf(`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":%q}],"passenger_count":1}`, day)
	client := &http.Client{Timeout: 10 * time.Second}
	for range 2 {
		h.g.Go(func() error {
			for ctx.Err() == nil {
				h.searchOnce(ctx, client, url, body)
			}
			return nil
		})
	}
	return h
}

func (h *hammer) searchOnce(ctx context.Context, client *http.Client, url, body string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if ctx.Err() != nil {
		return // stopped mid-request: not a failure
	}
	failure := ""
	if err != nil {
		failure = err.Error()
	} else {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			failure = fmt.Sprintf("%s %s", resp.Status, strings.TrimSpace(buf.String()))
		}
	}
	h.searches.Add(1)
	if failure != "" {
		h.mu.Lock()
		h.failures = append(h.failures, failure)
		h.mu.Unlock()
	}
}

// waitFor waits until n searches have been made.
func (h *hammer) waitFor(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for h.searches.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d searches within 30s", h.searches.Load(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop ends the goroutines and returns the count and the failures.
func (h *hammer) stop() (int64, []string) {
	h.cancel()
	_ = h.g.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.searches.Load(), h.failures
}
