package notify_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/notify"
	"github.com/debriefhq/debrief/sqlstore"
)

// mailServer is an in-process SMTP server (emersion/go-smtp) on loopback
// that offers STARTTLS, requires AUTH PLAIN and keeps what it receives.
type mailServer struct {
	mu       sync.Mutex
	messages []receivedMail
	addr     string
	pool     *x509.CertPool
}

type receivedMail struct {
	from, to, user string
	tls            bool
	data           []byte
}

type mailBackend struct{ s *mailServer }

func (b mailBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &mailSession{s: b.s, tls: isTLS}, nil
}

type mailSession struct {
	s    *mailServer
	tls  bool
	user string
	cur  receivedMail
}

func (m *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (m *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "debrief" || password != "hunter2" {
			return errors.New("bad credentials")
		}
		m.user = username
		return nil
	}), nil
}
func (m *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if m.user == "" {
		return &smtp.SMTPError{Code: 530, Message: "Authentication required"}
	}
	m.cur = receivedMail{from: from, user: m.user}
	return nil
}
func (m *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error { m.cur.to = to; return nil }
func (m *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m.cur.data = b
	m.s.mu.Lock()
	m.s.messages = append(m.s.messages, m.cur)
	m.s.mu.Unlock()
	return nil
}
func (m *mailSession) Reset()        {}
func (m *mailSession) Logout() error { return nil }

func startMailServer(t *testing.T) *mailServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ms := &mailServer{pool: x509.NewCertPool()}
	ms.pool.AddCert(cert)
	srv := smtp.NewServer(mailBackend{ms})
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.AllowInsecureAuth = false // AUTH only after STARTTLS
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ms
}

// TestEmailOverSMTP delivers an email notification through the worker to a
// real SMTP server on loopback, over STARTTLS with AUTH, and reads what
// arrived: headers, a text and an HTML part, the link, List-Unsubscribe.
func TestEmailOverSMTP(t *testing.T) {
	ms := startMailServer(t)
	clk := newClock(start)
	svc := debrief.NewService(openDB(t, dsnFor(t, sqlstore.EngineSQLite)), debrief.WithClock(clk.now))
	sender := &notify.SMTPSender{Config: notify.SMTPConfig{Addr: ms.addr, Username: "debrief", Password: "hunter2", From: "Debrief <debrief@example.com>",
		StartTLS: true, TLS: &tls.Config{RootCAs: ms.pool, ServerName: "127.0.0.1"}}}
	msg := debrief.Message{Subject: "AI-7 is overdue: Add an alert on checkout errors", Text: "The action item AI-7 (owner dana@example.com) was due on Monday.",
		HTML: "<p>The action item <b>AI-7</b> was due on Monday.</p>", Link: "https://debrief.example.com/action-items/AI-7"}
	enqueue(t, svc, &debrief.Notification{EventKey: "action_item.overdue:AI-7:2026-04-01", Event: debrief.EventActionItemOverdue,
		Channel: debrief.ChannelEmail, Target: "dana@example.com", Message: msg})
	w := notify.NewWorker(svc, map[string]notify.Sender{debrief.ChannelEmail: sender}, notify.WorkerConfig{}, nil)
	if n, err := w.RunOnce(); n != 1 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if l := logOf(t, svc); l[0].Status != debrief.NotificationSent {
		t.Fatalf("delivery = %s %q, want sent", l[0].Status, l[0].LastError)
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if len(ms.messages) != 1 {
		t.Fatalf("mail server received %d messages, want 1", len(ms.messages))
	}
	got := ms.messages[0]
	if got.from != "debrief@example.com" || got.to != "dana@example.com" || got.user != "debrief" {
		t.Errorf("envelope from %q to %q as %q, want debrief@example.com → dana@example.com authenticated as debrief", got.from, got.to, got.user)
	}
	m, err := mail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, got.data)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subject != msg.Subject || m.Header.Get("To") != "<dana@example.com>" || !strings.Contains(m.Header.Get("From"), "debrief@example.com") {
		t.Errorf("headers Subject %q To %q From %q", subject, m.Header.Get("To"), m.Header.Get("From"))
	}
	if lu := m.Header.Get("List-Unsubscribe"); !strings.HasPrefix(lu, "<mailto:debrief@example.com") {
		t.Errorf("List-Unsubscribe = %q, want a mailto: link to the sender", lu)
	}
	if m.Header.Get("Message-Id") == "" || m.Header.Get("Date") == "" {
		t.Errorf("Message-ID %q, Date %q; want both", m.Header.Get("Message-Id"), m.Header.Get("Date"))
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, want multipart/alternative", m.Header.Get("Content-Type"))
	}
	parts := map[string]string{}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable
		parts[ct] = string(b)
	}
	if !strings.Contains(parts["text/plain"], msg.Text) || !strings.Contains(parts["text/plain"], msg.Link) {
		t.Errorf("text part = %q, want the text and the link", parts["text/plain"])
	}
	if !strings.Contains(parts["text/html"], "<b>AI-7</b>") {
		t.Errorf("HTML part = %q, want the HTML", parts["text/html"])
	}
}

// TestEmailRequiresTLS refuses to send (for good) to a server without
// STARTTLS when --smtp-starttls asks for it, and never sends the password.
func TestEmailRequiresTLS(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms := &mailServer{}
	srv := smtp.NewServer(mailBackend{ms})
	srv.AllowInsecureAuth = true
	go srv.Serve(ln)
	defer srv.Close()
	sender := &notify.SMTPSender{Config: notify.SMTPConfig{Addr: ln.Addr().String(), Username: "debrief", Password: "hunter2", From: "debrief@example.com", StartTLS: true}}
	err = sender.Send(t.Context(), &debrief.Notification{Channel: debrief.ChannelEmail, Target: "dana@example.com", Message: debrief.Message{Subject: "x", Text: "y"}}, "")
	var perm *notify.PermanentError
	if !errors.As(err, &perm) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("Send to a server without STARTTLS = %v, want a permanent error naming STARTTLS", err)
	}
	if len(ms.messages) != 0 {
		t.Errorf("server received %d messages, want none", len(ms.messages))
	}
}
