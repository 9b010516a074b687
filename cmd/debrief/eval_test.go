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

// TestEvalSimilarSeeds measures in several orders: one row per seed with
// each rare label's lift and their mean, then the mean over the orders
// with the lowest, and the training orders apart from the held-out ones.
func TestEvalSimilarSeeds(t *testing.T) {
	out, _, err := cli(t, "", "", nil, "eval", "similar", "testdata/evalsimilar", "--label", "categories",
		"--fields", "title,summary", "--redact", "company", "--rare", "hardware,time", "--seeds", "1,2,3", "--train", "1")
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "eval similar --seeds", out,
		"6 postmortems imported (title+summary), 1 skipped; asked for the 5 most similar earlier incidents of 5, in 3 orders;",
	)
	var means []float64
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasSuffix(f[len(f)-1], "×") || f[0] == "seed" {
			continue
		}
		rows++
		var m float64
		if _, err := fmt.Sscanf(f[len(f)-1], "%f×", &m); err != nil {
			t.Fatalf("row %q: %v", line, err)
		}
		means = append(means, m)
	}
	if rows != 3 || !strings.Contains(out, "1 (train)") {
		t.Fatalf("want 3 rows, seed 1 marked as training:\n%s", out)
	}
	avg, low := 0.0, means[0]
	for _, m := range means {
		avg += m / 3
		low = math.Min(low, m)
	}
	want := fmt.Sprintf("Mean lift over hardware, time, over 3 orders: %.2f× (lowest %.2f×", avg, low)
	if !strings.Contains(out, want) || !strings.Contains(out, fmt.Sprintf("Training orders: %.2f×; held-out orders: %.2f×.", means[0], (means[1]+means[2])/2)) {
		t.Errorf("want %q and the training order apart:\n%s", want, out)
	}
	if _, _, err := cli(t, "", "", nil, "eval", "similar", "testdata/evalsimilar", "--label", "categories", "--seeds", "1,2", "--shuffle", "3"); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("--seeds with --shuffle: got %v, want a refusal", err)
	}
}
