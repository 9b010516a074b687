package export

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// chromiumForTest is the Chromium the PDF tests use; a missing one fails
// the tests rather than skipping them.
func chromiumForTest(t *testing.T) string {
	t.Helper()
	path := os.Getenv("DEBRIEF_TEST_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Chromium is needed for this test at %s (set DEBRIEF_TEST_CHROMIUM): %v", path, err)
	}
	return path
}

func TestPDFHasTitleSectionsAndPageNumbers(t *testing.T) {
	chromium := chromiumForTest(t)
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatalf("pdftotext (poppler-utils) is needed for this test: %v", err)
	}
	doc := sampleDocument()
	h, err := HTML(doc, HTMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := PDF(context.Background(), h, doc.Postmortem.Title, PDFOptions{Chromium: chromium})
	if err != nil {
		t.Fatalf("PDF(sample) error: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("PDF(sample) does not start with %%PDF-: %q", pdf[:min(len(pdf), 20)])
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{
		"Checkout API returned 500s for EU customers for 47 minutes",
		"Summary", "Root cause analysis", "Diagnosis, assessment and resolution", "Timeline", "Learnings and next steps",
		"Why it was not caught", "Rolled back payments config to v230", "Page 1 of", "Page 2 of",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext(PDF(sample)) lacks %q", want)
		}
	}
	// The title page stands alone: page 1 holds the title, not the sections.
	pages := strings.Split(string(out), "\f")
	if len(pages) < 3 || strings.Contains(pages[0], "Root cause analysis\n") && strings.Contains(pages[0], "The pool limit was lowered") {
		t.Errorf("PDF(sample) has %d pages; want a title page before the sections", len(pages))
	}
}

func TestPDFWithoutChromium(t *testing.T) {
	_, err := PDF(context.Background(), []byte("<p>x</p>"), "x", PDFOptions{Chromium: "/nonexistent/chromium"})
	if !debrief.IsCode(err, debrief.EUnavailable) || !errors.Is(err, ErrNoChromium) {
		t.Fatalf("PDF without Chromium = %v, want EUnavailable wrapping ErrNoChromium", err)
	}
	if !strings.Contains(debrief.ErrorMessage(err), "PDF export needs Chromium") || !strings.Contains(debrief.ErrorMessage(err), "apt-get install chromium") {
		t.Errorf("PDF without Chromium says %q; want it to say how to install Chromium", debrief.ErrorMessage(err))
	}
}
