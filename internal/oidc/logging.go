package oidc

import (
	"context"
	"log/slog"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
)

// QuietPolls wraps the handler that zitadel's provider logs through (the
// default logger) so that a device's poll still waiting for its person
// (authorization_pending) is logged at debug, not info: a device polls every
// five seconds for up to ten minutes, and an operator reading the log wants the
// answers, not the waiting. Every other record passes unchanged, slow_down (a
// device polling too fast) included, which zitadel logs as a warning.
func QuietPolls(h slog.Handler) slog.Handler { return quietPolls{h} }

type quietPolls struct{ slog.Handler }

func (q quietPolls) Enabled(ctx context.Context, l slog.Level) bool {
	// An info record may become a debug one, which Handle then decides on.
	return q.Handler.Enabled(ctx, l) || l == slog.LevelInfo
}

func (q quietPolls) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelInfo && isWaitingPoll(r) {
		r.Level = slog.LevelDebug
	}
	if !q.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return q.Handler.Handle(ctx, r)
}

func (q quietPolls) WithAttrs(as []slog.Attr) slog.Handler {
	return quietPolls{q.Handler.WithAttrs(as)}
}
func (q quietPolls) WithGroup(name string) slog.Handler { return quietPolls{q.Handler.WithGroup(name)} }

// isWaitingPoll reports whether r is zitadel's record of a token request that
// was answered authorization_pending.
func isWaitingPoll(r slog.Record) bool {
	waiting := false
	r.Attrs(func(a slog.Attr) bool {
		if e, ok := a.Value.Any().(*zoidc.Error); ok {
			waiting = e.ErrorType == zoidc.AuthorizationPending
			return false
		}
		return true
	})
	return waiting
}
