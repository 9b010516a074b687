package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*/*.golden.json from the parsers' output")

// receivedAt stands in for the arrival time of generic deliveries.
var receivedAt = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// parsers maps each testdata folder to the parser of its samples.
var parsers = map[string]func(t *testing.T, path string, body []byte) (*Batch, error){
	"alertmanager": func(_ *testing.T, _ string, b []byte) (*Batch, error) { return ParseAlertmanager(b) },
	"grafana":      func(_ *testing.T, _ string, b []byte) (*Batch, error) { return ParseGrafana(b) },
	"pagerduty":    func(_ *testing.T, _ string, b []byte) (*Batch, error) { return ParsePagerDuty(b) },
	"opsgenie":     func(_ *testing.T, _ string, b []byte) (*Batch, error) { return ParseOpsgenie(b) },
	"github": func(_ *testing.T, _ string, b []byte) (*Batch, error) {
		return ParseGitHub("deployment_status", b)
	},
	"generic": func(t *testing.T, path string, b []byte) (*Batch, error) {
		raw, err := os.ReadFile(strings.TrimSuffix(path, ".json") + ".mapping.json")
		if err != nil {
			t.Fatal(err)
		}
		var m GenericMapping
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return ParseGeneric(m, b, receivedAt)
	},
}

// goldenResult is what a golden file holds: the batch, or the error a
// sample must be rejected with.
type goldenResult struct {
	Batch *Batch       `json:"batch,omitempty"`
	Error *goldenError `json:"error,omitempty"`
}

type goldenError struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// TestParseGolden parses every real sample in testdata and compares the
// result with its golden file; run with -update to rewrite them after a
// deliberate change, then review the diff.
func TestParseGolden(t *testing.T) {
	for dir, parse := range parsers {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no samples in testdata/%s", dir)
		}
		for _, path := range files {
			if strings.HasSuffix(path, ".golden.json") || strings.HasSuffix(path, ".mapping.json") {
				continue
			}
			t.Run(dir+"/"+filepath.Base(path), func(t *testing.T) {
				body, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				var got goldenResult
				b, err := parse(t, path, body)
				if err != nil {
					var de *debrief.Error
					if !errors.As(err, &de) {
						t.Fatalf("parse %s: error without a code: %v", path, err)
					}
					got.Error = &goldenError{Code: de.Code, Field: de.Field, Message: de.Message}
				} else {
					got.Batch = b
				}
				out, err := json.MarshalIndent(got, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, '\n')
				goldenPath := strings.TrimSuffix(path, ".json") + ".golden.json"
				if *update {
					if err := os.WriteFile(goldenPath, out, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(goldenPath)
				if err != nil {
					t.Fatalf("%v (run go test ./ingest -run TestParseGolden -update to create it)", err)
				}
				if !bytes.Equal(out, want) {
					t.Errorf("parse %s differs from %s (-want +got):\n%s", path, goldenPath, cmp.Diff(string(want), string(out)))
				}
			})
		}
	}
}
