package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/firstkey/firstkey/internal/store"
)

// IssuerSetting is the store setting holding the public URL firstkey serves
// at, written by serve (and by init), so that commands run elsewhere (tap
// create printing a sign-in URL) name the address people actually use.
const IssuerSetting = "issuer"

// PublicIssuer is the issuer this configuration serves as: Issuer, or the
// default for Listen.
func (c Config) PublicIssuer() string { return c.withDefaults().Issuer }

// CheckIssuer refuses an issuer whose host is an IP address: browsers accept
// passkeys only for a host name (the WebAuthn relying party id), so a person
// could sign in with a pass there and then never register a passkey. The
// message says what to use instead.
func CheckIssuer(issuer string) error {
	u, err := url.Parse(strings.TrimRight(issuer, "/"))
	if err != nil || u.Host == "" {
		return fmt.Errorf("the issuer %q is not an absolute URL like https://id.example.com", issuer)
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil {
		return nil
	}
	port := ""
	if p := u.Port(); p != "" {
		port = ":" + p
	}
	fix := "--issuer https://<a host name of this server>"
	if ip.IsLoopback() || ip.IsUnspecified() {
		fix = "--issuer http://localhost" + port + " (on this machine), or --issuer https://<a host name of this server> for others to reach it"
	}
	return fmt.Errorf("the issuer %s names an IP address, and browsers accept passkeys only on a host name: "+
		"people could sign in with a pass but never register a passkey. Start firstkey with %s", u.Scheme+"://"+u.Host, fix)
}

// StoredIssuer returns the issuer serve or init last kept in the store, or "".
func StoredIssuer(ctx context.Context, st store.Store) (string, error) {
	v, err := st.GetSetting(ctx, IssuerSetting)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the stored issuer: %w", err)
	}
	return v, nil
}

// RememberIssuer keeps the issuer in the store; with onlyIfNone it leaves one
// already kept alone (init without --issuer must not replace serve's).
func RememberIssuer(ctx context.Context, st store.Store, issuer string, onlyIfNone bool) error {
	err := st.PutSetting(ctx, IssuerSetting, strings.TrimRight(issuer, "/"), onlyIfNone)
	if onlyIfNone && errors.Is(err, store.ErrAlreadyExists) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("keep the issuer: %w", err)
	}
	return nil
}
