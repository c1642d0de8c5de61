package cli_test

import (
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
)

// TestTapCreateDeliverRefusals: --deliver is checked before anything is
// issued, and a way out that the server lacks is refused rather than queued
// for nobody to send. (Queued deliveries going out are tested end to end in
// internal/e2e and through the Graph API.)
func TestTapCreateDeliverRefusals(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		h.ok("user", "create", "--upn", "bob@example.com", "--display-name", "Bob")
		wantContains(t, h.fail(cli.ExitUsage, "tap", "create", "bob@example.com", "--deliver", "carrier-pigeon"),
			`deliver "carrier-pigeon" is not understood`)
		wantContains(t, h.fail(cli.ExitUsage, "tap", "create", "bob@example.com", "--deliver", "email:not-an-address"),
			`is not a mail address`)
		wantContains(t, h.fail(cli.ExitRejected, "tap", "create", "bob@example.com", "--deliver", "email:bob@mail.example"),
			"Delivery by e-mail is not configured")
		wantContains(t, h.fail(cli.ExitRejected, "tap", "create", "bob@example.com", "--deliver", "webhook"),
			"Delivery by webhook is not configured")
		if passes := h.list("tap", "list", "bob@example.com"); len(passes) != 0 {
			t.Fatalf("a refused delivery left a pass: %v", passes)
		}
	})
}
