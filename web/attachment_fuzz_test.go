package web

import (
	"bytes"
	"mime"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/debriefhq/debrief/debrief"
)

// FuzzUpload feeds arbitrary Content-Types, bodies and ?filename= values
// to the upload reader and the file-name rules: nothing panics, a refusal
// is a coded error, an accepted file is at most the limit, and the name
// kept has no folder or control character and reads back exactly from
// the Content-Disposition header it is served with.
// The seed corpus is in testdata/fuzz/FuzzUpload.
func FuzzUpload(f *testing.F) {
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\x89PNG\r\n\x1a\n\r\n--X--\r\n"), "")
	f.Add("application/octet-stream", []byte("log line\n"), "Zoë \"q\";.log")
	const max = 1 << 12
	f.Fuzz(func(t *testing.T, contentType string, body []byte, filename string) {
		r := httptest.NewRequest("POST", "/api/v1/incidents/1/attachments?filename="+url.QueryEscape(filename), bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		name, data, err := readUpload(r, max)
		if err != nil {
			if debrief.ErrorCode(err) == debrief.EInternal {
				t.Fatalf("readUpload(%q) = uncoded error %v", contentType, err)
			}
			return
		}
		if len(data) > max {
			t.Fatalf("readUpload accepted %d bytes over the limit of %d", len(data), max)
		}
		clean, err := debrief.CleanFilename(name)
		if err != nil {
			if !debrief.IsCode(err, debrief.EInvalid) {
				t.Fatalf("CleanFilename(%q) = %v, want EInvalid or a name", name, err)
			}
			return
		}
		if len(clean) > debrief.MaxFilenameLen || !utf8.ValidString(clean) || strings.ContainsAny(clean, `/\`) ||
			strings.IndexFunc(clean, unicode.IsControl) >= 0 || clean != strings.TrimSpace(clean) {
			t.Fatalf("CleanFilename(%q) = %q: too long, invalid, with a folder, a control character or padding", name, clean)
		}
		for _, ct := range []string{"image/png", "text/plain"} {
			cd := contentDisposition(&debrief.Attachment{Filename: clean, ContentType: ct})
			_, params, err := mime.ParseMediaType(cd)
			if err != nil || params["filename"] != clean {
				t.Fatalf("Content-Disposition %q for %q reads back as %q, %v", cd, clean, params["filename"], err)
			}
		}
	})
}
