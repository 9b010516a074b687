package web

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// uiTeam is who the UI tests sign in as: rita and otto (responders) and
// vic (a viewer), each with a session cookie.
type uiTeam struct {
	cookie map[string]*http.Cookie
	users  map[string]*debrief.User
}

// as acts as one of the team in direct Service calls.
func (c uiTeam) as(name string) context.Context {
	return debrief.WithActor(context.Background(), c.users[name].Actor("test"))
}

// newUITeam serves the UI on store and signs the team in.
func newUITeam(t *testing.T, store debrief.Store, opts ...debrief.Option) (*debrief.Service, http.Handler, uiTeam) {
	t.Helper()
	svc := debrief.NewService(store, append([]debrief.Option{debrief.WithPasswordHasher(storetest.FastHasher)}, opts...)...)
	h := New(Config{Service: svc, InsecureCookies: true}).Handler()
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	c := uiTeam{cookie: map[string]*http.Cookie{}, users: map[string]*debrief.User{}}
	for name, role := range map[string]debrief.Role{"rita": debrief.RoleResponder, "otto": debrief.RoleResponder, "vic": debrief.RoleViewer} {
		u, err := svc.CreateUser(sys, debrief.NewUser{Email: name + "@example.com", Name: strings.ToUpper(name[:1]) + name[1:], Role: role, Password: authPassword})
		if err != nil {
			t.Fatal(err)
		}
		c.users[name] = u
		c.cookie[name] = uiSignIn(t, h, name+"@example.com")
	}
	return svc, h, c
}

// graphPNG is a PNG a browser can show that looks like a pasted graph: an
// error rate that rises and falls, width by height pixels.
func graphPNG(t testing.TB, width, height int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for x := range width {
		peak := height / 8
		if x > width/3 && x < 2*width/3 {
			peak = height * 3 / 4
		}
		for y := range height {
			c := color.RGBA{246, 247, 249, 255}
			if height-y < peak {
				c = color.RGBA{31, 95, 191, 255}
			}
			if y%(height/4) == 0 {
				c = color.RGBA{213, 217, 224, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// realPNG is a small PNG image a browser can show.
func realPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for x := range 24 {
		for y := range 16 {
			img.Set(x, y, color.RGBA{uint8(x * 10), uint8(y * 15), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// uiUpload posts the editor's plain upload form, as a browser without
// JavaScript does.
func uiUpload(t *testing.T, h http.Handler, path, filename string, data []byte, c *http.Cookie) *httptest.ResponseRecorder {
	body, ct := multipartBody(t, "file", filename, data)
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.RemoteAddr = "192.0.2.20:5000"
	req.AddCookie(c)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestUIAttachmentsPlainForms: without JavaScript a file is attached from
// the editor's form and listed with its Markdown reference; a file over
// the limit or of a refused type comes back as a sentence next to the form
// with nothing stored; the reading view shows images inline and lists the
// files; delete is for responders and audited; a private incident's
// postmortem's files are 404 to a non-member on every page path.
func TestUIAttachmentsPlainForms(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			svc, h, c := newUITeam(t, engine.open(t), debrief.WithMaxAttachment(4<<10))
			sys := debrief.WithActor(context.Background(), debrief.SystemActor)
			rita := c.as("rita")
			inc, err := svc.CreateIncident(rita, &debrief.Incident{Title: "Checkout API returned 500s for 40 minutes", StartedAt: time.Now().Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			pm, err := svc.CreatePostmortem(rita, debrief.NewPostmortem{IncidentID: &inc.ID})
			if err != nil {
				t.Fatal(err)
			}
			ritaC, vicC, ottoC := c.cookie["rita"], c.cookie["vic"], c.cookie["otto"]
			upload := "/postmortems/" + pm.Key + "/attachments"

			// Attached, then named in the editor with its reference.
			rec := uiUpload(t, h, upload, "error-rate.png", realPNG(t), ritaC)
			loc := rec.Header().Get("Location")
			if rec.Code != 303 || !strings.HasPrefix(loc, "/postmortems/"+pm.Key+"/edit?attached=") {
				t.Fatalf("upload = %d to %q; want 303 to the editor naming the file\n%s", rec.Code, loc, rec.Body)
			}
			list, _ := svc.Attachments(rita, debrief.AttachmentFilter{PostmortemID: &pm.ID})
			if len(list) != 1 || list[0].ContentType != "image/png" {
				t.Fatalf("after the upload the postmortem has %+v; want one PNG", list)
			}
			ref := "![error-rate.png](" + AttachmentURL(list[0].ID) + ")"
			// A browser does not send the #fragment.
			page := uiRequest(h, "GET", strings.Split(loc, "#")[0], nil, ritaC).Body.String()
			for _, want := range []string{"Attached error-rate.png", ref, `action="/attachments/` + strconv.FormatInt(list[0].ID, 10) + `/delete"`, `enctype="multipart/form-data"`, "/static/attach."} {
				if !strings.Contains(unescaped(page), want) {
					t.Errorf("the editor after the upload (%s) does not show %q:\n%s", loc, want, between(unescaped(page), `id="attachments"`, "</section>"))
				}
			}

			// Refused uploads: a sentence next to the form, nothing stored.
			for _, tc := range []struct {
				name   string
				data   []byte
				status int
				want   string
			}{
				{"big.png", append(realPNG(t), make([]byte, 5<<10)...), 413, "at most 4.0 KiB"},
				{"page.html", []byte("<!doctype html><html><body><script>alert(1)</script></body></html>"), 415, "cannot be attached"},
				{"empty.txt", nil, 400, "is empty"},
			} {
				rec := uiUpload(t, h, upload, tc.name, tc.data, ritaC)
				body := unescaped(rec.Body.String())
				if rec.Code != tc.status || !strings.Contains(body, `id="attach-file-error"`) || !strings.Contains(body, tc.want) {
					t.Errorf("upload %s = %d; want %d with %q next to the form:\n%s", tc.name, rec.Code, tc.status, tc.want, between(body, `id="attachments"`, "</section>"))
				}
			}
			if list, _ := svc.Attachments(rita, debrief.AttachmentFilter{PostmortemID: &pm.ID}); len(list) != 1 {
				t.Errorf("refused uploads stored files: %d attachments, want 1", len(list))
			}

			// The reading view: the image inline where the text refers to
			// it, and every file listed.
			body := "The error rate rose at 14:02.\n\n" + ref
			if _, err := svc.UpdateSection(rita, pm.ID, pm.Sections[0].Key, debrief.SectionEdit{Body: &body, BaseVersion: pm.Sections[0].Version}); err != nil {
				t.Fatal(err)
			}
			read := unescaped(uiRequest(h, "GET", "/postmortems/"+pm.Key, nil, vicC).Body.String())
			if !strings.Contains(read, `<img src="`+AttachmentURL(list[0].ID)+`" alt="error-rate.png"`) || !strings.Contains(read, `id="attachments"`) {
				t.Errorf("the reading view does not show the image inline and the list of files:\n%s", read)
			}
			if strings.Contains(read, "/delete") {
				t.Error("a viewer's reading view has a delete control")
			}

			// Delete: not for a viewer; a responder's is audited.
			del := "/attachments/" + strconv.FormatInt(list[0].ID, 10) + "/delete"
			if rec := uiRequest(h, "POST", del, url.Values{}, vicC); rec.Code != 403 {
				t.Errorf("viewer POST %s = %d; want 403", del, rec.Code)
			}
			if rec := uiRequest(h, "POST", del, url.Values{}, ottoC); rec.Code != 303 || rec.Header().Get("Location") != "/postmortems/"+pm.Key+"/edit#attachments" {
				t.Errorf("POST %s = %d to %q; want 303 to the editor", del, rec.Code, rec.Header().Get("Location"))
			}
			if list, _ := svc.Attachments(rita, debrief.AttachmentFilter{PostmortemID: &pm.ID}); len(list) != 0 {
				t.Errorf("after delete %d attachments are left", len(list))
			}
			audit, err := svc.Store().ListAudit(sys, debrief.AuditFilter{Action: debrief.AuditAttachmentDelete})
			if err != nil || len(audit.Items) != 1 || audit.Items[0].Actor != "otto@example.com" {
				t.Errorf("audit of the delete = %+v, %v; want one entry by otto", audit.Items, err)
			}

			// A private incident's postmortem: its files are as private.
			priv, err := svc.CreateIncident(rita, &debrief.Incident{Title: "Payroll export went to the wrong bucket", Private: true, Members: []string{"rita@example.com"}, StartedAt: time.Now().Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			ppm, err := svc.CreatePostmortem(rita, debrief.NewPostmortem{IncidentID: &priv.ID})
			if err != nil {
				t.Fatal(err)
			}
			if rec := uiUpload(t, h, "/postmortems/"+ppm.Key+"/attachments", "payroll.png", realPNG(t), ritaC); rec.Code != 303 {
				t.Fatalf("member's upload to the private postmortem = %d", rec.Code)
			}
			plist, _ := svc.Attachments(rita, debrief.AttachmentFilter{PostmortemID: &ppm.ID})
			if len(plist) != 1 {
				t.Fatalf("private postmortem's files = %d", len(plist))
			}
			pid := strconv.FormatInt(plist[0].ID, 10)
			for _, probe := range []struct{ method, path string }{
				{"GET", "/postmortems/" + ppm.Key + "/attachments"},
				{"GET", "/postmortems/" + ppm.Key + "/edit"},
				{"GET", "/postmortems/" + ppm.Key},
				{"GET", "/api/v1/attachments/" + pid},
				{"POST", "/attachments/" + pid + "/delete"},
			} {
				var form url.Values
				if probe.method == "POST" {
					form = url.Values{}
				}
				rec := uiRequest(h, probe.method, probe.path, form, ottoC)
				if rec.Code != 404 || strings.Contains(rec.Body.String(), "payroll") {
					t.Errorf("non-member %s %s = %d; want 404 without the file's name", probe.method, probe.path, rec.Code)
				}
			}
			if rec := uiUpload(t, h, "/postmortems/"+ppm.Key+"/attachments", "x.png", realPNG(t), ottoC); rec.Code != 404 {
				t.Errorf("non-member upload to the private postmortem = %d; want 404", rec.Code)
			}
			if rec := uiRequest(h, "GET", "/postmortems/"+ppm.Key+"/attachments", nil, ritaC); rec.Code != 200 || !strings.Contains(rec.Body.String(), "payroll.png") {
				t.Errorf("member GET the private postmortem's files = %d", rec.Code)
			}
		})
	}
}

// unescaped undoes the escaping of the few characters the tests look for.
func unescaped(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#43;", "+").Replace(s)
}

// between returns the part of s from the first from to the next to, for
// failure messages.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return s
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}
