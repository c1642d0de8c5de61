package oidc

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
)

// zitadel logs every OAuth error it answers as slog.Log(ctx, err.LogLevel(),
// "request error", slog.Any("oidc_error", err)); these are its errors.
func TestQuietPolls(t *testing.T) {
	logAll := func(level slog.Level) string {
		var buf bytes.Buffer
		log := slog.New(QuietPolls(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: level}))).With("service", "oidc")
		for _, e := range []*zoidc.Error{zoidc.ErrAuthorizationPending(), zoidc.ErrSlowDown(), zoidc.ErrAccessDenied(),
			zoidc.ErrExpiredDeviceCode(), zoidc.ErrInvalidGrant()} {
			log.Log(context.Background(), e.LogLevel(), "request error", slog.Any("oidc_error", e))
		}
		log.Info("signing keys rotated")
		return buf.String()
	}

	info := logAll(slog.LevelInfo)
	if strings.Contains(info, `"type":"authorization_pending"`) {
		t.Errorf("at info level the log has a waiting poll:\n%s", info)
	}
	for _, kept := range []string{`"level":"WARN","msg":"request error","service":"oidc","oidc_error":{"description":"Polling should continue`, `"type":"access_denied"`, `"type":"expired_token"`, `"type":"invalid_grant"`, `"msg":"signing keys rotated"`, `"service":"oidc"`} {
		if !strings.Contains(info, kept) {
			t.Errorf("at info level the log lacks %s:\n%s", kept, info)
		}
	}

	debug := logAll(slog.LevelDebug)
	if n := strings.Count(debug, `"level":"DEBUG","msg":"request error"`); n != 1 {
		t.Errorf("at debug level %d waiting polls are logged at debug, want 1:\n%s", n, debug)
	}
	if !strings.Contains(debug, `"level":"WARN","msg":"request error"`) {
		t.Errorf("a refusal lost its level:\n%s", debug)
	}
}
