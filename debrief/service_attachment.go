package debrief

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
)

// attachmentOptions configures attachments.
type attachmentOptions struct {
	// max is the largest file accepted, in bytes; 0 means DefaultMaxAttachment.
	max int64
}

// WithMaxAttachment sets the largest attachment accepted, in bytes.
func WithMaxAttachment(n int64) Option {
	return func(s *Service) {
		if n > 0 {
			s.attachments.max = n
		}
	}
}

// MaxAttachment returns the largest attachment accepted, in bytes, so doors
// can stop reading an upload as soon as it is too big.
func (s *Service) MaxAttachment() int64 {
	if s.attachments.max > 0 {
		return s.attachments.max
	}
	return DefaultMaxAttachment
}

// NewAttachment is an upload: the file's bytes and name, and the one
// record it is for.
type NewAttachment struct {
	IncidentID   *int64
	PostmortemID *int64
	Filename     string
	Data         []byte
}

// AddAttachment stores a file for an incident or a postmortem the caller
// can see. Its type is detected from the bytes and must be on the
// allow-list; its size must be between 1 byte and MaxAttachment. A refused
// upload stores nothing.
func (s *Service) AddAttachment(ctx context.Context, in NewAttachment) (*Attachment, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	if (in.IncidentID == nil) == (in.PostmortemID == nil) {
		return nil, Errorf(EInvalid, "incident_id", "An attachment belongs to one incident or one postmortem.")
	}
	if err := s.checkAttachmentOwner(ctx, a, in.IncidentID, in.PostmortemID); err != nil {
		return nil, err
	}
	// The name is text like any other: NUL, bytes that are not UTF-8 and
	// direction controls (which make "evil\u202Egnp.exe" read as
	// "evilexe.png") are refused, not quietly cleaned, so every door gives
	// the same answer. CleanFilename then keeps the last path element, drops
	// the other control characters (a newline) and bounds the length.
	if err := CheckText("filename", in.Filename, true); err != nil {
		return nil, err
	}
	name, err := CleanFilename(in.Filename)
	if err != nil {
		return nil, err
	}
	if len(in.Data) == 0 {
		return nil, Errorf(EInvalid, "file", "The file %s is empty; nothing was attached.", strconv.Quote(name))
	}
	if max := s.MaxAttachment(); int64(len(in.Data)) > max {
		return nil, Errorf(ETooLarge, "file", "The file %s is %s; attachments may be at most %s.", strconv.Quote(name), FormatSize(int64(len(in.Data))), FormatSize(max))
	}
	ct, err := DetectAttachmentType(in.Data, name)
	if err != nil {
		return nil, err
	}
	if !attachmentTypes[ct] {
		return nil, Errorf(EUnsupported, "file", "Files of type %s cannot be attached; %s.", ct, allowedSentence)
	}
	sum := sha256.Sum256(in.Data)
	att := &Attachment{IncidentID: in.IncidentID, PostmortemID: in.PostmortemID, Filename: name, ContentType: ct,
		Size: int64(len(in.Data)), SHA256: hex.EncodeToString(sum[:]), UploadedBy: a.Label(), CreatedAt: s.Now(), Data: in.Data}
	if err := s.store.CreateAttachment(ctx, att, s.audit(ctx, a, AuditAttachmentCreate, TargetAttachment, "", attachmentFacts(att))); err != nil {
		return nil, err
	}
	return att, nil
}

// attachmentFacts records what was attached or removed in the audit log.
func attachmentFacts(att *Attachment) []Change {
	b, _ := json.Marshal(map[string]any{"filename": att.Filename, "content_type": att.ContentType, "size": att.Size,
		"sha256": att.SHA256, "incident_id": att.IncidentID, "postmortem_id": att.PostmortemID})
	return []Change{{Field: "attachment", New: b}}
}

// checkAttachmentOwner reads the record an attachment belongs to as the
// caller, so a private incident's attachments (and those of its
// postmortem) are ENotFound to non-members, like the incident.
func (s *Service) checkAttachmentOwner(ctx context.Context, a Actor, incidentID, postmortemID *int64) error {
	if incidentID != nil {
		_, err := s.visibleIncident(ctx, a, *incidentID)
		return err
	}
	if postmortemID != nil {
		_, err := s.visiblePostmortem(ctx, a, *postmortemID)
		return err
	}
	return Errorf(ENotFound, "", "There is no such attachment.")
}

// Attachments lists every attachment of one incident or postmortem, oldest
// first, without their bytes: for an export, which includes them all.
// Lists shown to people come a page at a time from AttachmentsPage.
func (s *Service) Attachments(ctx context.Context, f AttachmentFilter) ([]*Attachment, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	if (f.IncidentID == nil) == (f.PostmortemID == nil) {
		return nil, Errorf(EInvalid, "incident_id", "List the attachments of one incident or one postmortem.")
	}
	if err := s.checkAttachmentOwner(ctx, a, f.IncidentID, f.PostmortemID); err != nil {
		return nil, err
	}
	return s.store.ListAttachments(ctx, f)
}

// Attachment returns one attachment with its bytes if the caller can see
// the record it belongs to; otherwise ENotFound, as if it did not exist.
func (s *Service) Attachment(ctx context.Context, id int64) (*Attachment, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	return s.visibleAttachment(ctx, a, id, true)
}

func (s *Service) visibleAttachment(ctx context.Context, a Actor, id int64, withData bool) (*Attachment, error) {
	att, err := s.store.Attachment(ctx, id, withData)
	if err != nil {
		return nil, err
	}
	if err := s.checkAttachmentOwner(ctx, a, att.IncidentID, att.PostmortemID); err != nil {
		if IsCode(err, ENotFound) {
			return nil, Errorf(ENotFound, "", "There is no attachment %d.", id)
		}
		return nil, err
	}
	return att, nil
}

// DeleteAttachment removes an attachment; the audit log keeps what it was
// (name, type, size, checksum, who removed it).
func (s *Service) DeleteAttachment(ctx context.Context, id int64) error {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return err
	}
	att, err := s.visibleAttachment(ctx, a, id, false)
	if err != nil {
		return err
	}
	e := s.audit(ctx, a, AuditAttachmentDelete, TargetAttachment, strconv.FormatInt(id, 10), nil)
	e.Changes = []Change{{Field: "attachment", Old: attachmentFacts(att)[0].New}}
	return s.store.DeleteAttachment(ctx, id, e)
}

// FormatSize writes a byte count the way people read file sizes.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
