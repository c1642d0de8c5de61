package oidc

import (
	"context"
	"errors"
	"testing"
)

// The op.Storage methods of flows firstkey does not offer must say so, not
// pretend to work.
func TestJWTProfileAnswersNotSupportedYet(t *testing.T) {
	s := &storage{}
	ctx := context.Background()
	calls := map[string]func() error{
		"GetPrivateClaimsFromScopes": func() error { _, err := s.GetPrivateClaimsFromScopes(ctx, "u", "c", nil); return err },
		"GetKeyByIDAndClientID":      func() error { _, err := s.GetKeyByIDAndClientID(ctx, "k", "c"); return err },
		"ValidateJWTProfileScopes":   func() error { _, err := s.ValidateJWTProfileScopes(ctx, "u", nil); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if err := call(); !errors.Is(err, ErrNotSupportedYet) {
				t.Fatalf("err = %v, want ErrNotSupportedYet", err)
			}
		})
	}
}
