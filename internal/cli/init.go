package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/server"
)

const defaultAdmin = "admin@firstkey.local"

func newInitCmd(g *globals) *cobra.Command {
	var admin, issuer string
	c := &cobra.Command{
		Use:   "init",
		Short: "Create the directory, its first Global Administrator and their one-time pass",
		Long: `Create the directory: a bootstrap Global Administrator, the Temporary Access Pass
policy enabled, and a one-time pass for that administrator, printed here once with the
URL to sign in at. Nobody ever has a password.

On a directory that is already initialised it changes nothing, says so and exits 0.`,
		Example: "  firstkey init --admin admin@example.com\n  firstkey init --admin admin@example.com --output json",
		Args:    cobra.NoArgs,
	}
	c.Flags().StringVar(&admin, "admin", defaultAdmin, "userPrincipalName of the bootstrap administrator (env FIRSTKEY_ADMIN)")
	envFlag(c.Flags(), "admin", "FIRSTKEY_ADMIN")
	issuerFlag(c, &issuer)
	c.RunE = g.run(func(cmd *cobra.Command, _ []string) error {
		dir, closer, err := server.OpenDirectory(cmd.Context(), g.config(issuer))
		if err != nil {
			return fmt.Errorf("open directory: %w", err)
		}
		defer closer.Close()
		res, err := dir.Init(cmd.Context(), admin)
		if err != nil {
			return err
		}
		return g.printInit(g.stdout, res)
	})
	return c
}

type initJSON struct {
	UserPrincipalName   string `json:"userPrincipalName"`
	TemporaryAccessPass string `json:"temporaryAccessPass"`
	SignInURL           string `json:"signInUrl"`
	TenantID            string `json:"tenantId"`
}

type alreadyInitJSON struct {
	AlreadyInitialized bool    `json:"alreadyInitialized"`
	UserPrincipalName  *string `json:"userPrincipalName"`
	TenantID           string  `json:"tenantId"`
}

// printInit shows the outcome of Init. The bootstrap pass exists in clear only
// here: it is written to stdout once and never logged.
func (g *globals) printInit(w io.Writer, res directory.InitResult) error {
	if !res.Created {
		if g.jsonOutput() {
			return printJSON(w, alreadyInitJSON{AlreadyInitialized: true, UserPrincipalName: nullable(res.Admin.UserPrincipalName),
				TenantID: res.TenantID})
		}
		_, err := fmt.Fprintf(w, "The directory is already initialised (bootstrap administrator %s, tenant id %s); nothing was changed.\n",
			orDash(res.Admin.UserPrincipalName), orDash(res.TenantID))
		return err
	}
	if g.jsonOutput() {
		return printJSON(w, initJSON{UserPrincipalName: res.Admin.UserPrincipalName, TemporaryAccessPass: res.Pass.Code,
			SignInURL: res.Pass.SignInURL, TenantID: res.TenantID})
	}
	fmt.Fprintln(w, "The directory is initialised. Sign in as its first Global Administrator with this")
	fmt.Fprintln(w, "one-time Temporary Access Pass and register a passkey. It is shown only this once.")
	fmt.Fprintln(w)
	return fields(w,
		"Administrator", res.Admin.UserPrincipalName,
		"Temporary Access Pass", res.Pass.Code,
		"Sign in at", res.Pass.SignInURL,
		"Valid until", stamp(res.Pass.End()),
		"Tenant ID", res.TenantID,
	)
}
