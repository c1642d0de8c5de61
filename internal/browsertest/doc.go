// Package browsertest drives firstkey's pages in a real headless Chromium with a
// virtual WebAuthn authenticator: a person signs in with a Temporary Access Pass,
// registers a passkey, and signs in with it, exactly as they would at work. The
// tests are in browsertest_test; they need /usr/bin/chromium (see
// scripts/install-test-deps) and fail without it when CI is set.
package browsertest
