package export

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// onePixelPNG is a valid 1×1 PNG.
var onePixelPNG = []byte{0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
	0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
	0x4e, 0x44, 0xae, 0x42, 0x60, 0x82}

func TestHTMLSample(t *testing.T) {
	doc := sampleDocument()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	out, err := HTML(doc, HTMLOptions{Location: berlin, Now: time.Date(2024, 3, 8, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("HTML(sample) error: %v", err)
	}
	s := string(out)
	for _, want := range []string{
		"<title>Checkout API returned 500s for EU customers for 47 minutes</title>",
		`<h2>Summary</h2>`, `<h2>Root cause analysis</h2>`, `<h2>Timeline</h2>`, "<h3>Why it was not caught</h3>",
		"<strong>18% of checkout requests</strong>",
		// The variable is resolved from the live record.
		"(see Checkout API returned 500s for EU customers for 47 minutes)",
		// Times in the viewer's zone, zone named, with the date.
		"Tue 5 Mar 2024</span>14:02 Europe/Berlin (CET)", "When (Europe/Berlin)",
		// The event's own zone beside it.
		"08:08 America/New_York",
		"Deploy of payments config v231 | pool_max 200 → 20",
		"Add a check of pool sizes to the config linter", `<span class="internal-tag">internal</span>`,
		"Exported from Debrief on 8 Mar 2024 10:00 Europe/Berlin (CET)",
		"<style>",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML(sample) lacks %q", want)
		}
	}
	for _, bad := range []string{"{{incident.title}}", "<script", "<link ", "src=\"http"} {
		if strings.Contains(s, bad) {
			t.Errorf("HTML(sample) contains %q", bad)
		}
	}
}

func TestHTMLSanitisesAndInlinesImages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/graph.png":
			w.Write(onePixelPNG)
		case "/evil.svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	doc := sampleDocument()
	doc.Postmortem.Sections[0].Body = "Graph:\n\n![error rate](" + srv.URL + "/graph.png)\n\n" +
		`<img alt="raw tag" src="` + srv.URL + `/graph.png">` + "\n\n![svg](" + srv.URL + "/evil.svg)\n\n![gone](" + srv.URL + "/missing.png)\n\n" +
		`<script>alert("x")</script><a href="javascript:alert(1)">click</a><iframe src="https://e.example"></iframe>`
	out, err := HTML(doc, HTMLOptions{Images: HTTPImages(srv.Client())})
	if err != nil {
		t.Fatalf("HTML error: %v", err)
	}
	s := string(out)
	if n := strings.Count(s, `src="data:image/png;base64,`); n != 2 {
		t.Errorf("HTML inlined %d PNG images, want 2 (Markdown image and raw <img>)", n)
	}
	for _, bad := range []string{"<script", "javascript:", "<iframe", "onload", `src="` + srv.URL} {
		if strings.Contains(s, bad) {
			t.Errorf("HTML contains %q after sanitising", bad)
		}
	}
	if !strings.Contains(s, `href="`+srv.URL+`/evil.svg">[svg]</a>`) || !strings.Contains(s, `>[gone]</a>`) {
		t.Errorf("images that cannot be inlined should become links")
	}
	// Without a loader nothing is fetched: images become links.
	out, err = HTML(doc, HTMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), `src="`+srv.URL) || !strings.Contains(string(out), `>[error rate]</a>`) {
		t.Errorf("HTML without an image loader should link images, not load them")
	}
}

func TestJSONFullRecord(t *testing.T) {
	doc := sampleDocument()
	b, err := JSON(doc)
	if err != nil {
		t.Fatalf("JSON(sample) error: %v", err)
	}
	var back struct {
		Debrief int `json:"debrief"`
		Document
		Durations map[string]int64 `json:"durations"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("JSON(sample) is not JSON: %v", err)
	}
	if back.Debrief != FormatVersion || back.Durations["time_to_resolve_seconds"] != 47*60 {
		t.Errorf("JSON(sample) debrief=%d durations=%v, want %d and 2820 s to resolve", back.Debrief, back.Durations, FormatVersion)
	}
	got := &Document{Postmortem: back.Postmortem, Incident: back.Incident, Timeline: back.Timeline, ActionItems: back.ActionItems}
	if !bytes.Equal(mustMarkdown(t, got), mustMarkdown(t, doc)) {
		t.Errorf("JSON(sample) read back is not the same record")
	}
}

func mustMarkdown(t *testing.T, doc *Document) []byte {
	t.Helper()
	md, err := Markdown(doc)
	if err != nil {
		t.Fatal(err)
	}
	return md
}

func TestPublicImagesRefusesInternalAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(onePixelPNG) }))
	defer srv.Close()
	load := PublicImages(10)
	for _, src := range []string{srv.URL + "/graph.png", "http://169.254.169.254/latest/meta-data", "http://[::1]/x.png", "file:///etc/passwd"} {
		if _, _, err := load(src); err == nil {
			t.Errorf("PublicImages loaded %s; want internal addresses refused", src)
		}
	}
	for _, tc := range []struct {
		ip   string
		want bool
	}{{"8.8.8.8", true}, {"2606:4700::1111", true}, {"10.1.2.3", false}, {"192.168.1.1", false}, {"127.0.0.1", false},
		{"100.64.0.1", false}, {"::ffff:10.0.0.1", false}, {"fd00::1", false}, {"fe80::1", false}, {"0.0.0.0", false}} {
		if got := publicAddr(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("publicAddr(%s) = %v, want %v", tc.ip, got, tc.want)
		}
	}
}
