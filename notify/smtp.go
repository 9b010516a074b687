package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	// Addr is host:port, e.g. smtp.example.com:587.
	Addr string
	// Username and Password enable AUTH PLAIN, which is only ever sent
	// over TLS (net/smtp refuses otherwise, except to localhost).
	Username, Password string
	// From is the sender address, e.g. "Debrief <debrief@example.com>".
	From string
	// StartTLS requires the server to offer STARTTLS; without it the
	// connection is upgraded when the server offers it, and stays plain
	// when it does not.
	StartTLS bool
	// TLS configures the upgrade; nil means the system's roots and Addr's
	// host name.
	TLS *tls.Config
	// Timeout bounds one delivery; 0 means 30 seconds.
	Timeout time.Duration
}

// SMTPSender sends email notifications, one message per recipient, with
// a plain-text and an HTML part.
type SMTPSender struct {
	Config SMTPConfig
	Now    func() time.Time
}

// Send implements Sender for the email channel.
func (s *SMTPSender) Send(ctx context.Context, n *debrief.Notification, _ string) error {
	c := s.Config
	if c.Addr == "" {
		return &PermanentError{errors.New("no SMTP server is configured (serve --smtp-addr)")}
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return &PermanentError{fmt.Errorf("the sender address %q is not an address: %v", c.From, err)}
	}
	to, err := mail.ParseAddress(n.Target)
	if err != nil {
		return &PermanentError{fmt.Errorf("the recipient %q is not an address: %v", n.Target, err)}
	}
	msg, err := s.compose(n, from, to)
	if err != nil {
		return &PermanentError{err}
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn.SetDeadline(deadline)
	host, _, _ := net.SplitHostPort(c.Addr)
	cl, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer cl.Close()
	if err := cl.Hello("debrief"); err != nil {
		return err
	}
	if ok, _ := cl.Extension("STARTTLS"); ok {
		cfg := c.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := cl.StartTLS(cfg); err != nil {
			return err
		}
	} else if c.StartTLS {
		return &PermanentError{fmt.Errorf("the mail server %s does not offer STARTTLS, which --smtp-starttls requires", c.Addr)}
	}
	if c.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, host)); err != nil {
			return classifySMTP(err)
		}
	}
	if err := cl.Mail(from.Address); err != nil {
		return classifySMTP(err)
	}
	if err := cl.Rcpt(to.Address); err != nil {
		return classifySMTP(err)
	}
	w, err := cl.Data()
	if err != nil {
		return classifySMTP(err)
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return classifySMTP(err)
	}
	return cl.Quit()
}

// classifySMTP makes 5xx replies permanent: the server will refuse again.
func classifySMTP(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return &PermanentError{err}
	}
	return err
}

// compose builds the message: multipart/alternative with text and HTML,
// a Message-ID derived from the delivery (the same on every retry, so a
// mail system that saw it already can drop the copy), and
// List-Unsubscribe.
func (s *SMTPSender) compose(n *debrief.Notification, from, to *mail.Address) ([]byte, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var b bytes.Buffer
	var boundary [12]byte
	rand.Read(boundary[:])
	bound := "debrief-" + hex.EncodeToString(boundary[:])
	domain := "debrief.invalid"
	if i := strings.LastIndex(from.Address, "@"); i >= 0 {
		domain = from.Address[i+1:]
	}
	id := sha256.Sum256([]byte(n.EventKey + "\x00" + n.Target))
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", n.Message.Subject))
	header("Date", now().UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id[:16])+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Auto-Submitted", "auto-generated")
	unsub := n.Message.Unsubscribe
	if unsub == "" {
		unsub = "mailto:" + from.Address + "?subject=unsubscribe"
	}
	header("List-Unsubscribe", "<"+unsub+">")
	header("X-Debrief-Event", n.Event)
	header("Content-Type", `multipart/alternative; boundary="`+bound+`"`)
	b.WriteString("\r\n")
	part := func(ct, body string) error {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", bound, ct)
		qp := quotedprintable.NewWriter(&b)
		if _, err := qp.Write([]byte(body)); err != nil {
			return err
		}
		if err := qp.Close(); err != nil {
			return err
		}
		b.WriteString("\r\n")
		return nil
	}
	text := n.Message.Text
	if n.Message.Link != "" {
		text += "\n\nOpen in Debrief: " + n.Message.Link
	}
	if err := part("text/plain", text); err != nil {
		return nil, err
	}
	body := n.Message.HTML
	if body == "" {
		body = "<p>" + html.EscapeString(n.Message.Text) + "</p>"
		if n.Message.Link != "" {
			body += `<p><a href="` + html.EscapeString(n.Message.Link) + `">Open in Debrief</a></p>`
		}
	}
	if err := part("text/html", body); err != nil {
		return nil, err
	}
	if n.Message.Calendar != "" {
		// Last, so mail programs that understand invitations prefer it;
		// base64 keeps the calendar's CRLF line ends intact.
		fmt.Fprintf(&b, "--%s\r\nContent-Type: text/calendar; charset=utf-8; method=%s\r\nContent-Transfer-Encoding: base64\r\n\r\n", bound, calendarMethod(n.Message.CalendarMethod))
		enc := base64.StdEncoding.EncodeToString([]byte(n.Message.Calendar))
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", bound)
	return b.Bytes(), nil
}

// calendarMethod returns m if it is an iTIP method Debrief sends, else
// REQUEST, so nothing stored can inject a header parameter.
func calendarMethod(m string) string {
	switch m {
	case "REQUEST", "CANCEL", "PUBLISH":
		return m
	}
	return "REQUEST"
}
