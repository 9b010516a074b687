package web

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
)

// exportConfig is what the export routes need besides the Service.
type exportConfig struct {
	// Chromium prints PDFs; "" finds one (export.FindChromium).
	Chromium string
	// ImportLimit bounds an imported Markdown document.
	ImportLimit int64
}

// exportConfig is what the export routes need from the server's Config;
// `debrief serve` and `debrief export` both take DEBRIEF_CHROMIUM, so they
// print with one Chromium.
func (s *Server) exportConfig() exportConfig {
	return exportConfig{Chromium: s.chromium, ImportLimit: export.MaxDocumentSize}
}

// maxInlineImages bounds the images one export fetches.
const maxInlineImages = 50

// exportFormats maps ?format= values to the canonical format.
var exportFormats = map[string]string{"md": "md", "markdown": "md", "html": "html", "pdf": "pdf", "json": "json"}

// viewerZone reads ?zone= (an IANA zone) for the times of HTML and PDF.
func viewerZone(q query) (*time.Location, error) {
	z, err := q.one("zone")
	if err != nil || z == "" {
		return time.UTC, err
	}
	loc, err := time.LoadLocation(z)
	if err != nil || strings.EqualFold(z, "local") {
		return nil, debrief.Errorf(debrief.EInvalid, "zone", "Unknown time zone %q; use an IANA name such as Europe/Berlin or UTC.", truncate(z, 60))
	}
	return loc, nil
}

// renderDocument writes doc in format as a download named after key.
func renderDocument(ctx context.Context, w http.ResponseWriter, doc *export.Document, format string, loc *time.Location, cfg exportConfig, now time.Time, public bool, key string) error {
	var body []byte
	var err error
	var contentType, ext string
	// Images are fetched from public addresses only and inlined, so the
	// file reads the same offline.
	opt := export.HTMLOptions{Location: loc, Now: now, Public: public, Images: export.PublicImages(maxInlineImages)}
	switch format {
	case "md":
		body, err = export.Markdown(doc)
		contentType, ext = "text/markdown; charset=utf-8", ".md"
	case "html":
		body, err = export.HTML(doc, opt)
		contentType, ext = "text/html; charset=utf-8", ".html"
	case "json":
		body, err = export.JSON(doc)
		contentType, ext = "application/json", ".json"
	case "pdf":
		var h []byte
		if h, err = export.HTML(doc, opt); err == nil {
			body, err = export.PDF(ctx, h, doc.Postmortem.Title, export.PDFOptions{Chromium: cfg.Chromium})
		}
		contentType, ext = "application/pdf", ".pdf"
	}
	if err != nil {
		return err
	}
	if key == "" {
		key = "postmortem"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+key+ext+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

func exportFormat(q query, def string) (string, error) {
	f, err := q.one("format")
	if err != nil {
		return "", err
	}
	if f == "" {
		return def, nil
	}
	if c, ok := exportFormats[strings.ToLower(f)]; ok {
		return c, nil
	}
	return "", debrief.Errorf(debrief.EInvalid, "format", "Unknown format %q; use md, html, pdf or json.", truncate(f, 20))
}

// exportPostmortem answers the postmortem as a Markdown, HTML, PDF or JSON
// document.
func exportPostmortem(svc *debrief.Service, cfg exportConfig) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		q, err := parseQuery(r, "format", "zone")
		if err != nil {
			return err
		}
		format, err := exportFormat(q, "md")
		if err != nil {
			return err
		}
		loc, err := viewerZone(q)
		if err != nil {
			return err
		}
		doc, err := export.Load(r.Context(), svc, id)
		if err != nil {
			return err
		}
		return renderDocument(r.Context(), w, doc, format, loc, cfg, svc.Now(), false, doc.Postmortem.Key)
	}
}

// importResultBody answers an import.
type importedPostmortem struct {
	Postmortem  *debrief.Postmortem `json:"postmortem"`
	Incident    any                 `json:"incident,omitempty"`
	Events      int                 `json:"events"`
	ActionItems int                 `json:"action_items"`
	// Plain is true when the document was not written by Debrief and was
	// read by its headings; Warnings then say what stayed text.
	Plain    bool             `json:"plain"`
	Warnings []export.Warning `json:"warnings"`
}

// importPostmortem stores a Markdown document (the raw body) as a new
// postmortem with its incident, timeline and action items, all or nothing.
// A problem in the document answers 400 naming the line.
func importPostmortem(svc *debrief.Service, cfg exportConfig) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := parseQuery(r); err != nil {
			return err
		}
		if err := sameOriginFormBody(r); err != nil {
			return err
		}
		ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
		switch ct {
		case "", "text/markdown", "text/x-markdown", "text/plain", "application/octet-stream":
		default:
			return debrief.Errorf(debrief.EUnsupported, "", "Send the Markdown document as the request body with Content-Type text/markdown, not %s.", truncate(ct, 40))
		}
		body, err := readBody(r, cfg.ImportLimit)
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return debrief.Errorf(debrief.EInvalid, "markdown", "The request body is empty; send a Markdown postmortem.")
		}
		doc, err := export.ParseMarkdown(bytes.NewReader(body))
		if err != nil {
			return err
		}
		stored, err := export.Import(r.Context(), svc, doc)
		if err != nil {
			return err
		}
		out := importedPostmortem{Postmortem: stored.Postmortem, Events: len(stored.Timeline),
			ActionItems: len(stored.ActionItems), Plain: doc.Source != nil && doc.Source.Plain, Warnings: doc.Warnings}
		if stored.Incident != nil {
			out.Incident = present(stored.Incident)
		}
		if out.Warnings == nil {
			out.Warnings = []export.Warning{}
		}
		w.Header().Set("Location", "/api/v1/postmortems/"+strconv.FormatInt(stored.Postmortem.ID, 10))
		writeJSON(w, http.StatusCreated, out)
		return nil
	}
}

// publicPreview is the public version shown beside the internal one.
type publicPreview struct {
	export.PublicReport
	Document *export.Document `json:"document"`
	HTML     string           `json:"html"`
}

// previewPublic answers the public version of a postmortem: by default as
// JSON (what was left out, how many redactions, the record and its HTML),
// or as a document with ?format=md|html|pdf|json.
func previewPublic(svc *debrief.Service, cfg exportConfig) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		q, err := parseQuery(r, "format", "zone")
		if err != nil {
			return err
		}
		f, err := q.one("format")
		if err != nil {
			return err
		}
		loc, err := viewerZone(q)
		if err != nil {
			return err
		}
		doc, err := export.Load(r.Context(), svc, id)
		if err != nil {
			return err
		}
		pub, rep := export.Public(doc)
		if f != "" {
			format, err := exportFormat(q, "")
			if err != nil {
				return err
			}
			return renderDocument(r.Context(), w, pub, format, loc, cfg, svc.Now(), true, doc.Postmortem.Key+"-public")
		}
		h, err := export.HTML(pub, export.HTMLOptions{Location: loc, Now: svc.Now(), Public: true})
		if err != nil {
			return err
		}
		if rep.LeftOut == nil {
			rep.LeftOut = []string{}
		}
		writeJSON(w, http.StatusOK, publicPreview{PublicReport: rep, Document: pub, HTML: string(h)})
		return nil
	}
}

// publicLinkBody is a public link as the API shows it; Token and URL are
// only in the answer that creates the link.
type publicLinkBody struct {
	*debrief.PublicLink
	Active bool   `json:"active"`
	Token  string `json:"token,omitempty"`
	Path   string `json:"path,omitempty"`
	URL    string `json:"url,omitempty"`
}

func createPublicLink(svc *debrief.Service, publicURL string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		if _, err := parseQuery(r); err != nil {
			return err
		}
		l, token, err := svc.CreatePublicLink(r.Context(), id)
		if err != nil {
			return err
		}
		path := "/public/" + token
		writeJSON(w, http.StatusCreated, publicLinkBody{PublicLink: l, Active: true, Token: token, Path: path, URL: baseURL(publicURL, r) + path})
		return nil
	}
}

func listPublicLinks(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		limit, after, err := pageOnly(r)
		if err != nil {
			return err
		}
		page, err := svc.PublicLinksPage(r.Context(), id, after, limit)
		if err != nil {
			return err
		}
		items := make([]publicLinkBody, len(page.Items))
		for i, l := range page.Items {
			items[i] = publicLinkBody{PublicLink: l, Active: l.Active()}
		}
		writeJSON(w, http.StatusOK, listBody[publicLinkBody]{Items: items, NextCursor: page.NextCursor})
		return nil
	}
}

func revokePublicLink(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		link, err := strconv.ParseInt(r.PathValue("link"), 10, 64)
		if err != nil || link <= 0 {
			return debrief.Errorf(debrief.ENotFound, "", "There is no public link %q.", truncate(r.PathValue("link"), 30))
		}
		l, err := svc.RevokePublicLink(r.Context(), id, link)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, publicLinkBody{PublicLink: l, Active: l.Active()})
		return nil
	}
}

// publicActor reads a postmortem for a public link: the token is the
// permission, and the page shows only the public version.
var publicActor = debrief.Actor{Name: "public link", Role: debrief.RoleViewer, Via: "public-link"}

var publicNotFound = template.Must(template.New("nf").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}</style></head>
<body><h1>This page does not exist</h1><p>The link is wrong, or whoever shared it has withdrawn it.</p></body></html>
`))

// publicPage serves the public version of a postmortem to anyone with the
// link's token, without signing in. The page is rendered from the live
// record, so it never shows stale text, and a revoked link stops at once.
func publicPage(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Robots-Tag", "noindex, nofollow")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		id, err := svc.PublicLinkPostmortem(r.Context(), r.PathValue("token"))
		if err == nil {
			var doc *export.Document
			doc, err = export.Load(debrief.WithActor(r.Context(), publicActor), svc, id)
			if err == nil {
				pub, _ := export.Public(doc)
				var page []byte
				if page, err = export.HTML(pub, export.HTMLOptions{Now: svc.Now(), Public: true}); err == nil {
					h.Set("Content-Type", "text/html; charset=utf-8")
					w.WriteHeader(http.StatusOK)
					_, _ = w.Write(page)
					return nil
				}
			}
		}
		if !debrief.IsCode(err, debrief.ENotFound) {
			return err
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		return publicNotFound.Execute(w, nil)
	}
}
