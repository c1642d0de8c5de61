package oidc_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// deletePasses deletes every pass of the user as an administrator does.
func deletePasses(t *testing.T, e *testenv.Env, userID string) {
	t.Helper()
	ctx := context.Background()
	passes, err := e.Store.ListUserPasses(ctx, userID)
	if err != nil || len(passes) == 0 {
		t.Fatalf("passes of %s: %v, %v", userID, passes, err)
	}
	for _, p := range passes {
		if err := e.Dir.DeletePass(ctx, domain.SystemActor(), userID, p.ID); err != nil {
			t.Fatalf("delete pass: %v", err)
		}
	}
}

// An approval not yet turned into tokens is withdrawn with what it rested on:
// a code whose pass was deleted, or whose browser signed out, before the
// exchange, and a device approved with a pass deleted before its next poll,
// get no tokens.
func TestApprovalsEndWithTheirPassAndSession(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			r := newRP(t, e, domain.Application{PublicClient: true})

			t.Run("code, pass deleted", func(t *testing.T) {
				u := e.CreateUser(t, "ada@example.com")
				f := r.signIn(newBrowser(t), u.UserPrincipalName, e.IssuePass(t, u.ID, false))
				deletePasses(t, e, u.ID)
				tok, err := f.exchange(t.Context())
				wantOAuthError(t, "exchange after the pass was deleted", tok, err, http.StatusBadRequest, "invalid_grant")
			})

			t.Run("code, signed out", func(t *testing.T) {
				u := e.CreateUser(t, "grace@example.com")
				b := newBrowser(t)
				first := r.tokens(r.signIn(b, u.UserPrincipalName, e.IssuePass(t, u.ID, false)))
				pending := r.signIn(b, u.UserPrincipalName, "") // a second code, not yet exchanged
				idToken, _ := first.Extra("id_token").(string)
				p := b.visit(t, r.endpoint("end_session_endpoint")+"?"+url.Values{"id_token_hint": {idToken}}.Encode())
				if p.status != http.StatusOK {
					t.Fatalf("logout ended on %d %s", p.status, p.url)
				}
				tok, err := pending.exchange(t.Context())
				wantOAuthError(t, "exchange after signing out", tok, err, http.StatusBadRequest, "invalid_grant")
			})

			t.Run("device, pass deleted", func(t *testing.T) {
				rig := newDeviceRig(t, be)
				app, _ := rig.e.RegisterApp(t, domain.Application{PublicClient: true})
				cfg := rig.config(app, "", gooidc.ScopeOpenID, gooidc.ScopeOfflineAccess)
				da := rig.start(cfg)
				b := rig.signIn(da, rig.user.UserPrincipalName, rig.pass)
				rig.answer(b, da.UserCode, app, "approve")
				deletePasses(t, rig.e, rig.user.ID)
				wantPollError(t, rig.poll(app.ClientID, "", da.DeviceCode), http.StatusBadRequest, "access_denied")
			})
		})
	}
}
