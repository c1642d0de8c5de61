package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// SignatureHeader carries the webhook's signature: t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<t>.<body>" keyed with the shared secret>. Receivers check it
// and refuse stale timestamps, so that a captured call cannot be replayed.
const SignatureHeader = "Firstkey-Signature"

// Webhook posts deliveries as signed JSON to one URL.
type Webhook struct {
	url    string
	secret []byte
	client *http.Client
}

// NewWebhook checks the URL and secret.
func NewWebhook(rawURL string, secret []byte) (*Webhook, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("webhook URL: expected https://host/path")
	}
	if len(secret) < 16 {
		return nil, fmt.Errorf("webhook secret: at least 16 bytes are needed, the file holds %d", len(secret))
	}
	return &Webhook{url: rawURL, secret: secret, client: &http.Client{Timeout: sendTimeout}}, nil
}

// Sign is the signature header's value for body at t.
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Post sends body; any answer but 2xx is a failure to retry.
func (w *Webhook) Post(ctx context.Context, deliveryID string, body []byte, now time.Time) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "firstkey")
	req.Header.Set("Firstkey-Delivery", deliveryID)
	req.Header.Set(SignatureHeader, Sign(w.secret, body, now))
	resp, err := w.client.Do(req)
	if err != nil {
		// The error names the URL, never the body.
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}
