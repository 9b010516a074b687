package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// PostgreSQL restarting under load: a private throwaway cluster (initdb and
// pg_ctl on a temporary directory and port, so the test never touches the
// shared server) is stopped abruptly while clients write through a
// Debrief instance, then started again. While it is down every request is
// answered 503 (code unavailable); afterwards service comes back by itself;
// every write acknowledged before the stop is there; and the live listener
// has reconnected.

// pgBin is where Debian puts PostgreSQL 15's programs.
const pgBin = "/usr/lib/postgresql/15/bin"

// cluster is a private PostgreSQL server.
type cluster struct {
	t    *testing.T
	dir  string
	port int
	// asPostgres runs the programs as the postgres user when the test runs
	// as root (initdb and postgres refuse root).
	asPostgres bool
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin, "pg_ctl")); err != nil {
		t.Skipf("PostgreSQL 15 programs are not at %s: %v", pgBin, err)
	}
	c := &cluster{t: t, asPostgres: os.Geteuid() == 0}
	parent, err := os.MkdirTemp("", "debrief-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	c.dir = filepath.Join(parent, "data")
	if c.asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root without a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(parent, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c.run("initdb", "-D", c.dir, "-U", "debrief", "--auth=trust", "--no-sync", "-E", "UTF8")
	t.Cleanup(func() { c.pgctl("stop", "-m", "immediate") })
	c.pgctl("start")
	return c
}

func (c *cluster) run(prog string, args ...string) {
	c.t.Helper()
	name := filepath.Join(pgBin, prog)
	if c.asPostgres {
		args = append([]string{"-u", "postgres", "--", name}, args...)
		name = "runuser"
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, out)
	}
}

func (c *cluster) pgctl(action string, extra ...string) {
	c.t.Helper()
	args := []string{action, "-D", c.dir, "-w", "-t", "60"}
	if action == "start" {
		args = append(args, "-l", filepath.Join(filepath.Dir(c.dir), "log"),
			"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on", c.port, filepath.Dir(c.dir)))
	}
	c.run("pg_ctl", append(args, extra...)...)
}

func (c *cluster) dsn() string {
	return fmt.Sprintf("postgres://debrief@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

func TestPostgresRestartUnderLoad(t *testing.T) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skip(storetest.PostgresEnv + " is not set")
	}
	pg := startCluster(t)
	in := startInstance(t, pg.dsn())
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	admin, err := in.svc.CreateUser(sys, debrief.NewUser{Email: "ada@example.com", Name: "Ada", Role: debrief.RoleAdmin, Password: browserPassword})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := in.svc.CreateToken(debrief.WithActor(context.Background(), admin.Actor("test")), debrief.NewAPIToken{Name: "load", Scope: debrief.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}

	// phase says what the clients' answers are counted under.
	type tally struct {
		statuses map[int]int
		codes    map[string]int
	}
	var (
		mu     sync.Mutex
		phase  = "before"
		counts = map[string]*tally{}
		acked  []string // keys of incidents answered 201
	)
	record := func(status int, code, key string) {
		mu.Lock()
		defer mu.Unlock()
		tl := counts[phase]
		if tl == nil {
			tl = &tally{statuses: map[int]int{}, codes: map[string]int{}}
			counts[phase] = tl
		}
		tl.statuses[status]++
		tl.codes[code]++
		if status == 201 {
			acked = append(acked, key)
		}
	}
	setPhase := func(p string) { mu.Lock(); phase = p; mu.Unlock() }
	ok := func(p string) int {
		mu.Lock()
		defer mu.Unlock()
		if counts[p] == nil {
			return 0
		}
		return counts[p].statuses[201]
	}

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	// More writers than the pool holds would be more than the cluster's
	// default 100 connections allow across both instances' pools; 12 is
	// above the 8 a pool holds on this machine.
	for w := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				body := fmt.Sprintf(`{"title":"Writer %d wrote incident %d while PostgreSQL restarted","severity":"SEV3"}`, w, i)
				req, _ := http.NewRequest("POST", in.url+"/api/v1/incidents", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					record(-1, err.Error(), "")
					continue
				}
				var out struct {
					Key   string `json:"key"`
					Error struct {
						Code string `json:"code"`
					} `json:"error"`
				}
				_ = json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
				record(res.StatusCode, out.Error.Code, out.Key)
				if res.StatusCode != 201 {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				stop()
				wg.Wait()
				t.Fatalf("%s did not happen within 60 s; answers: %+v", what, counts)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitUntil("writes before the stop", func() bool { return ok("before") >= 50 })

	// Stop abruptly (no checkpoint): what was acknowledged must come back
	// from the write-ahead log.
	setPhase("stopping")
	pg.pgctl("stop", "-m", "immediate")
	setPhase("down")
	time.Sleep(1500 * time.Millisecond)
	setPhase("starting")
	restarted := time.Now()
	pg.pgctl("start")
	setPhase("after")
	waitUntil("writes after the restart", func() bool { return ok("after") >= 20 })
	t.Logf("writes succeeded again %v after pg_ctl start began", time.Since(restarted).Round(time.Millisecond))
	stop()
	wg.Wait()
	for _, p := range []string{"before", "stopping", "down", "starting", "after"} {
		if tl := counts[p]; tl != nil {
			t.Logf("%-8s answers %v codes %v", p, tl.statuses, tl.codes)
		}
	}

	// While it was down, every answer was 503 unavailable.
	if down := counts["down"]; down == nil || down.statuses[503] == 0 {
		t.Errorf("no 503 while PostgreSQL was down: %+v", down)
	} else {
		for st, n := range down.statuses {
			if st != 503 {
				t.Errorf("%d answers of %d while PostgreSQL was down; want only 503", n, st)
			}
		}
		for code, n := range down.codes {
			if code != debrief.EUnavailable {
				t.Errorf("%d answers with code %q while PostgreSQL was down; want %q", n, code, debrief.EUnavailable)
			}
		}
	}
	for p, tl := range counts {
		for st, n := range tl.statuses {
			if st != 201 && st != 503 {
				t.Errorf("%s: %d answers of %d; want only 201 or 503", p, n, st)
			}
		}
	}

	// Every acknowledged write is there.
	var missing []string
	for _, key := range acked {
		if call(t, "GET", in.url+"/api/v1/incidents/"+key, token, "", nil) != 200 {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d acknowledged incidents are missing after the restart: %v", len(missing), len(acked), missing)
	}
	t.Logf("%d acknowledged writes, all present", len(acked))

	// The live listener came back: an event reaches a stream again.
	waitUntil("the live listener reconnects", func() bool { return in.hub.Connects() >= 2 })
	events := openStream(t, in.url+"/incidents/"+acked[0]+"/live?page=afterrestart", token)
	waitEvent(t, events, "presence")
	other := startInstance(t, pg.dsn())
	if st := call(t, "POST", other.url+"/api/v1/incidents/"+acked[0]+"/timeline", token, `{"at":"`+time.Now().UTC().Format(time.RFC3339)+`","text":"Checked after the restart"}`, nil); st != 201 {
		t.Fatalf("add an event through a second instance = %d", st)
	}
	waitEvent(t, events, debrief.LiveTimeline)
}
