// Package notify delivers Debrief's notifications: it turns changes to the
// record and due dates into messages (producer.go), queues them in the
// store's outbox, and sends them from background workers (worker.go) to
// Slack incoming webhooks, signed generic webhooks and email over SMTP
// (this file).
//
// The outbox is a table of the main database, not a job-queue library:
// see docs/ARCHITECTURE.md for why.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Webhook headers. The signature covers the timestamp and the body, so a
// captured delivery cannot be replayed later with a new timestamp:
//
//	Debrief-Signature: t=1767225600,v1=<hex HMAC-SHA256(secret, "1767225600." + body)>
//
// Receivers recompute the HMAC with the channel's secret, compare in
// constant time, and reject timestamps more than a few minutes old.
// Debrief-Delivery is the same for every retry of one delivery, so a
// receiver can drop a repeat.
const (
	HeaderSignature = "Debrief-Signature"
	HeaderEvent     = "Debrief-Event"
	HeaderDelivery  = "Debrief-Delivery"
)

// Sign returns the Debrief-Signature value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// PermanentError is a failure that retrying cannot fix (a 404 or 400 from
// the receiver, an address the mail server refuses): the worker gives up
// at once instead of backing off.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Sender delivers one notification over one kind of channel.
type Sender interface {
	Send(ctx context.Context, n *debrief.Notification, secret string) error
}

// HTTPSender posts Slack and generic webhooks.
type HTTPSender struct {
	Client *http.Client
	Now    func() time.Time
}

func (h *HTTPSender) client() *http.Client {
	if h.Client != nil {
		return h.Client
	}
	return &http.Client{Timeout: 15 * time.Second}
}

// Send implements Sender for the slack and webhook channels.
func (h *HTTPSender) Send(ctx context.Context, n *debrief.Notification, secret string) error {
	var body []byte
	var err error
	switch n.Channel {
	case debrief.ChannelSlack:
		text := n.Message.Text
		if n.Message.Link != "" {
			text += "\n<" + n.Message.Link + "|Open in Debrief>"
		}
		body, err = json.Marshal(map[string]string{"text": "*" + n.Message.Subject + "*\n" + text})
	case debrief.ChannelWebhook:
		body = n.Message.Data
		if len(body) == 0 {
			body, err = json.Marshal(map[string]any{"event": n.Event, "subject": n.Message.Subject, "text": n.Message.Text, "link": n.Message.Link})
		}
	default:
		return &PermanentError{fmt.Errorf("notify: HTTPSender cannot send to a %s channel", n.Channel)}
	}
	if err != nil {
		return &PermanentError{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.Target, bytes.NewReader(body))
	if err != nil {
		return &PermanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Debrief-Notifications")
	if n.Channel == debrief.ChannelWebhook {
		now := time.Now
		if h.Now != nil {
			now = h.Now
		}
		req.Header.Set(HeaderEvent, n.Event)
		req.Header.Set(HeaderDelivery, strconv.FormatInt(n.ID, 10))
		if secret != "" {
			req.Header.Set(HeaderSignature, Sign(secret, now(), body))
		}
	}
	resp, err := h.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("the receiver answered %s: %s", resp.Status, bytes.TrimSpace(snippet))
	}
	return &PermanentError{fmt.Errorf("the receiver refused the delivery with %s: %s", resp.Status, bytes.TrimSpace(snippet))}
}
