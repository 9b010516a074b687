package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/web"
)

// soakFor is how long `make soak` runs each long test (DEBRIEF_SOAK, a
// duration); zero in `make test`, where the same tests run briefly.
func soakFor(t *testing.T) time.Duration {
	v := os.Getenv("DEBRIEF_SOAK")
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("DEBRIEF_SOAK=%q is not a duration such as 60s", v)
	}
	return d
}

// TestConcurrentEditsKeepEveryChange has many clients edit the same few
// postmortems at once over HTTP, each reading the version and saving with
// If-Match. Every save must be accepted (200) or refused with 409; every
// accepted one must be in the revision history with its text, the final
// text must be the last accepted, and no other answer may occur.
func TestConcurrentEditsKeepEveryChange(t *testing.T) {
	clients, postmortems, runFor := 16, 2, 2*time.Second
	if d := soakFor(t); d > 0 {
		clients, postmortems, runFor = 48, 4, d
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			svc := debrief.NewService(openEngine(t, engine))
			srv := httptest.NewServer(web.New(web.Config{Service: svc, Open: true, Logger: slog.New(slog.DiscardHandler)}).Handler())
			t.Cleanup(srv.Close)
			ctx := debrief.WithActor(context.Background(), debrief.SystemActor)
			var keys []string
			ids := map[string]int64{}
			for i := range postmortems {
				inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: fmt.Sprintf("Checkout API returned 500s, part %d", i), Severity: "SEV2"})
				if err != nil {
					t.Fatal(err)
				}
				pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID})
				if err != nil {
					t.Fatal(err)
				}
				keys = append(keys, pm.Key)
				ids[pm.Key] = pm.ID
			}
			type accepted struct {
				version int
				text    string
			}
			var (
				mu        sync.Mutex
				accepts   = map[string][]accepted{}
				conflicts int
				failures  []string
			)
			client := &http.Client{Timeout: 60 * time.Second}
			do := func(method, path, body string, header map[string]string) (int, []byte, error) {
				req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				for k, v := range header {
					req.Header.Set(k, v)
				}
				resp, err := client.Do(req)
				if err != nil {
					return 0, nil, err
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				return resp.StatusCode, b, err
			}
			stop := time.Now().Add(runFor)
			var wg sync.WaitGroup
			for c := range clients {
				wg.Go(func() {
					for n := 0; time.Now().Before(stop); n++ {
						key := keys[(c+n)%len(keys)]
						st, b, err := do("GET", "/api/v1/postmortems/"+key, "", nil)
						var pm struct {
							Version int `json:"version"`
						}
						if err != nil || st != 200 || json.Unmarshal(b, &pm) != nil {
							mu.Lock()
							failures = append(failures, fmt.Sprintf("GET %s = %d %.200s %v", key, st, b, err))
							mu.Unlock()
							continue
						}
						text := fmt.Sprintf("Client %d, edit %d: the cache node was replaced during peak.", c, n)
						body, _ := json.Marshal(map[string]string{"root_cause": text})
						st, b, err = do("PATCH", "/api/v1/postmortems/"+key, string(body), map[string]string{"If-Match": `"` + strconv.Itoa(pm.Version) + `"`})
						mu.Lock()
						switch {
						case err == nil && st == 200:
							var saved struct {
								Version   int    `json:"version"`
								RootCause string `json:"root_cause"`
							}
							json.Unmarshal(b, &saved)
							if saved.RootCause != text || saved.Version != pm.Version+1 {
								failures = append(failures, fmt.Sprintf("PATCH %s at v%d answered v%d %q, want v%d with the text", key, pm.Version, saved.Version, saved.RootCause, pm.Version+1))
							}
							accepts[key] = append(accepts[key], accepted{saved.Version, text})
						case err == nil && st == 409:
							conflicts++
						default:
							failures = append(failures, fmt.Sprintf("PATCH %s at v%d = %d %.200s %v, want 200 or 409", key, pm.Version, st, b, err))
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			for _, f := range failures {
				t.Error(f)
			}
			total := 0
			for _, key := range keys {
				history := map[int]string{}
				f := debrief.RevisionFilter{EntityType: debrief.EntityPostmortem, EntityID: ids[key], Limit: debrief.MaxPageSize}
				for {
					page, err := svc.ListRevisions(ctx, f)
					if err != nil {
						t.Fatalf("ListRevisions(%s) = %v", key, err)
					}
					for _, r := range page.Items {
						if r.Action == "create" {
							continue
						}
						for _, ch := range r.Changes {
							if ch.Field == "root_cause" {
								var s string
								json.Unmarshal(ch.New, &s)
								history[r.Version] = s
							}
						}
					}
					if page.NextCursor == "" {
						break
					}
					f.After = page.NextCursor
				}
				last := accepted{}
				for _, a := range accepts[key] {
					if history[a.version] != a.text {
						t.Errorf("%s: the accepted change to v%d (%q) is not in the revision history (it holds %q)", key, a.version, a.text, history[a.version])
					}
					if a.version > last.version {
						last = a
					}
				}
				if len(history) != len(accepts[key]) {
					t.Errorf("%s: the history holds %d root-cause changes, but %d were accepted", key, len(history), len(accepts[key]))
				}
				pm, err := svc.Postmortem(ctx, ids[key])
				if err != nil || pm.RootCause != last.text || pm.Version != last.version {
					t.Errorf("%s ends at v%d %q, want the last accepted v%d %q (%v)", key, pm.Version, pm.RootCause, last.version, last.text, err)
				}
				total += len(accepts[key])
			}
			if total == 0 || conflicts == 0 {
				t.Errorf("%d changes accepted and %d refused with 409; the test needs both to prove anything", total, conflicts)
			}
			t.Logf("%d clients on %d postmortems for %v: %d changes accepted, each in the history; %d refused with 409", clients, postmortems, runFor, total, conflicts)
		})
	}
}
