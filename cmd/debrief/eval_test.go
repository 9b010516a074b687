package main

import (
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
	// Both later hardware incidents find the earlier ones (3 answers, all
	// hardware): precision 1, base rate 3/6, lift 2.
	for _, want := range []string{
		"hardware     3      0.500        3        1.000  2.00×",
		"Mean lift over hardware, time:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
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
