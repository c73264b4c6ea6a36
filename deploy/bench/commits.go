package bench

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/altisair/altis/pkg/platform/auth"
)

// CommitPlan is a list of booking commits ready to send, each by its
// trip's owner: trips of one adult holding one seat on one flight.
type CommitPlan struct {
	commits []plannedCommit
}

type plannedCommit struct {
	token string
	body  []byte
}

// Len is the number of planned commits.
func (p *CommitPlan) Len() int { return len(p.commits) }

// Split deals the plan out into parts of len/parts commits each, in turn,
// so every part keeps the plan's rotation over flights.
func (p *CommitPlan) Split(parts int) []*CommitPlan {
	out := make([]*CommitPlan, parts)
	for i := range out {
		out[i] = &CommitPlan{}
	}
	for i, c := range p.commits[:len(p.commits)/parts*parts] {
		out[i%parts].commits = append(out[i%parts].commits, c)
	}
	return out
}

// Request builds the i-th commit against baseURL; false when the plan is
// used up.
func (p *CommitPlan) Request(baseURL string, i int) (*http.Request, bool) {
	if i >= len(p.commits) {
		return nil, false
	}
	c := p.commits[i]
	req := JSONRequest(baseURL+"/v1/bookings/commit", c.body)
	req.Header.Set("Authorization", "Bearer "+c.token)
	return req, true
}

// CommitPlans are the commits of the commit runs.
type CommitPlans struct {
	Sample    *CommitPlan // one commit, sent first: its quote is what the bare transaction writes
	Spread    *CommitPlan // trips rotating over every flight found but OneFlight's
	OneFlight *CommitPlan // one trip per free seat of Flight
	Flight    string      // the flight with the most free seats
	Flights   []string    // every flight the plans book
}

// PlanCommits prepares spread commits over the flights the query service
// finds in the seeded schedule (consecutive commits on different flights),
// one commit per free seat of the flight with the most free seats, and a
// sample. Every trip has a guest of its own and holds its seat already.
func PlanCommits(ctx context.Context, queryURL, commandURL string, tokens *auth.Issuer, spread int) (*CommitPlans, error) {
	pool, err := freeSeats(queryURL, 1<<40) // every day of the seed
	if err != nil {
		return nil, err
	}
	if len(pool.order) < 2 {
		return nil, fmt.Errorf("only %d flights found", len(pool.order))
	}
	one := slices.MaxFunc(pool.order, func(a, b string) int { return len(pool.free[a]) - len(pool.free[b]) })
	pool.order = slices.DeleteFunc(pool.order, func(f string) bool { return f == one })
	picks, err := rotate(pool, spread+1)
	if err != nil {
		return nil, err
	}
	for _, s := range pool.free[one] {
		picks = append(picks, seatPick{flight: one, seat: s})
	}
	commits, err := planCommits(ctx, commandURL, tokens, picks)
	if err != nil {
		return nil, err
	}
	return &CommitPlans{
		Sample: &CommitPlan{commits: commits[:1]}, Spread: &CommitPlan{commits: commits[1 : spread+1]},
		OneFlight: &CommitPlan{commits: commits[spread+1:]}, Flight: one,
		Flights: append(slices.Clone(pool.order), one),
	}, nil
}

type seatPick struct{ flight, seat string }

// rotate takes n free seats, one flight after the other.
func rotate(pool seatPool, n int) ([]seatPick, error) {
	out := make([]seatPick, 0, n)
	for round := 0; len(out) < n; round++ {
		took := false
		for _, f := range pool.order {
			if round < len(pool.free[f]) && len(out) < n {
				out, took = append(out, seatPick{flight: f, seat: pool.free[f][round]}), true
			}
		}
		if !took {
			return nil, fmt.Errorf("only %d free seats found for %d commits", len(out), n)
		}
	}
	return out, nil
}

// planCommits creates a trip per pick, in parallel, keeping the picks'
// order.
func planCommits(ctx context.Context, commandURL string, tokens *auth.Issuer, picks []seatPick) ([]plannedCommit, error) {
	const parallel = 16
	client := NewClient(parallel)
	out := make([]plannedCommit, len(picks))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i, p := range picks {
		g.Go(func() error {
			var err error
			out[i], err = planCommit(ctx, client, commandURL, tokens, p)
			return err
		})
	}
	return out, g.Wait()
}

// commitBody is the request of POST /v1/bookings/commit.
type commitBody struct {
	TripID       string            `json:"trip_id"`
	UserEmail    string            `json:"user_email"`
	PaymentToken string            `json:"payment_token"`
	Passengers   []commitPassenger `json:"passengers"`
}

type commitPassenger struct {
	FirstName string       `json:"first_name"`
	LastName  string       `json:"last_name"`
	Seats     []commitSeat `json:"seats"`
}

type commitSeat struct {
	FlightID   string `json:"flight_id"`
	SeatNumber string `json:"seat_number"`
}

// planCommit creates a trip on the pick's flight, adds an adult, holds the
// seat and writes the commit that books it.
func planCommit(ctx context.Context, client *http.Client, commandURL string, tokens *auth.Issuer, p seatPick) (plannedCommit, error) {
	tok, err := tokens.Issue()
	if err != nil {
		return plannedCommit{}, err
	}
	var trip struct {
		TripID string `json:"trip_id"`
	}
	if err := postWith(ctx, client, commandURL+"/v1/holds/trip", tok.Value, map[string]any{"flight_ids": []string{p.flight}}, &trip); err != nil {
		return plannedCommit{}, err
	}
	adult := map[string]string{"first_name": "Bench", "last_name": "Guest", "passenger_type": "ADULT"}
	if err := postWith(ctx, client, commandURL+"/v1/holds/trip/"+trip.TripID+"/passengers", tok.Value, adult, nil); err != nil {
		return plannedCommit{}, err
	}
	hold := map[string]string{"trip_id": trip.TripID, "flight_id": p.flight, "seat_number": p.seat}
	if err := postWith(ctx, client, commandURL+"/v1/holds/seat", tok.Value, hold, nil); err != nil {
		return plannedCommit{}, err
	}
	body, err := json.Marshal(commitBody{
		TripID: trip.TripID, UserEmail: "bench.guest@example.com", PaymentToken: "tok_visa",
		Passengers: []commitPassenger{{FirstName: "Bench", LastName: "Guest",
			Seats: []commitSeat{{FlightID: p.flight, SeatNumber: p.seat}}}},
	})
	return plannedCommit{token: tok.Value, body: body}, err
}

// postWith POSTs body as JSON with the guest's token; the answer must be
// 201 and, when out is not nil, is decoded into it.
func postWith(ctx context.Context, client *http.Client, url, token string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req := JSONRequest(url, b).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("POST %s: %s %s", url, resp.Status, msg)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// CommitOne sends the plan's first commit to baseURL and returns the
// booking's id.
func CommitOne(ctx context.Context, client *http.Client, baseURL string, p *CommitPlan) (string, error) {
	if p.Len() == 0 {
		return "", errors.New("no commit planned")
	}
	c := p.commits[0]
	var answer struct {
		BookingID string `json:"booking_id"`
	}
	err := postWith(ctx, client, baseURL+"/v1/bookings/commit", c.token, json.RawMessage(c.body), &answer)
	return answer.BookingID, err
}

// commitScript is the bare transaction behind a booking commit, for
// pgbench.
//
//go:embed commit.pgbench
var commitScript string

// bareFlightRoom is the free room a flight needs to serve the bare
// transaction: it rotates over thousands of flights, so each one takes a
// few seats.
const bareFlightRoom = 50

// Sample is what the command service wrote for one booking: the bare
// transaction writes the same quote and amount.
type Sample struct {
	Quote       string // jsonb text
	Total       int64
	Currency    string
	Payments    int // payment rows (the bare transaction writes one)
	OutboxBytes int // its seats.sold event, envelope included
}

// ReadSample reads the booking the command service committed.
func ReadSample(ctx context.Context, databaseURL, bookingID string) (Sample, error) {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return Sample{}, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var s Sample
	err = conn.QueryRow(ctx, `
		SELECT b.quote::text, b.total_amount, b.currency,
		       (SELECT count(*) FROM payments p WHERE p.booking_id = b.id),
		       coalesce((SELECT max(length(o.payload::text)) FROM outbox o
		                 WHERE o.payload->'payload'->>'booking_id' = b.id::text), 0)
		FROM bookings b WHERE b.id = $1`, bookingID).Scan(&s.Quote, &s.Total, &s.Currency, &s.Payments, &s.OutboxBytes)
	if err != nil {
		return s, fmt.Errorf("ReadSample(%s): %w", bookingID, err)
	}
	return s, nil
}

// BareCommit runs commit.pgbench: the commit's transaction with nothing
// around it, from as many clients as the closed runs have workers.
type BareCommit struct {
	DatabaseURL string
	Clients     int
	Duration    time.Duration // whole seconds (pgbench -T)
	Exclude     []string      // flights the service runs book; pgbench books others
	Sample      Sample
}

// BareResult is pgbench's run as a closed-model result, with what pgbench
// itself reported.
type BareResult struct {
	Closed
	LatencyAvg time.Duration // pgbench's "latency average"
	Flights    int           // flights the transactions rotated over
}

// Run prepares the flights, runs pgbench and reads its per-transaction log.
func (b BareCommit) Run(ctx context.Context) (BareResult, error) {
	res := BareResult{Closed: Closed{Name: "pgbench: bare commit transaction", Workers: b.Clients}}
	flights, err := b.prepare(ctx)
	if err != nil {
		return res, err
	}
	res.Flights = flights
	dir, err := os.MkdirTemp("", "altis-commit-pgbench-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "commit.pgbench")
	if err := os.WriteFile(script, []byte(commitScript), 0o644); err != nil {
		return res, err
	}
	out, err := b.pgbench(ctx, script, filepath.Join(dir, "txn"), flights)
	if err != nil {
		return res, err
	}
	sum, err := ParsePgbench(out)
	if err != nil {
		return res, err
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "txn.*"))
	lats, bad, err := readPgbenchLogs(logs)
	if err != nil {
		return res, err
	}
	res.Elapsed, res.Requests, res.Rate, res.LatencyAvg = b.seconds(), sum.Processed, sum.TPS, sum.LatencyAvg
	res.Errors, res.FirstError = sum.Failed+sum.Aborted+bad, sum.FirstError
	res.P50, res.P99, res.Max = percentiles(lats)
	return res, nil
}

// prepare lists the flights the transactions rotate over: real rows (the
// foreign keys hold), none the service runs book, each with room.
func (b BareCommit) prepare(ctx context.Context) (int, error) {
	conn, err := pgx.Connect(ctx, b.DatabaseURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, sql := range []string{
		`DROP TABLE IF EXISTS bench_commit_flights`,
		`CREATE TABLE bench_commit_flights (i int PRIMARY KEY, flight_id uuid NOT NULL)`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return 0, fmt.Errorf("BareCommit.prepare: %w", err)
		}
	}
	tag, err := conn.Exec(ctx, `
		INSERT INTO bench_commit_flights (i, flight_id)
		SELECT row_number() OVER (ORDER BY flight_id) - 1, flight_id FROM flight_inventory
		WHERE capacity - sold >= $1 AND flight_id <> ALL(coalesce($2::uuid[], '{}'))`, bareFlightRoom, b.Exclude)
	if err != nil {
		return 0, fmt.Errorf("BareCommit.prepare: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return 0, errors.New("BareCommit.prepare: no flight with room left")
	}
	_, err = conn.Exec(ctx, `ANALYZE bench_commit_flights`)
	return int(tag.RowsAffected()), err
}

func (b BareCommit) seconds() time.Duration {
	return max(time.Second, b.Duration.Round(time.Second))
}

// pgbench runs the script and returns its output; a run whose clients
// aborted (exit status 2) is a result, not an error.
func (b BareCommit) pgbench(ctx context.Context, script, logPrefix string, flights int) (string, error) {
	path, err := exec.LookPath("pgbench")
	if err != nil {
		return "", err
	}
	args := []string{
		"-n", "-M", "prepared", "-f", script,
		"-c", strconv.Itoa(b.Clients), "-j", strconv.Itoa(min(b.Clients, runtime.NumCPU())),
		"-T", strconv.Itoa(int(b.seconds().Seconds())),
		"-l", "--log-prefix", logPrefix,
		"-D", "n=0", "-D", "run=" + strconv.FormatInt(time.Now().Unix()%46656, 36), "-D", "clients=" + strconv.Itoa(b.Clients), "-D", "flights=" + strconv.Itoa(flights),
		"-D", "quote=" + b.Sample.Quote, "-D", "total=" + strconv.FormatInt(b.Sample.Total, 10),
		"-D", "currency=" + b.Sample.Currency,
		b.DatabaseURL,
	}
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 2 {
		err = nil
	}
	if err != nil {
		return "", fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	return string(out), nil
}

// PgbenchSummary is what pgbench prints at the end of a run.
type PgbenchSummary struct {
	Processed  int // transactions that committed
	Failed     int // failed transactions pgbench counted
	Aborted    int // clients that stopped on an error
	LatencyAvg time.Duration
	TPS        float64
	FirstError string
}

var (
	pgbenchProcessed = regexp.MustCompile(`(?m)^number of transactions actually processed: (\d+)`)
	pgbenchFailed    = regexp.MustCompile(`(?m)^number of failed transactions: (\d+)`)
	pgbenchLatency   = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	pgbenchTPS       = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	pgbenchAborted   = regexp.MustCompile(`(?m)^pgbench: error: client \d+ .*$`)
)

// ParsePgbench reads pgbench's summary; the transaction count must be
// there (tps is missing when every client aborted).
func ParsePgbench(out string) (PgbenchSummary, error) {
	var s PgbenchSummary
	processed := pgbenchProcessed.FindStringSubmatch(out)
	if processed == nil {
		return s, fmt.Errorf("pgbench printed no summary:\n%s", out)
	}
	s.Processed, _ = strconv.Atoi(processed[1])
	if m := pgbenchTPS.FindStringSubmatch(out); m != nil {
		s.TPS, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := pgbenchFailed.FindStringSubmatch(out); m != nil {
		s.Failed, _ = strconv.Atoi(m[1])
	}
	if m := pgbenchLatency.FindStringSubmatch(out); m != nil {
		ms, _ := strconv.ParseFloat(m[1], 64)
		s.LatencyAvg = time.Duration(ms * float64(time.Millisecond))
	}
	aborted := pgbenchAborted.FindAllString(out, -1)
	if s.Aborted = len(aborted); s.Aborted > 0 {
		s.FirstError = strings.TrimPrefix(aborted[0], "pgbench: error: ")
	}
	return s, nil
}

// readPgbenchLogs reads per-transaction logs (pgbench -l: client,
// transaction, latency in µs, …); bad counts transactions logged as failed
// or skipped.
func readPgbenchLogs(paths []string) (lats []time.Duration, bad int, err error) {
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, 0, err
		}
		l, b := parsePgbenchLog(f)
		f.Close()
		lats, bad = append(lats, l...), bad+b
	}
	return lats, bad, nil
}

func parsePgbenchLog(r io.Reader) (lats []time.Duration, bad int) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		us, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil {
			bad++ // "failed" or "skipped"
			continue
		}
		lats = append(lats, time.Duration(us)*time.Microsecond)
	}
	return lats, bad
}

// percentiles are p50, p99 and max as Saturate takes them.
func percentiles(lats []time.Duration) (p50, p99, maxLat time.Duration) {
	if len(lats) == 0 {
		return 0, 0, 0
	}
	slices.Sort(lats)
	return lats[len(lats)/2], lats[len(lats)*99/100], lats[len(lats)-1]
}

// WaitOutbox waits until the relay has published every outbox row, so a
// run does not pay for the previous run's backlog; it returns how long
// that took.
func WaitOutbox(ctx context.Context, databaseURL string, limit time.Duration) (time.Duration, error) {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	start := time.Now()
	for {
		var unsent int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE sent_at IS NULL`).Scan(&unsent); err != nil {
			return 0, fmt.Errorf("WaitOutbox: %w", err)
		}
		if unsent == 0 {
			return time.Since(start), nil
		}
		if time.Since(start) > limit {
			return 0, fmt.Errorf("WaitOutbox: %d rows still unsent after %s", unsent, limit)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
