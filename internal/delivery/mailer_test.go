package delivery

import (
	"strings"
	"testing"
)

func TestNewMailerRefusesBadConfiguration(t *testing.T) {
	for _, tc := range []struct{ url, from, want string }{
		{"http://mail.example.com", "a@example.com", "scheme must be smtp:// or smtps://"},
		{"smtp://mail.example.com:99999", "a@example.com", "not a port number"},
		{"mail.example.com", "a@example.com", "expected smtp://"},
		{"smtp://mail.example.com", "not an address", "--smtp-from"},
	} {
		_, err := NewMailer(tc.url, tc.from)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewMailer(%q, %q) = %v; want an error containing %q", tc.url, tc.from, err, tc.want)
		}
	}
	if _, err := NewMailer("smtps://user:secret@mail.example.com", "a@example.com"); err != nil {
		t.Fatal(err)
	}
	// The password never shows in an error about the URL.
	if _, err := NewMailer("ftp://user:hunter2@mail.example.com", "a@example.com"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %v", err)
	}
}

func TestNewWebhookNeedsALongSecret(t *testing.T) {
	if _, err := NewWebhook("https://hooks.example.com/x", []byte("short")); err == nil {
		t.Fatal("a 5-byte secret was accepted")
	}
	if _, err := NewWebhook("ftp://hooks.example.com/x", []byte("0123456789abcdef")); err == nil {
		t.Fatal("an ftp URL was accepted")
	}
}
