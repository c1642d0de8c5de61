package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/oidc"
	"github.com/firstkey/firstkey/internal/server"
)

// newKeysCmd manages the token signing keys. It is for the local operator only
// (no --as): keys are not directory objects that a role could cover.
func newKeysCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "keys", Short: "List and rotate the token signing keys", RunE: groupRunE}
	c.AddCommand(keysListCmd(g), keysRotateCmd(g), keysRotateMasterCmd(g))
	return c
}

type keyJSON struct {
	KID            string `json:"kid"`
	Algorithm      string `json:"algorithm"`
	Created        string `json:"createdDateTime"`
	SignsUntil     string `json:"signsUntil"`
	PublishedUntil string `json:"publishedUntil"`
	Status         string `json:"status"`
}

func (g *globals) printKeys(ctx context.Context, s *session) error {
	keys, err := s.dir.ListSigningKeys(ctx, s.actor, oidc.SigningAlgorithmNames()...)
	if err != nil {
		return err
	}
	if g.jsonOutput() {
		out := make([]keyJSON, len(keys))
		for i, k := range keys {
			out[i] = keyJSON{KID: k.ID, Algorithm: k.Algorithm, Created: stamp(k.CreatedDateTime),
				SignsUntil: stamp(k.NotAfter), PublishedUntil: stamp(k.RetireAfter), Status: k.Status}
		}
		return printJSON(g.stdout, out)
	}
	t := newTable(g.stdout, "KID", "ALG", "STATUS", "CREATED", "SIGNS UNTIL", "PUBLISHED UNTIL")
	for _, k := range keys {
		t.row(k.ID, k.Algorithm, k.Status, stamp(k.CreatedDateTime), stamp(k.NotAfter), stamp(k.RetireAfter))
	}
	return t.flush()
}

func keysListCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "list", Short: "List the signing keys: which one signs, and until when each is published", Args: cobra.NoArgs}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		return g.printKeys(ctx, s)
	})
	return c
}

func keysRotateCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "rotate",
		Short: "Sign with new keys from now on; the old keys stay published until their tokens expire",
		Long: `Generate a new signing key of each algorithm (ES256 for access tokens, RS256 for ID
tokens), stored sealed with the master key, and sign with them from now on on every
replica. The keys it replaces stay published in JWKS, and keep verifying, for
the access token lifetime plus clock skew, so tokens issued before the rotation keep working.`,
		Args: cobra.NoArgs,
	}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		// The issuer is not used to rotate; it only has to be one the token service accepts.
		p, err := server.OpenProvider(ctx, g.config(envOr("FIRSTKEY_ISSUER", "http://localhost")), s.dir)
		if err != nil {
			return err
		}
		if err := p.RotateKeys(ctx, s.actor); err != nil {
			return err
		}
		if !g.jsonOutput() {
			fmt.Fprintln(g.stdout, "Rotated the signing keys; the newest key signs from now on.")
		}
		return g.printKeys(ctx, s)
	})
	return c
}
