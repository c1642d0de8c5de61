package testenv

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one message a MailCatcher received.
type Mail struct {
	From    string
	To      []string
	Subject string
	Text    string // the text/plain part, decoded
	HTML    string // the text/html part, decoded
	Raw     []byte
}

// MailCatcher is a real SMTP server on loopback that keeps what it receives.
type MailCatcher struct {
	Addr string // host:port
	mu   sync.Mutex
	msgs []Mail
	// refuse makes every message fail with a temporary error (451).
	refuse  bool
	refused int
	// stall holds every message until it is closed, then refuses it (451):
	// a sender killed meanwhile never learns the outcome.
	stall   chan struct{}
	stalled int
	notify  chan struct{}
}

// NewMailCatcher starts one for the test's lifetime.
func NewMailCatcher(t testing.TB) *MailCatcher {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &MailCatcher{Addr: ln.Addr().String(), notify: make(chan struct{}, 1)}
	srv := smtp.NewServer(catcherBackend{c})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go srv.Serve(ln)
	t.Cleanup(func() { c.Release(); srv.Close() })
	return c
}

// URL is the catcher's smtp:// URL.
func (c *MailCatcher) URL() string { return "smtp://" + c.Addr }

// Refuse makes the catcher answer every message with a temporary failure.
func (c *MailCatcher) Refuse(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refuse = on
}

// Stall holds every message from now on, unanswered, until Release.
func (c *MailCatcher) Stall() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stall = make(chan struct{})
}

// Release refuses the held messages and stops holding new ones.
func (c *MailCatcher) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stall != nil {
		close(c.stall)
		c.stall = nil
	}
}

// Stalled is how many messages were held.
func (c *MailCatcher) Stalled() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stalled
}

// Refused is how many messages were refused.
func (c *MailCatcher) Refused() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refused
}

// Messages is what arrived so far.
func (c *MailCatcher) Messages() []Mail {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Mail(nil), c.msgs...)
}

// WaitFor waits until at least n messages arrived and returns them all.
func (c *MailCatcher) WaitFor(t testing.TB, n int, timeout time.Duration) []Mail {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if m := c.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-c.notify:
		case <-deadline:
			t.Fatalf("got %d mails, want %d", len(c.Messages()), n)
		}
	}
}

type catcherBackend struct{ c *MailCatcher }

func (b catcherBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &catcherSession{c: b.c}, nil
}

type catcherSession struct {
	c    *MailCatcher
	from string
	to   []string
}

func (s *catcherSession) Reset()        { s.from, s.to = "", nil }
func (s *catcherSession) Logout() error { return nil }
func (s *catcherSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *catcherSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *catcherSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.c.mu.Lock()
	refuse, stall := s.c.refuse, s.c.stall
	if stall != nil {
		s.c.stalled++
	}
	s.c.mu.Unlock()
	if stall != nil {
		<-stall
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "held, then refused"}
	}
	if refuse {
		s.c.mu.Lock()
		s.c.refused++
		s.c.mu.Unlock()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m := Mail{From: s.from, To: s.to, Raw: raw}
	if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		dec := new(mime.WordDecoder)
		m.Subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
		m.Text, m.HTML = parts(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	}
	s.c.mu.Lock()
	s.c.msgs = append(s.c.msgs, m)
	s.c.mu.Unlock()
	select {
	case s.c.notify <- struct{}{}:
	default:
	}
	return nil
}

// parts finds the plain-text and HTML parts of a message body.
func parts(contentType, encoding string, body io.Reader) (text, html string) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", ""
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return text, html
			}
			t, h := parts(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			text, html = text+t, html+h
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, _ := io.ReadAll(body)
	switch mt {
	case "text/plain":
		return string(b), ""
	case "text/html":
		return "", string(b)
	}
	return "", ""
}
