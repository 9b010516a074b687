package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// BenchCmd is a small load generator for a running server. It is a hidden
// command of the debrief binary rather than a separate program so that
// anyone who has Debrief can measure their own installation with the same
// client code (server URL, token) the CLI uses, with nothing else to build.
//
// It first creates incidents (measured), gives each a postmortem with
// written sections until --postmortems exist, then reads random postmortems
// and lists pages of 50. Every phase is bounded by a request count and by
// --duration, so a slow server cannot make it run for long.
type BenchCmd struct {
	ClientFlags `embed:""`
	Clients     int           `help:"Concurrent clients." default:"32"`
	Postmortems int           `help:"How many postmortems the read and list phases run against (created as needed)." default:"10000"`
	Creates     int           `help:"Incidents to create in the create phase (at most)." default:"5000"`
	Requests    int           `help:"Requests per read and list phase (at most)." default:"200000"`
	Duration    time.Duration `help:"Time limit of each phase." default:"10s"`
	ServerPID   int           `help:"Process id of the server, on the same Linux machine: also report the CPU time it spent per request." placeholder:"PID"`
}

// benchResult is one phase's figures.
type benchResult struct {
	Phase    string
	Clients  int
	Requests int
	Errors   int
	Elapsed  time.Duration
	P50, P99 time.Duration
	Max      time.Duration
	// FirstError describes the first failed request, to make errors explainable.
	FirstError string
	// ServerCPU and ClientCPU are the CPU time the server process and this
	// process spent in the phase (zero when unknown). Unlike rates, they do
	// not depend on what else the machine is running.
	ServerCPU, ClientCPU time.Duration
}

// perRequest divides d over the phase's requests.
func (r benchResult) perRequest(d time.Duration) time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return d / time.Duration(r.Requests)
}

func (r benchResult) rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// Run runs the phases and prints a table.
func (c *BenchCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	if c.Clients < 1 || c.Clients > 1024 {
		return &usageError{msg: "--clients must be between 1 and 1024."}
	}
	if c.Postmortems < 1 || c.Postmortems > 1_000_000 {
		return &usageError{msg: "--postmortems must be between 1 and 1,000,000."}
	}
	if c.Duration <= 0 || c.Duration > 10*time.Minute {
		return &usageError{msg: "--duration must be more than 0 and at most 10m."}
	}
	// One keep-alive connection per client, as real API clients would hold.
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        c.Clients * 2,
		MaxIdleConnsPerHost: c.Clients * 2,
		IdleConnTimeout:     time.Minute,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	b := &bench{base: cl.base.String(), token: c.Token, http: hc}
	ctx := env.Ctx
	if _, err := cl.getJSON(ctx, "/api/v1/severities", nil, nil); err != nil {
		return err
	}

	b.serverPID = c.ServerPID
	var results []benchResult
	var createdMu sync.Mutex
	var created []int64
	res := b.phase(ctx, "create incident", c.Clients, c.Creates, c.Duration, func(rng *rand.Rand) (int, error) {
		i := atomic.AddInt64(&b.seq, 1)
		body := fmt.Sprintf(`{"title":"Bench incident %d: checkout latency above 2s for EU customers","severity":"SEV%d","services":["checkout-api","payments"],"labels":["bench"],"impact":"About 4%% of checkouts took longer than two seconds."}`, i, 1+i%4)
		status, data, err := b.send(ctx, http.MethodPost, "/api/v1/incidents", body)
		if err == nil && status == http.StatusCreated {
			var inc struct {
				ID int64 `json:"id"`
			}
			if json.Unmarshal(data, &inc) == nil {
				createdMu.Lock()
				created = append(created, inc.ID)
				createdMu.Unlock()
			}
		}
		return status, err
	})
	results = append(results, res)
	fmt.Fprintf(env.Stderr, "created %d incidents\n", len(created))

	ids, err := b.postmortemIDs(ctx, c.Postmortems)
	if err != nil {
		return err
	}
	if missing := c.Postmortems - len(ids); missing > 0 {
		fmt.Fprintf(env.Stderr, "seeding %d postmortems (not measured)...\n", missing)
		newIDs, err := b.seed(ctx, c.Clients, missing, created)
		if err != nil {
			return err
		}
		ids = append(ids, newIDs...)
	}
	n := len(ids)
	fmt.Fprintf(env.Stderr, "reading from %d postmortems\n", n)

	results = append(results, b.phase(ctx, "read one postmortem", c.Clients, c.Requests, c.Duration, func(rng *rand.Rand) (int, error) {
		status, _, err := b.send(ctx, http.MethodGet, "/api/v1/postmortems/"+strconv.FormatInt(ids[rng.IntN(n)], 10), "")
		return status, err
	}))
	list := func(rng *rand.Rand) (int, error) {
		// A random cursor reads a page from anywhere in the list, as paging does.
		after := ids[rng.IntN(n)] + 1
		status, _, err := b.send(ctx, http.MethodGet, "/api/v1/postmortems?limit=50&after="+strconv.FormatInt(after, 10), "")
		return status, err
	}
	results = append(results, b.phase(ctx, "list 50 postmortems", 1, c.Requests, c.Duration, list))
	results = append(results, b.phase(ctx, "list 50 postmortems", c.Clients, c.Requests, c.Duration, list))

	headers := []string{"PHASE", "CLIENTS", "REQUESTS", "ERRORS", "REQ/S", "P50", "P99", "MAX"}
	if c.ServerPID > 0 {
		headers = append(headers, "SERVER CPU/REQ", "CLIENT CPU/REQ")
	}
	t := newTable(env.Stdout, headers...)
	for _, r := range results {
		row := []string{r.Phase, strconv.Itoa(r.Clients), strconv.Itoa(r.Requests), strconv.Itoa(r.Errors), fmt.Sprintf("%.0f", r.rate()),
			fmtLatency(r.P50), fmtLatency(r.P99), fmtLatency(r.Max)}
		if c.ServerPID > 0 {
			row = append(row, fmtLatency(r.perRequest(r.ServerCPU)), fmtLatency(r.perRequest(r.ClientCPU)))
		}
		t.row(row...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	for _, r := range results {
		if r.FirstError != "" {
			fmt.Fprintf(env.Stderr, "%s: first error: %s\n", r.Phase, r.FirstError)
		}
	}
	return nil
}

func fmtLatency(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + " ms"
}

type bench struct {
	base      string
	token     string
	http      *http.Client
	seq       int64
	serverPID int
}

// processCPU returns the user+system CPU time of process pid so far, from
// /proc (Linux), or 0 when it cannot be read.
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; fields count from after it.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	// Linux reports these in clock ticks of 1/100 s on every common platform.
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// send makes one request and reads the whole answer, as a client would.
func (b *bench) send(ctx context.Context, method, path, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.token != "" {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// phase runs op from clients goroutines until total requests are made or
// limit has passed, and returns the figures.
func (b *bench) phase(ctx context.Context, name string, clients, total int, limit time.Duration, op func(*rand.Rand) (int, error)) benchResult {
	var next atomic.Int64
	var errs atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(limit)
	lat := make([][]time.Duration, clients)
	server0, client0 := b.cpu()
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			mine := make([]time.Duration, 0, total/clients+1)
			for next.Add(1) <= int64(total) && ctx.Err() == nil {
				t0 := time.Now()
				if t0.After(deadline) {
					break
				}
				status, err := op(rng)
				mine = append(mine, time.Since(t0))
				if err != nil || status < 200 || status > 299 {
					errs.Add(1)
					if err == nil {
						err = fmt.Errorf("status %d", status)
					}
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
			lat[w] = mine
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	server1, client1 := b.cpu()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	r := benchResult{Phase: name, Clients: clients, Requests: len(all), Errors: int(errs.Load()), Elapsed: elapsed,
		ServerCPU: server1 - server0, ClientCPU: client1 - client0}
	if len(all) > 0 {
		r.P50 = all[len(all)*50/100]
		r.P99 = all[min(len(all)-1, len(all)*99/100)]
		r.Max = all[len(all)-1]
	}
	if v := firstErr.Load(); v != nil {
		r.FirstError = v.(string)
	}
	return r
}

// cpu returns the CPU time used so far by the server (when its pid is
// known) and by this process.
func (b *bench) cpu() (server, client time.Duration) {
	if b.serverPID <= 0 {
		return 0, 0
	}
	return processCPU(b.serverPID), processCPU(os.Getpid())
}

// postmortemIDs pages through up to want postmortems and returns their IDs.
func (b *bench) postmortemIDs(ctx context.Context, want int) ([]int64, error) {
	var ids []int64
	after := ""
	for len(ids) < want {
		q := url.Values{"limit": {"500"}}
		if after != "" {
			q.Set("after", after)
		}
		status, data, err := b.send(ctx, http.MethodGet, "/api/v1/postmortems?"+q.Encode(), "")
		if err != nil {
			return nil, fmt.Errorf("cannot list postmortems: %w", err)
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("listing postmortems answered %d: %s", status, bytes.TrimSpace(data))
		}
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return nil, fmt.Errorf("listing postmortems: %w", err)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if page.NextCursor == "" {
			break
		}
		after = page.NextCursor
	}
	if len(ids) > want {
		ids = ids[:want]
	}
	return ids, nil
}

// benchSections is the written text every seeded postmortem gets, so reads
// return a document of realistic size (about 2 KB) rather than empty sections.
var benchSections = map[string]string{
	"summary":    "For 47 minutes, about 4% of EU checkouts took longer than two seconds. A cache node was replaced during peak traffic and the new node started cold, so requests fell through to the database. Latency returned to normal once the cache warmed up; no orders were lost.",
	"root-cause": "The cache cluster's maintenance job replaces nodes at a fixed time of day that used to be quiet. Traffic has shifted since, and the job was never moved. A cold node sends every lookup to the primary database, which then queues queries behind the checkout writes.",
	"resolution": "The on-call engineer saw the latency alert, matched its start with the node replacement in the maintenance log and pre-warmed the new node from a replica. Latency recovered within six minutes of the warm-up starting.",
	"timeline":   "All times Europe/Berlin. 12:02 node replaced; 12:05 latency alert; 12:09 acknowledged; 12:31 cause found; 12:43 warm-up started; 12:49 latency normal.",
	"learnings":  "Went well: the maintenance log made the cause quick to find. Went wrong: maintenance windows are not reviewed when traffic patterns change. Lucky: it was not a sale day.",
}

// seed creates count postmortems with written sections, for the created
// incidents first and as project postmortems after that, and returns their IDs.
func (b *bench) seed(ctx context.Context, clients, count int, incidents []int64) ([]int64, error) {
	var mu sync.Mutex
	var ids []int64
	var firstErr error
	var next atomic.Int64
	sections, _ := json.Marshal(map[string]any{"section_bodies": benchSections})
	var wg sync.WaitGroup
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= count || ctx.Err() != nil {
					return
				}
				body := fmt.Sprintf(`{"template":"project","title":"Bench project postmortem %d"}`, i)
				if i < len(incidents) {
					body = fmt.Sprintf(`{"incident_id":%d,"template":"incident"}`, incidents[i])
				}
				status, data, err := b.send(ctx, http.MethodPost, "/api/v1/postmortems", body)
				var pm struct {
					ID int64 `json:"id"`
				}
				if err == nil && status == http.StatusCreated {
					err = json.Unmarshal(data, &pm)
				} else if err == nil {
					err = fmt.Errorf("creating a postmortem answered %d: %s", status, bytes.TrimSpace(data))
				}
				if err == nil && i >= len(incidents) {
					// Project postmortems have other section keys; write theirs.
					status, data, err = b.patchJSON(ctx, "/api/v1/postmortems/"+strconv.FormatInt(pm.ID, 10), projectSections())
				} else if err == nil {
					status, data, err = b.patchJSON(ctx, "/api/v1/postmortems/"+strconv.FormatInt(pm.ID, 10), sections)
				}
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("writing sections answered %d: %s", status, bytes.TrimSpace(data))
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					ids = append(ids, pm.ID)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("seeding postmortems failed: %w", firstErr)
	}
	return ids, nil
}

func projectSections() []byte {
	b, _ := json.Marshal(map[string]any{"section_bodies": map[string]string{
		"why":     benchSections["summary"],
		"what":    benchSections["resolution"],
		"results": benchSections["root-cause"],
	}})
	return b
}

// patchJSON patches path with version 1, which a freshly created record has.
func (b *bench) patchJSON(ctx context.Context, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, b.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", `"1"`)
	if b.token != "" {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}
