package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
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
		cfg := g.config(issuer)
		if err := server.CheckIssuer(cfg.PublicIssuer()); err != nil {
			return usageError{err}
		}
		dir, closer, err := server.OpenDirectory(cmd.Context(), cfg)
		if err != nil {
			return fmt.Errorf("open directory: %w", err)
		}
		defer closer.Close()
		res, err := dir.Init(cmd.Context(), admin)
		if err != nil {
			return err
		}
		// An explicit --issuer is kept; the default only while serve has kept none.
		if issuer != "" || res.Created {
			if err := server.RememberIssuer(cmd.Context(), dir.Store(), cfg.PublicIssuer(), issuer == ""); err != nil {
				return err
			}
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
	NewPassCommand     string  `json:"newPassCommand"` // how to get a new pass for the administrator
	TenantID           string  `json:"tenantId"`
}

// printInit shows the outcome of Init. The bootstrap pass exists in clear only
// here: it is written to stdout once and never logged.
func (g *globals) printInit(w io.Writer, res directory.InitResult) error {
	if !res.Created {
		if g.jsonOutput() {
			return printJSON(w, alreadyInitJSON{AlreadyInitialized: true, UserPrincipalName: nullable(res.Admin.UserPrincipalName),
				NewPassCommand: "firstkey tap create " + res.Admin.UserPrincipalName, TenantID: res.TenantID})
		}
		admin := orDash(res.Admin.UserPrincipalName)
		_, err := fmt.Fprintf(w, "The directory is already initialised (bootstrap administrator %s, tenant id %s); nothing was changed.\n"+
			"Lost the bootstrap pass, or it has expired? Issue a new one with:\n\n    firstkey tap create %s\n",
			admin, orDash(res.TenantID), res.Admin.UserPrincipalName)
		return err
	}
	if g.jsonOutput() {
		return printJSON(w, initJSON{UserPrincipalName: res.Admin.UserPrincipalName, TemporaryAccessPass: res.Pass.Code,
			SignInURL: res.Pass.SignInURL, TenantID: res.TenantID})
	}
	fmt.Fprintln(w, "The directory is initialised. Sign in as its first Global Administrator with this")
	fmt.Fprintln(w, "one-time Temporary Access Pass and register a passkey. It is shown only this once.")
	fmt.Fprintln(w)
	if err := fields(w,
		"Administrator", res.Admin.UserPrincipalName,
		"Temporary Access Pass", res.Pass.Code,
		"Sign in at", res.Pass.SignInURL,
		"Valid until", fmt.Sprintf("%s (UTC, %d minutes after it was issued)", stamp(res.Pass.End()),
			int(res.Pass.End().Sub(res.Pass.StartDateTime).Minutes())),
		"Tenant ID", res.TenantID,
	); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "After signing in you have %d minutes to register a passkey; from then on it signs you in.\n",
		int(domain.RegistrationOnlyWindow.Minutes()))
	_, err := fmt.Fprintf(w, "Lost the pass? Run: firstkey tap create %s\n", res.Admin.UserPrincipalName)
	return err
}
