package web

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// testPNG is a PNG-signed file of n bytes.
func testPNG(n int, seed byte) []byte {
	b := make([]byte, n)
	copy(b, "\x89PNG\r\n\x1a\n")
	for i := 8; i < n; i++ {
		b[i] = byte(i)*7 + seed
	}
	return b
}

// multipartBody returns a form with one file part and its Content-Type.
func multipartBody(t *testing.T, field, filename string, data []byte) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("note", "pasted from the clipboard"); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return buf.String(), mw.FormDataContentType()
}

func TestAttachmentsAPI(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) { testAttachmentsAPI(t, newEnv(t, engine.open(t), Config{})) })
	}
}

func testAttachmentsAPI(t *testing.T, e *testEnv) {
	pm := seedPostmortem(t, e)
	incPath := "/api/v1/incidents/" + debrief.IncidentKey(*pm.IncidentID)
	pmPath := "/api/v1/postmortems/" + pm.Key

	// A screenshot pasted into the editor, as multipart/form-data.
	png := testPNG(5000, 1)
	body, ct := multipartBody(t, "file", "error rate.png", png)
	x := e.must(201, "POST", incPath+"/attachments", body, map[string]string{"Content-Type": ct})
	var shot attachmentView
	x.decode(t, &shot)
	if shot.ContentType != "image/png" || shot.Size != 5000 || shot.Filename != "error rate.png" || x.header.Get("Location") != shot.URL ||
		shot.Markdown != `![error rate.png](`+shot.URL+`)` || shot.IncidentID == nil {
		t.Fatalf("POST %s/attachments = %+v (Location %q), want a PNG of 5000 bytes with its URL and an image reference", incPath, shot, x.header.Get("Location"))
	}
	// A log with a name that needs encoding, as the raw body.
	logText := "14:02 ERROR pool exhausted\n"
	x = e.must(201, "POST", pmPath+"/attachments?filename="+strings.ReplaceAll("Zoë \"pool\".log", " ", "%20"), logText, map[string]string{"Content-Type": "application/octet-stream"})
	var logAtt attachmentView
	x.decode(t, &logAtt)
	if logAtt.ContentType != "text/plain" || logAtt.PostmortemID == nil || !strings.HasPrefix(logAtt.Markdown, "[") {
		t.Fatalf("POST %s/attachments (raw log) = %+v, want text/plain on the postmortem with a link reference", pmPath, logAtt)
	}

	var list listBody[attachmentView]
	e.must(200, "GET", incPath+"/attachments", "", nil).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != shot.ID || list.Items[0].Data != nil {
		t.Fatalf("GET %s/attachments = %+v, want the screenshot without its bytes", incPath, list.Items)
	}
	e.must(200, "GET", pmPath+"/attachments", "", nil).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != logAtt.ID {
		t.Fatalf("GET %s/attachments = %+v, want the log", pmPath, list.Items)
	}

	// The bytes, with headers that stop a browser from running anything.
	for _, tc := range []struct {
		a                    attachmentView
		data                 []byte
		contentType, dispose string
	}{
		{shot, png, "image/png", `inline; filename="error rate.png"`},
		{logAtt, []byte(logText), "text/plain; charset=utf-8", `attachment; filename*=utf-8''Zo%C3%AB%20%22pool%22.log`},
	} {
		x := e.must(200, "GET", tc.a.URL, "", nil)
		h := x.header
		if !bytes.Equal(x.body, tc.data) || h.Get("Content-Type") != tc.contentType || h.Get("Content-Disposition") != tc.dispose ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != "sandbox" {
			t.Errorf("GET %s = %d bytes, Content-Type %q, Content-Disposition %q, nosniff %q, CSP %q; want the bytes, %q, %q, nosniff, sandbox",
				tc.a.URL, len(x.body), h.Get("Content-Type"), h.Get("Content-Disposition"), h.Get("X-Content-Type-Options"), h.Get("Content-Security-Policy"), tc.contentType, tc.dispose)
		}
		_, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
		if err != nil || params["filename"] != tc.a.Filename {
			t.Errorf("Content-Disposition %q reads back as filename %q (%v), want %q", h.Get("Content-Disposition"), params["filename"], err, tc.a.Filename)
		}
		if x := e.do("GET", tc.a.URL, "", map[string]string{"If-None-Match": h.Get("ETag")}); x.status != 304 || len(x.body) != 0 {
			t.Errorf("GET %s with If-None-Match %s = %d with %d bytes, want 304 and no body", tc.a.URL, h.Get("ETag"), x.status, len(x.body))
		}
	}

	// Refusals say why and store nothing.
	svg := `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>`
	svgBody, svgType := multipartBody(t, "file", "graph.svg", []byte(svg))
	noFile, noFileType := multipartBody(t, "picture", "graph.png", png)
	huge := testPNG(debrief.DefaultMaxAttachment+1, 2)
	for _, tc := range []struct {
		name, path, body, contentType string
		status                        int
		code, field, mention          string
	}{
		{"svg", incPath + "/attachments", svgBody, svgType, 415, "unsupported", "file", "image/svg+xml"},
		{"html as raw body", incPath + "/attachments?filename=page.txt", "<!doctype html><script>alert(1)</script>", "text/html", 415, "unsupported", "file", "text/html"},
		{"zip", pmPath + "/attachments?filename=logs.zip", "PK\x03\x04....", "application/zip", 415, "unsupported", "file", "application/zip"},
		{"too big", incPath + "/attachments?filename=huge.png", string(huge), "image/png", 413, "too_large", "file", "10.0 MiB"},
		{"empty", incPath + "/attachments?filename=empty.txt", "", "text/plain", 400, "invalid", "file", "empty"},
		{"no filename", incPath + "/attachments", "some text", "text/plain", 400, "invalid", "filename", "?filename="},
		{"form without a file field", incPath + "/attachments", noFile, noFileType, 400, "invalid", "file", `"file"`},
		{"form without boundary", incPath + "/attachments", "x", "multipart/form-data", 400, "invalid", "file", "boundary"},
		{"unknown incident", "/api/v1/incidents/INC-9999/attachments?filename=a.txt", "a", "text/plain", 404, "not_found", "", ""},
	} {
		x := e.do("POST", tc.path, tc.body, map[string]string{"Content-Type": tc.contentType})
		code, field := x.errorCode()
		var eb errorBody
		x.decode(t, &eb)
		if x.status != tc.status || code != tc.code || field != tc.field || !strings.Contains(eb.Error.Message, tc.mention) {
			t.Errorf("%s: POST %s = %d %s/%s %q, want %d %s/%s mentioning %q", tc.name, tc.path, x.status, code, field, eb.Error.Message, tc.status, tc.code, tc.field, tc.mention)
		}
	}
	e.must(200, "GET", incPath+"/attachments", "", nil).decode(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("after refused uploads the incident has %d attachments, want still 1", len(list.Items))
	}

	e.must(204, "DELETE", logAtt.URL, "", nil)
	e.must(404, "GET", logAtt.URL, "", nil)
	e.must(404, "DELETE", logAtt.URL, "", nil)
	e.must(404, "GET", "/api/v1/attachments/x", "", nil)
}

// TestAttachmentUploadsConcurrent uploads through the HTTP handler from
// more clients at once than the database pool holds.
func TestAttachmentUploadsConcurrent(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			e := newEnv(t, engine.open(t), Config{})
			f := seed(t, e)
			const n = 20
			codes := make([]int, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					body, ct := multipartBody(t, "file", fmt.Sprintf("shot-%d.png", i), testPNG(150_000, byte(i)))
					r := httptestRequest("POST", "/api/v1/incidents/"+strconv.FormatInt(f.inc, 10)+"/attachments", body)
					r.Header.Set("Content-Type", ct)
					rec := newRecorder()
					<-start
					e.h.ServeHTTP(rec, r)
					codes[i] = rec.Code
				}()
			}
			close(start)
			wg.Wait()
			for i, c := range codes {
				if c != http.StatusCreated {
					t.Errorf("upload %d of %d at once = %d, want 201", i, n, c)
				}
			}
			list, err := e.svc.Attachments(e.ctx(), debrief.AttachmentFilter{IncidentID: &f.inc})
			if err != nil || len(list) != n {
				t.Fatalf("after %d concurrent uploads: %d attachments, %v; want %d", n, len(list), err, n)
			}
		})
	}
}

// TestAttachmentsInExports checks that images a section refers to are
// embedded in the HTML export as data: URIs, that the JSON export carries
// every attachment's bytes, and that the public version keeps only the
// images its sections show.
func TestAttachmentsInExports(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	pm := seedPostmortem(t, e)
	ctx := e.ctx()
	png := testPNG(2000, 9)
	shot, err := e.svc.AddAttachment(ctx, debrief.NewAttachment{IncidentID: pm.IncidentID, Filename: "error-rate.png", Data: png})
	if err != nil {
		t.Fatal(err)
	}
	hidden, err := e.svc.AddAttachment(ctx, debrief.NewAttachment{PostmortemID: &pm.ID, Filename: "internal-dashboard.png", Data: testPNG(1500, 3)})
	if err != nil {
		t.Fatal(err)
	}
	logFile, err := e.svc.AddAttachment(ctx, debrief.NewAttachment{PostmortemID: &pm.ID, Filename: "pool.log", Data: []byte("pool exhausted at 14:02\n")})
	if err != nil {
		t.Fatal(err)
	}
	summary := "Errors rose at 14:02:\n\n" + viewAttachment(shot).Markdown + "\n\nThe log: " + viewAttachment(logFile).Markdown
	cur, _ := e.svc.Postmortem(ctx, pm.ID)
	if _, err := e.svc.UpdateSection(ctx, pm.ID, "summary", debrief.SectionEdit{Body: &summary, BaseVersion: cur.Version}); err != nil {
		t.Fatal(err)
	}
	base := "/api/v1/postmortems/" + pm.Key
	pngURI := "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)

	h := string(e.must(200, "GET", base+"/export?format=html", "", nil).body)
	if !strings.Contains(h, `<img src="`+pngURI+`"`) || strings.Contains(h, `src="/api/v1/attachments/`) {
		t.Errorf("HTML export does not embed the referenced screenshot as a data: URI (or still points at the API)")
	}
	hiddenURI := "data:image/png;base64," + base64.StdEncoding.EncodeToString(testPNG(1500, 3))
	if !strings.Contains(h, hiddenURI) || !strings.Contains(h, "pool.log") || !strings.Contains(h, logFile.SHA256) {
		t.Errorf("HTML export's attachment list lacks the unreferenced image embedded or the log named with its checksum")
	}

	var doc struct {
		Attachments []debrief.Attachment `json:"attachments"`
	}
	e.must(200, "GET", base+"/export?format=json", "", nil).decode(t, &doc)
	if len(doc.Attachments) != 3 || !bytes.Equal(doc.Attachments[0].Data, png) || doc.Attachments[2].Filename != "pool.log" || string(doc.Attachments[2].Data) != "pool exhausted at 14:02\n" {
		t.Errorf("JSON export attachments = %d, want all 3 oldest first with their bytes", len(doc.Attachments))
	}

	pub := string(e.must(200, "GET", base+"/public?format=html", "", nil).body)
	if !strings.Contains(pub, pngURI) || strings.Contains(pub, hiddenURI) || strings.Contains(pub, "internal-dashboard") {
		t.Errorf("public HTML: screenshot embedded %v, unreferenced image present %v; want only the referenced one", strings.Contains(pub, pngURI), strings.Contains(pub, hiddenURI))
	}
	e.must(200, "GET", base+"/public?format=json", "", nil).decode(t, &doc)
	ids := []int64{}
	for _, a := range doc.Attachments {
		ids = append(ids, a.ID)
		if a.UploadedBy != "" {
			t.Errorf("public JSON attachment %d names its uploader %q", a.ID, a.UploadedBy)
		}
	}
	if fmt.Sprint(ids) != fmt.Sprint([]int64{shot.ID, logFile.ID}) {
		t.Errorf("public JSON attachments = %v, want the ones the summary shows (%d, %d) and not %d", ids, shot.ID, logFile.ID, hidden.ID)
	}
}
