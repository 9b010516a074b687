package export

import (
	"context"
	"errors"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/debriefhq/debrief/debrief"
)

// ErrNoChromium is returned (wrapped in a *debrief.Error with code
// EUnavailable) when PDF export is asked for and no Chromium is installed.
var ErrNoChromium = errors.New("export: chromium not found")

// chromiumNames are tried on $PATH when no path is given.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"}

// FindChromium returns the Chromium to print with: path when it is set
// (from DEBRIEF_CHROMIUM), else /usr/bin/chromium, else the first of the
// usual names on $PATH. When none is there it returns an EUnavailable error
// saying how to install it.
func FindChromium(path string) (string, error) {
	if path != "" {
		if st, err := os.Stat(path); err == nil && !st.IsDir() {
			return path, nil
		}
		return "", &debrief.Error{Code: debrief.EUnavailable, Field: "format", Err: ErrNoChromium,
			Message: fmt.Sprintf("PDF export needs Chromium, and %s (from DEBRIEF_CHROMIUM) does not exist: apt-get install chromium, or point DEBRIEF_CHROMIUM at a Chromium binary.", path)}
	}
	if st, err := os.Stat("/usr/bin/chromium"); err == nil && !st.IsDir() {
		return "/usr/bin/chromium", nil
	}
	for _, n := range chromiumNames {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", &debrief.Error{Code: debrief.EUnavailable, Field: "format", Err: ErrNoChromium,
		Message: "PDF export needs Chromium: apt-get install chromium (or set DEBRIEF_CHROMIUM to a Chromium binary)."}
}

// PDFOptions adjusts the PDF export.
type PDFOptions struct {
	// Chromium is the browser binary; "" finds one (see FindChromium).
	Chromium string
	// Timeout bounds starting the browser and printing; 0 means 60 s.
	Timeout time.Duration
}

// PDF prints an HTML export (see HTML) with headless Chromium: A4, the
// title page the HTML's print styles make, the title in the header of
// every page and "Page n of m" in the footer.
func PDF(ctx context.Context, htmlDoc []byte, title string, opt PDFOptions) ([]byte, error) {
	path, err := FindChromium(opt.Chromium)
	if err != nil {
		return nil, err
	}
	timeout := opt.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// The page is loaded from a file so Chromium waits for the whole
	// document; it is self-contained, so nothing else is fetched.
	dir, err := os.MkdirTemp("", "debrief-pdf-")
	if err != nil {
		return nil, fmt.Errorf("export: pdf: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "postmortem.html")
	if err := os.WriteFile(file, htmlDoc, 0o600); err != nil {
		return nil, fmt.Errorf("export: pdf: %w", err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // Debian's chromium cannot sandbox itself when run as root in a container
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	cctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()

	if err := chromedp.Do(cctx, chromedp.Navigate("file://"+file)); err != nil {
		return nil, fmt.Errorf("export: pdf: load the page in %s: %w", path, err)
	}
	header := `<div style="font-size:8px;color:#666;width:100%;padding:0 12mm;white-space:nowrap;overflow:hidden;text-overflow:ellipsis">` +
		html.EscapeString(title) + `</div>`
	footer := `<div style="font-size:8px;color:#666;width:100%;text-align:center">Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`
	pdf, err := chromedp.Run(cctx, chromedp.PrintToPDF(
		chromedp.PDFPaper(chromedp.PaperA4),
		chromedp.PDFMargins(0.75, 0.6, 0.75, 0.6),
		chromedp.PDFPrintBackground(),
		chromedp.PDFHeaderTemplate(header),
		chromedp.PDFFooterTemplate(footer),
		chromedp.PDFOutlineAndTagged(),
	))
	if err != nil {
		return nil, fmt.Errorf("export: pdf: print with %s: %w", path, err)
	}
	return pdf, nil
}
