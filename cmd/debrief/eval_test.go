package main

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// The corpus in testdata/evalsimilar is written for this test: three
// hardware incidents that share words ("disk", "rack", "power"), two about
// clocks, one about a certificate, and one file without labels.
func TestEvalSimilar(t *testing.T) {
	out, _, err := cli(t, "", "", nil, "eval", "similar", "testdata/evalsimilar", "--label", "categories",
		"--fields", "title,summary", "--redact", "company", "--rare", "hardware,time")
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "eval similar", out,
		"6 postmortems imported (title+summary), 1 skipped; asked for the 5 most similar earlier incidents of 5",
	)
	// Three of six documents are about hardware (base rate 0.5); the later
	// ones share words with the earlier, so their answers beat chance,
	// and the lift printed is precision over base rate.
	var docs, answers int
	var base, precision, lift float64
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 6 && f[0] == "hardware" {
			if _, err := fmt.Sscanf(strings.Join(f[1:], " "), "%d %f %d %f %f×", &docs, &base, &answers, &precision, &lift); err != nil {
				t.Fatalf("hardware row %q: %v", line, err)
			}
		}
	}
	if docs != 3 || base != 0.5 || answers == 0 {
		t.Fatalf("hardware: %d docs, base rate %v, %d answers; want 3, 0.5 and some:\n%s", docs, base, answers, out)
	}
	if lift <= 1 || math.Abs(lift-precision/base) > 0.01 {
		t.Errorf("hardware: precision %v, lift %v; want lift = precision / 0.5 and above 1:\n%s", precision, lift, out)
	}
	if !strings.Contains(out, "Mean lift over hardware, time:") {
		t.Errorf("output lacks the mean over --rare:\n%s", out)
	}
}

func TestEvalSimilarBadInput(t *testing.T) {
	_, _, err := cli(t, "", "", nil, "eval", "similar", "testdata/evalsimilar", "--label", "nosuchfield")
	if err == nil || !strings.Contains(err.Error(), "at least 2 are needed") {
		t.Errorf("a folder without the label field: got %v", err)
	}
	_, _, err = cli(t, "", "", nil, "eval", "similar", "testdata/nosuchdir", "--label", "categories")
	if err == nil {
		t.Error("a missing folder was accepted")
	}
}

func TestRedactNames(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Acme API outage at ACME", "API outage at"},
		{"acmeco was fine", "co was fine"},
		{"nothing to take", "nothing to take"},
	} {
		if got := redactNames(c.in, []string{"Acme"}); got != c.want {
			t.Errorf("redactNames(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
