package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// The web UI: server-rendered pages from html/template, assets embedded and
// served under content-hashed names. Every page works without JavaScript;
// htmx (vendored in static/vendor) swaps parts of pages where it helps.

//go:embed ui/*.html
var uiFS embed.FS

//go:embed static
var staticFS embed.FS

// assetCacheControl lets browsers keep an asset for a year: its name
// changes whenever its content does.
const assetCacheControl = "public, max-age=31536000, immutable"

// asset is one embedded file, ready to serve.
type asset struct {
	contentType string
	body        []byte
	gzipped     []byte // nil when compression does not pay
}

// ui holds the parsed page templates and the assets. It is built once by
// newUI and read-only afterwards.
type ui struct {
	// hashed maps a logical asset name ("app.css") to its served path
	// ("/static/app.3f2a9c1e.css").
	hashed map[string]string
	// assets maps a served path to the file.
	assets map[string]*asset
	// pages maps a page template file ("incident.html") to its template set,
	// each a clone of the layout with the page's own definitions.
	pages map[string]*template.Template
	// gzips holds reusable gzip writers: a new one allocates most of a
	// megabyte, more than the page it compresses.
	gzips sync.Pool
}

func newUI() (*ui, error) {
	u := &ui{hashed: map[string]string{}, assets: map[string]*asset{}, pages: map[string]*template.Template{}}
	if err := u.loadAssets(); err != nil {
		return nil, err
	}
	if err := u.loadTemplates(); err != nil {
		return nil, err
	}
	return u, nil
}

var assetTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
	".png": "image/png",
	".ico": "image/x-icon",
}

func (u *ui) loadAssets() error {
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := path.Ext(p)
		ct, ok := assetTypes[ext]
		if !ok {
			return nil // licences and READMEs are in the tree, not served
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		logical := strings.TrimPrefix(p, "static/")
		served := "/static/" + strings.TrimSuffix(logical, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		a := &asset{contentType: ct, body: body}
		if ext != ".png" && len(body) > 512 {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			a.gzipped = buf.Bytes()
		}
		u.hashed[logical] = served
		u.assets[served] = a
		return nil
	})
}

// assetPath returns the served path of a logical asset name; an unknown name
// is a programming error in a template, caught by the tests that render
// every page.
func (u *ui) assetPath(name string) (string, error) {
	p, ok := u.hashed[name]
	if !ok {
		return "", fmt.Errorf("web: no asset %q", name)
	}
	return p, nil
}

func (u *ui) loadTemplates() error {
	// parts_*.html hold pieces shared by several pages, like parts.html.
	base, err := template.New("").Funcs(u.funcs()).ParseFS(uiFS, "ui/layout.html", "ui/parts.html", "ui/parts_*.html")
	if err != nil {
		return fmt.Errorf("web: parse layout: %w", err)
	}
	files, err := fs.Glob(uiFS, "ui/*.html")
	if err != nil {
		return err
	}
	for _, f := range files {
		name := path.Base(f)
		if name == "layout.html" || name == "parts.html" || strings.HasPrefix(name, "parts_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(uiFS, f)
		if err != nil {
			return fmt.Errorf("web: parse %s: %w", name, err)
		}
		u.pages[name] = t
	}
	return nil
}

// serveAsset answers GET /static/{path...} from the embedded assets, gzipped
// when the client takes it.
func (u *ui) serveAsset() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, ok := u.assets[r.URL.Path]
		if !ok {
			http.Error(w, "Not found: assets are served under the names the pages link to.", http.StatusNotFound)
			return nil
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", assetCacheControl)
		h.Set("Vary", "Accept-Encoding")
		body := a.body
		if a.gzipped != nil && acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = a.gzipped
		}
		h.Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
		return nil
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// layout is what every page shows around its content: the title, who is
// signed in, the navigation and the viewer's time zone. Page structs embed it.
type layout struct {
	Title string
	// Nav names the navigation entry the page belongs to ("incidents").
	Nav   string
	Actor debrief.Actor
	// SignedIn is false on the sign-in and error pages seen anonymously.
	SignedIn bool
	// Loc is the viewer's time zone (from the tz cookie, else UTC); Zone is
	// its name as shown beside times.
	Loc  *time.Location
	Zone string
	// Path is the request's path and query, for links back to this page.
	Path string
	// LiveAt is what a live page was rendered from (liveStamps.Encode),
	// which its stream's address carries (ui_live_stamps.go).
	LiveAt string
}

// CanEdit reports whether the viewer may change records (responder or admin).
func (l layout) CanEdit() bool { return l.SignedIn && l.Actor.Role.Includes(debrief.RoleResponder) }

// IsAdmin reports whether the viewer is an admin.
func (l layout) IsAdmin() bool { return l.SignedIn && l.Actor.Role.Includes(debrief.RoleAdmin) }

// CanSignOut is false in --open mode, where nobody signed in.
func (l layout) CanSignOut() bool { return l.SignedIn && l.Actor.Via != "open" }

// zoneCookie is set by static/app.js from the browser's
// Intl.DateTimeFormat().resolvedOptions().timeZone.
const zoneCookie = "tz"

// pageZone returns the zone named by the tz cookie, or UTC when there is
// none or it names no zone this server knows.
func pageZone(r *http.Request) *time.Location {
	c, err := r.Cookie(zoneCookie)
	if err != nil || c.Value == "" || len(c.Value) > 64 {
		return time.UTC
	}
	name, err := url.QueryUnescape(c.Value)
	if err != nil || name == "" || name == "Local" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// newLayout fills the layout of a page for r.
func newLayout(r *http.Request, title, nav string) layout {
	a, ok := debrief.ActorFrom(r.Context())
	loc := pageZone(r)
	return layout{Title: title, Nav: nav, Actor: a, SignedIn: ok && a.Role != "", Loc: loc, Zone: loc.String(), Path: r.URL.RequestURI()}
}

// render executes the page template file with data (a page struct embedding
// layout) into the response, gzipped when the client takes it. block names
// the template to run: "layout" for a whole page, or a fragment's name for
// an htmx swap.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, file, block string, data any) error {
	t, ok := s.ui.pages[file]
	if !ok {
		return fmt.Errorf("web: no page template %s", file)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		return fmt.Errorf("web: render %s/%s: %w", file, block, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages show records as the viewer may see them; never let a shared
	// cache keep one for another viewer.
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Accept-Encoding, Cookie, HX-Request")
	body := buf.Bytes()
	if len(body) > 1024 && acceptsGzip(r) {
		var z bytes.Buffer
		zw, _ := s.ui.gzips.Get().(*gzip.Writer)
		if zw == nil {
			zw, _ = gzip.NewWriterLevel(&z, gzip.DefaultCompression)
		} else {
			zw.Reset(&z)
		}
		_, _ = zw.Write(body)
		_ = zw.Close()
		s.ui.gzips.Put(zw)
		h.Set("Content-Encoding", "gzip")
		body = z.Bytes()
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return nil
}

// isHTMX reports whether htmx sent the request, which then wants a fragment
// of the page rather than the whole page or a redirect.
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// seeOther answers a form post: 303 to the page that shows the result, so
// a reload does not post again.
func seeOther(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// safeNext returns next if it is a path on this site ("/incidents/INC-4"),
// else "/". Only same-site relative paths are followed after sign-in, so a
// crafted link cannot send someone elsewhere (no open redirect).
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	if strings.HasPrefix(u.Path, "/login") || strings.HasPrefix(u.Path, "/logout") || strings.HasPrefix(u.Path, "/api/") || strings.HasPrefix(u.Path, "/static/") {
		return "/"
	}
	return next
}

// wantsPage reports whether a browser navigated to r (as opposed to a feed
// reader or a script), which decides whether a missing sign-in redirects to
// the sign-in page or answers 401.
func wantsPage(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.Contains(r.Header.Get("Accept"), "text/html")
}

// errorPage is the page that shows an error as a sentence.
type errorPage struct {
	layout
	Status  int
	Heading string
	Message string
}

var errorHeadings = map[int]string{
	http.StatusBadRequest:            "That request could not be understood",
	http.StatusUnauthorized:          "Sign in to see this page",
	http.StatusForbidden:             "You cannot do this",
	http.StatusNotFound:              "Page not found",
	http.StatusMethodNotAllowed:      "That action is not available here",
	http.StatusConflict:              "Someone else changed this first",
	http.StatusRequestEntityTooLarge: "That is too large",
	http.StatusTooManyRequests:       "Too many attempts",
	http.StatusServiceUnavailable:    "Debrief is busy",
	http.StatusInternalServerError:   "Something went wrong on our side",
}

// renderUIError answers a page's error: a browser without a session is
// sent to sign in and back; everything else gets a page with a plain
// sentence and the status.
func (s *Server) renderUIError(w http.ResponseWriter, r *http.Request, status int, message string) {
	if status == http.StatusUnauthorized && wantsPage(r) {
		w.Header().Del("WWW-Authenticate")
		http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
		return
	}
	if status == http.StatusUnauthorized && isHTMX(r) {
		// The session ended while the page was open: htmx follows
		// HX-Redirect with a full page load, back to this page after sign-in.
		back := "/"
		if u, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil {
			back = safeNext(u.RequestURI())
		}
		w.Header().Set("HX-Redirect", "/login?next="+url.QueryEscape(back))
	}
	if _, ok := debrief.ActorFrom(r.Context()); !ok && status != http.StatusUnauthorized {
		// Routes without a role (the 404 catch-all) did not authenticate;
		// a signed-in reader still gets the navigation on the error page.
		if a, err := s.authenticate(r); err == nil {
			r = r.WithContext(debrief.WithActor(r.Context(), a))
		}
	}
	heading := errorHeadings[status]
	if heading == "" {
		heading = http.StatusText(status)
	}
	switch status {
	case http.StatusNotFound:
		message = "There is nothing at " + r.URL.Path + ", or it is private and you are not one of its members."
	case http.StatusUnauthorized:
		message = "This page needs you to be signed in."
	}
	p := errorPage{layout: newLayout(r, heading, ""), Status: status, Heading: heading, Message: message}
	if err := s.render(w, r, status, "error.html", "layout", p); err != nil {
		http.Error(w, message, status)
	}
}

// uiNotFound answers every path no route matched with the 404 page.
func uiNotFound(w http.ResponseWriter, r *http.Request) error {
	return debrief.Errorf(debrief.ENotFound, "", "Page not found.")
}
