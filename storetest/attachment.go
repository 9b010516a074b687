package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("Attachments", testAttachments)
	Register("ServiceAttachments", testServiceAttachments)
	Register("ServiceAttachmentsPrivate", testServiceAttachmentsPrivate)
	Register("ServiceAttachmentsConcurrent", testServiceAttachmentsConcurrent)
}

// pngBytes returns a small PNG-signed file of n bytes whose content
// depends on seed, so checksums differ.
func pngBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	copy(b, "\x89PNG\r\n\x1a\n")
	for i := 8; i < n; i++ {
		b[i] = byte(i)*31 + seed
	}
	return b
}

// testAttachments checks the store: bytes round-trip exactly, lists leave
// them out and are oldest first per owner, deletes append their audit entry,
// a missing owner is refused, and deleting the owner deletes its files.
func testAttachments(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	pm := createPostmortem(t, s, newPostmortem(&inc.ID))
	data := pngBytes(300_000, 1)
	sum := sha256.Sum256(data)
	a := &debrief.Attachment{IncidentID: &inc.ID, Filename: "error-rate.png", ContentType: "image/png", Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), UploadedBy: "alice@example.com", CreatedAt: at(time.Hour), Data: data}
	audit := &debrief.AuditEntry{At: at(time.Hour), Actor: "alice@example.com", Action: debrief.AuditAttachmentCreate, TargetType: debrief.TargetAttachment}
	must(t, s.CreateAttachment(ctx, a, audit), "CreateAttachment")
	if a.ID <= 0 || audit.TargetID != fmt.Sprint(a.ID) {
		t.Fatalf("CreateAttachment set ID %d and audit target %q, want a positive ID named by the audit entry", a.ID, audit.TargetID)
	}
	got, err := s.Attachment(ctx, a.ID, true)
	must(t, err, "Attachment(withData)")
	wantEqual(t, "Attachment(withData)", a, got)
	meta, err := s.Attachment(ctx, a.ID, false)
	must(t, err, "Attachment(without data)")
	if meta.Data != nil || meta.SHA256 != a.SHA256 || meta.Size != a.Size {
		t.Errorf("Attachment(without data) = %d bytes of data, sha %s size %d; want no data and the same facts", len(meta.Data), meta.SHA256, meta.Size)
	}
	log := &debrief.Attachment{PostmortemID: &pm.ID, Filename: "app.log", ContentType: "text/plain", Size: 5, SHA256: "x",
		UploadedBy: "bob@example.com", CreatedAt: at(2 * time.Hour), Data: []byte("hello")}
	must(t, s.CreateAttachment(ctx, log, nil), "CreateAttachment(postmortem)")
	second := *a
	second.ID, second.Filename, second.Data = 0, "p99.png", pngBytes(100, 2)
	must(t, s.CreateAttachment(ctx, &second, nil), "CreateAttachment(second)")

	list, err := s.ListAttachments(ctx, debrief.AttachmentFilter{IncidentID: &inc.ID})
	must(t, err, "ListAttachments(incident)")
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != second.ID || list[0].Data != nil {
		t.Fatalf("ListAttachments(incident) = %d items, want error-rate.png then p99.png without data", len(list))
	}
	list, err = s.ListAttachments(ctx, debrief.AttachmentFilter{PostmortemID: &pm.ID})
	must(t, err, "ListAttachments(postmortem)")
	if len(list) != 1 || list[0].Filename != "app.log" {
		t.Fatalf("ListAttachments(postmortem) = %v, want app.log only", list)
	}

	missing := int64(99999)
	bad := *a
	bad.ID, bad.IncidentID = 0, &missing
	wantCode(t, s.CreateAttachment(ctx, &bad, nil), debrief.ENotFound, "CreateAttachment(missing incident)")

	del := &debrief.AuditEntry{At: at(3 * time.Hour), Actor: "alice@example.com", Action: debrief.AuditAttachmentDelete, TargetType: debrief.TargetAttachment, TargetID: fmt.Sprint(a.ID)}
	must(t, s.DeleteAttachment(ctx, a.ID, del), "DeleteAttachment")
	if del.ID <= 0 {
		t.Errorf("DeleteAttachment left the audit entry without an ID; want it appended")
	}
	_, err = s.Attachment(ctx, a.ID, false)
	wantCode(t, err, debrief.ENotFound, "Attachment after delete")
	wantCode(t, s.DeleteAttachment(ctx, a.ID, nil), debrief.ENotFound, "DeleteAttachment twice")

	// Deleting the incident deletes its files and its postmortem's.
	must(t, s.DeleteIncident(ctx, inc.ID, inc.Version, rev(debrief.EntityIncident, inc.ID, inc.Version+1, "delete")), "DeleteIncident")
	_, err = s.Attachment(ctx, second.ID, false)
	wantCode(t, err, debrief.ENotFound, "Attachment after its incident was deleted")
}

// testServiceAttachments checks the Service's rules: the type comes from
// the bytes and must be allowed, empty and oversized files are refused
// with a sentence, names are cleaned, and uploads and deletes are audited.
func testServiceAttachments(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return base }), debrief.WithMaxAttachment(64<<10))
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ada@example.com", Role: debrief.RoleResponder})
	viewer := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "val@example.com", Role: debrief.RoleViewer})
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s"})
	must(t, err, "CreateIncident")

	for _, tc := range []struct {
		name, filename string
		data           []byte
		wantType       string
	}{
		{"png", "graph.png", pngBytes(1000, 3), "image/png"},
		{"jpeg", "photo.jpg", append([]byte("\xff\xd8\xff\xe0"), bytes.Repeat([]byte{1}, 50)...), "image/jpeg"},
		{"gif", "spinner.gif", []byte("GIF89a" + strings.Repeat("\x01", 40)), "image/gif"},
		{"webp", "shot.webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 " + strings.Repeat("\x00", 30)), "image/webp"},
		{"pdf", "report.pdf", []byte("%PDF-1.7\n1 0 obj\n"), "application/pdf"},
		{"log", "app.log", []byte("2026-03-05T14:02:03Z ERROR pool exhausted\n\x1b[31mred\x1b[0m\n"), "text/plain"},
		{"csv", "errors.CSV", []byte("minute,errors\n14:02,31\n"), "text/csv"},
		{"json", "alert.json", []byte(`{"status":"firing","alerts":[]}`), "application/json"},
		{"folders stripped", `C:\Users\ada\Desktop\notes.txt`, []byte("notes"), "text/plain"},
	} {
		att, err := svc.AddAttachment(ctx, debrief.NewAttachment{IncidentID: &inc.ID, Filename: tc.filename, Data: tc.data})
		must(t, err, "AddAttachment("+tc.name+")")
		sum := sha256.Sum256(tc.data)
		if att.ContentType != tc.wantType || att.SHA256 != hex.EncodeToString(sum[:]) || att.Size != int64(len(tc.data)) || att.UploadedBy != "ada@example.com" {
			t.Errorf("AddAttachment(%s) = type %s sha %s size %d by %s; want %s, the bytes' checksum and size, ada", tc.name, att.ContentType, att.SHA256, att.Size, att.UploadedBy, tc.wantType)
		}
		if strings.ContainsAny(att.Filename, `/\`) {
			t.Errorf("AddAttachment(%s) kept the name %q, want no folders", tc.name, att.Filename)
		}
		got, err := svc.Attachment(viewer, att.ID)
		must(t, err, "Attachment("+tc.name+") as a viewer")
		if !bytes.Equal(got.Data, tc.data) {
			t.Errorf("Attachment(%s) returned %d bytes that differ from the %d uploaded", tc.name, len(got.Data), len(tc.data))
		}
	}

	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	for _, tc := range []struct {
		name, filename string
		data           []byte
		code, mention  string
	}{
		{"empty", "empty.png", nil, debrief.EInvalid, "empty"},
		{"too big", "huge.png", pngBytes(64<<10+1, 4), debrief.ETooLarge, "at most 64.0 KiB"},
		{"svg", "graph.svg", svg, debrief.EUnsupported, "image/svg+xml"},
		{"html", "page.png", []byte("<!DOCTYPE html><script>alert(1)</script>"), debrief.EUnsupported, "text/html"},
		{"zip", "logs.zip", []byte("PK\x03\x04rest"), debrief.EUnsupported, "application/zip"},
		{"binary", "core.dump", []byte{0, 1, 2, 3, 0xff, 0xfe}, debrief.EUnsupported, "application/octet-stream"},
		{"no name", " / ", []byte("text"), debrief.EInvalid, "name"},
	} {
		_, err := svc.AddAttachment(ctx, debrief.NewAttachment{IncidentID: &inc.ID, Filename: tc.filename, Data: tc.data})
		wantCode(t, err, tc.code, "AddAttachment("+tc.name+")")
		if !strings.Contains(debrief.ErrorMessage(err), tc.mention) {
			t.Errorf("AddAttachment(%s) says %q, want it to mention %q", tc.name, debrief.ErrorMessage(err), tc.mention)
		}
	}
	_, err = svc.AddAttachment(viewer, debrief.NewAttachment{IncidentID: &inc.ID, Filename: "a.txt", Data: []byte("a")})
	wantCode(t, err, debrief.EForbidden, "AddAttachment(viewer)")
	missing := int64(4242)
	_, err = svc.AddAttachment(ctx, debrief.NewAttachment{IncidentID: &missing, Filename: "a.txt", Data: []byte("a")})
	wantCode(t, err, debrief.ENotFound, "AddAttachment(missing incident)")

	list, err := svc.Attachments(viewer, debrief.AttachmentFilter{IncidentID: &inc.ID})
	must(t, err, "Attachments")
	if len(list) != 9 {
		t.Fatalf("Attachments = %d, want the 9 accepted files and none of the refused ones", len(list))
	}
	wantCode(t, svc.DeleteAttachment(viewer, list[0].ID), debrief.EForbidden, "DeleteAttachment(viewer)")
	must(t, svc.DeleteAttachment(ctx, list[0].ID), "DeleteAttachment")
	_, err = svc.Attachment(ctx, list[0].ID)
	wantCode(t, err, debrief.ENotFound, "Attachment after delete")
	audit, err := s.ListAudit(ctxOf(t), debrief.AuditFilter{Action: debrief.AuditAttachmentDelete})
	must(t, err, "ListAudit(attachment.delete)")
	if len(audit.Items) != 1 || audit.Items[0].TargetID != fmt.Sprint(list[0].ID) || audit.Items[0].Actor != "ada@example.com" ||
		len(audit.Items[0].Changes) != 1 || !strings.Contains(string(audit.Items[0].Changes[0].Old), list[0].SHA256) {
		t.Errorf("audit of the delete = %+v, want one entry by ada naming the file and its checksum", audit.Items)
	}
	created, err := s.ListAudit(ctxOf(t), debrief.AuditFilter{Action: debrief.AuditAttachmentCreate})
	must(t, err, "ListAudit(attachment.create)")
	if len(created.Items) != 9 {
		t.Errorf("audit has %d attachment.create entries, want 9", len(created.Items))
	}
}

// testServiceAttachmentsPrivate checks a private incident's attachments,
// and its postmortem's, are ENotFound to a non-member, on every call.
func testServiceAttachmentsPrivate(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return base }))
	member := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ada@example.com", Role: debrief.RoleResponder})
	outsider := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "bob@example.com", Role: debrief.RoleResponder})
	priv, err := svc.CreateIncident(member, &debrief.Incident{Title: "Credential leak", Private: true})
	must(t, err, "CreateIncident(private)")
	pm, err := svc.CreatePostmortem(member, debrief.NewPostmortem{IncidentID: &priv.ID})
	must(t, err, "CreatePostmortem")
	ia, err := svc.AddAttachment(member, debrief.NewAttachment{IncidentID: &priv.ID, Filename: "leak.png", Data: pngBytes(100, 5)})
	must(t, err, "AddAttachment(incident, member)")
	pa, err := svc.AddAttachment(member, debrief.NewAttachment{PostmortemID: &pm.ID, Filename: "keys.txt", Data: []byte("rotated")})
	must(t, err, "AddAttachment(postmortem, member)")
	for name, fn := range map[string]func() error{
		"Attachment(incident's)":   func() error { _, err := svc.Attachment(outsider, ia.ID); return err },
		"Attachment(postmortem's)": func() error { _, err := svc.Attachment(outsider, pa.ID); return err },
		"Attachments(incident)": func() error {
			_, err := svc.Attachments(outsider, debrief.AttachmentFilter{IncidentID: &priv.ID})
			return err
		},
		"Attachments(postmortem)": func() error {
			_, err := svc.Attachments(outsider, debrief.AttachmentFilter{PostmortemID: &pm.ID})
			return err
		},
		"AddAttachment(incident)": func() error {
			_, err := svc.AddAttachment(outsider, debrief.NewAttachment{IncidentID: &priv.ID, Filename: "x.txt", Data: []byte("x")})
			return err
		},
		"AddAttachment(postmortem)": func() error {
			_, err := svc.AddAttachment(outsider, debrief.NewAttachment{PostmortemID: &pm.ID, Filename: "x.txt", Data: []byte("x")})
			return err
		},
		"DeleteAttachment": func() error { return svc.DeleteAttachment(outsider, ia.ID) },
	} {
		wantCode(t, fn(), debrief.ENotFound, name+" by a non-member")
	}
	if _, err := svc.Attachment(member, pa.ID); err != nil {
		t.Errorf("Attachment(postmortem's) by a member = %v, want it", err)
	}
}

// testServiceAttachmentsConcurrent uploads from more clients at once than
// any pool holds: every upload is stored whole, with its own checksum.
func testServiceAttachmentsConcurrent(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return base }))
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ada@example.com", Role: debrief.RoleResponder})
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s"})
	must(t, err, "CreateIncident")
	const n = 24
	var wg sync.WaitGroup
	ids := make([]int64, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			att, err := svc.AddAttachment(ctx, debrief.NewAttachment{IncidentID: &inc.ID, Filename: fmt.Sprintf("shot-%02d.png", i), Data: pngBytes(200_000+i, byte(i))})
			if err == nil {
				ids[i] = att.ID
			}
			errs[i] = err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("upload %d of %d at once = %v, want it stored", i, n, err)
		}
	}
	list, err := svc.Attachments(ctx, debrief.AttachmentFilter{IncidentID: &inc.ID})
	must(t, err, "Attachments")
	if len(list) != n {
		t.Fatalf("after %d concurrent uploads the incident has %d attachments", n, len(list))
	}
	for i, id := range ids {
		got, err := svc.Attachment(ctx, id)
		must(t, err, "Attachment")
		if !bytes.Equal(got.Data, pngBytes(200_000+i, byte(i))) || got.Filename != fmt.Sprintf("shot-%02d.png", i) {
			t.Errorf("attachment %d holds %d bytes named %q, want upload %d's bytes and name", id, len(got.Data), got.Filename, i)
		}
	}
}
