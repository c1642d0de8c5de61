// Package web serves the pages people see, rendered on the server from embedded
// templates, with one small script (static/passkey.js) for WebAuthn:
//
//   - GET /login: the username (prefilled from login_hint), then the ways to sign
//     in — a passkey or a Temporary Access Pass, offered for every username so
//     the page never tells whether an account exists — and a button for
//     usernameless passkey sign-in. GET /login/pass asks for the pass, which
//     POST /login/tap checks.
//   - POST /webauthn/login/{begin,finish}: the passkey sign-in ceremony (JSON).
//   - GET /mysecurityinfo: the person's passkeys and pass, with rename and delete
//     (POST forms under /mysecurityinfo/…), and "Add a passkey", which runs
//     POST /webauthn/register/{begin,finish}. A session from a one-time pass may
//     only view this page, register a passkey and sign out.
//   - POST /logout.
//
// Every state-changing request is a POST behind http.CrossOriginProtection, and
// those made for a signed-in person also carry a CSRF token derived from the
// session (csrf.go). Sign-in endpoints are rate-limited per source address.
// The rules themselves (what a pass or passkey allows, lock-out, logging) live in
// package directory.
package web
