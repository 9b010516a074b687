package debrief

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestDetectAttachmentTypeAgreesWithBrowsers checks the signatures against
// the sniffing algorithm browsers use (net/http implements it): for every
// binary type accepted, both name the same type.
func TestDetectAttachmentTypeAgreesWithBrowsers(t *testing.T) {
	for _, data := range []string{
		"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
		"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
		"GIF87a\x01\x00\x01\x00",
		"GIF89a\x01\x00\x01\x00",
		"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00",
		"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
	} {
		got, err := DetectAttachmentType([]byte(data), "x")
		want, _, _ := strings.Cut(http.DetectContentType([]byte(data)), ";")
		if err != nil || got != want {
			t.Errorf("DetectAttachmentType(%q) = %q, %v; http.DetectContentType says %q", data[:8], got, err, want)
		}
	}
}

func TestDetectAttachmentType(t *testing.T) {
	for _, tc := range []struct {
		name, data, filename string
		want                 string // "" when refused
		mention              string
	}{
		{"log", "14:02 ERROR pool exhausted\n", "app.log", "text/plain", ""},
		{"log with colours and tabs", "\x1b[31mERROR\x1b[0m\tpool\r\n", "app.log", "text/plain", ""},
		{"csv by name", "a,b\n1,2\n", "data.csv", "text/csv", ""},
		{"json object", ` {"a": [1, 2]}`, "alert.txt", "application/json", ""},
		{"json array with BOM", "\xef\xbb\xbf[1,2]", "x.json", "application/json", ""},
		{"not quite json", `{"a": `, "x.json", "text/plain", ""},
		{"utf-8 text", "Zoë wrote: ✓ done", "notes", "text/plain", ""},
		{"svg", `<svg xmlns="http://www.w3.org/2000/svg"/>`, "g.png", "", "image/svg+xml"},
		{"svg after xml declaration", "<?xml version=\"1.0\"?>\n<!-- c -->\n<svg/>", "g.svg", "", "image/svg+xml"},
		{"svg with leading space", "  \n<SVG onload=alert(1)>", "g", "", "image/svg+xml"},
		{"html", "<!DOCTYPE html><p>x", "a.txt", "", "text/html"},
		{"html script", "<script>alert(1)</script>", "a.log", "", "text/html"},
		{"xml", "<?xml version=\"1.0\"?><feed/>", "a.xml", "", "text/xml"},
		{"zip", "PK\x03\x04\x14\x00", "a.csv", "", "application/zip"},
		{"gzip", "\x1f\x8b\x08\x00", "a.log.gz", "", "application/gzip"},
		{"mp4", "\x00\x00\x00\x18ftypmp42", "v.mp4", "", "video/mp4"},
		{"latin-1 text", "caf\xe9", "a.txt", "", "application/octet-stream"},
		{"nul bytes", "a\x00b", "a.txt", "", "application/octet-stream"},
	} {
		got, err := DetectAttachmentType([]byte(tc.data), tc.filename)
		if tc.want != "" {
			if err != nil || got != tc.want {
				t.Errorf("%s: DetectAttachmentType = %q, %v; want %q", tc.name, got, err, tc.want)
			}
			continue
		}
		if !IsCode(err, EUnsupported) || !strings.Contains(ErrorMessage(err), tc.mention) {
			t.Errorf("%s: DetectAttachmentType = %q, %v; want EUnsupported naming %s", tc.name, got, err, tc.mention)
		}
	}
}

func TestCleanFilename(t *testing.T) {
	long := strings.Repeat("é", 200) + ".png"
	for _, tc := range []struct{ in, want string }{
		{"graph.png", "graph.png"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\ada\shot.png`, "shot.png"},
		{" spaced name.txt ", "spaced name.txt"},
		{"new\nline\x00.log", "newline.log"},
		{"evil\u202egnp.exe", "evilgnp.exe"},
		{"bad\xffutf8.txt", "bad\uFFFDutf8.txt"},
	} {
		got, err := CleanFilename(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CleanFilename(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	got, err := CleanFilename(long)
	if err != nil || len(got) > MaxFilenameLen || !strings.HasSuffix(got, ".png") || !utf8.ValidString(got) {
		t.Errorf("CleanFilename(%d bytes) = %d bytes %q…, %v; want at most %d valid UTF-8 bytes ending .png", len(long), len(got), got[:min(10, len(got))], err, MaxFilenameLen)
	}
	for _, in := range []string{"", "  ", "dir/", "..", `a\`} {
		if _, err := CleanFilename(in); !IsCode(err, EInvalid) {
			t.Errorf("CleanFilename(%q) = %v, want EInvalid", in, err)
		}
	}
}

// FuzzDetectAttachmentType checks that any bytes get an allowed type or a
// coded refusal, and that nothing called text holds a NUL or bad UTF-8.
func FuzzDetectAttachmentType(f *testing.F) {
	for _, s := range []string{"\x89PNG\r\n\x1a\n", "GIF89a", "RIFF\x00\x00\x00\x00WEBP", "%PDF-1.4", "{\"a\":1}", "a,b\n", "<svg/>", "\xef\xbb\xbf<?xml?><svg>", "caf\xe9"} {
		f.Add([]byte(s), "file.csv")
	}
	allowed := map[string]bool{}
	for _, t := range AttachmentTypes() {
		allowed[t] = true
	}
	f.Fuzz(func(t *testing.T, data []byte, filename string) {
		ct, err := DetectAttachmentType(data, filename)
		if err != nil {
			if !IsCode(err, EUnsupported) {
				t.Fatalf("DetectAttachmentType = %v, want EUnsupported or a type", err)
			}
			return
		}
		if !allowed[ct] {
			t.Fatalf("DetectAttachmentType = %q, which is not on the allow-list", ct)
		}
		if (strings.HasPrefix(ct, "text/") || ct == "application/json") && (!utf8.Valid(data) || strings.ContainsRune(string(data), 0)) {
			t.Fatalf("DetectAttachmentType(%q) = %q for bytes that are not text", data, ct)
		}
	})
}
