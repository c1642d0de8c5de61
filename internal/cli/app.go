package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func newAppCmd(g *globals) *cobra.Command {
	return newGroup(g, "app", "Register OpenID Connect / OAuth applications",
		appCreateCmd(g), appListCmd(g), appShowCmd(g), appUpdateCmd(g), appSecretCmd(g), appSCIMTokenCmd(g), appDeleteCmd(g))
}

func permissionNames() string {
	names := make([]string, len(domain.Permissions))
	for i, p := range domain.Permissions {
		names[i] = "  " + string(p)
	}
	return strings.Join(names, "\n")
}

func appCreateCmd(g *globals) *cobra.Command {
	var name, strength, idAlg string
	var perms, redirects, spa []string
	var public bool
	c := &cobra.Command{
		Use:   "create --name NAME [--permission P]...",
		Short: "Register an application; a confidential one gets a client secret, shown once",
		Long: `Register an application. A confidential client (the default) gets a client secret,
printed once and stored only as a hash; a --public client has none and must use PKCE.
--spa-redirect-uri registers a single-page application (Graph's spa platform): a
public client whose redirect URIs' origins may call the token endpoints from the
browser (CORS). --permission grants an API permission for the client credentials flow; repeat it or
separate with commas. Permissions:
` + permissionNames(),
		Example: "  firstkey app create --name provisioning --permission User.ReadWrite.All,UserAuthenticationMethod.ReadWrite.All --output json\n" +
			"  firstkey app create --name portal --public --redirect-uri http://localhost:3000/callback\n" +
			"  firstkey app create --name dashboard --spa-redirect-uri https://dash.example.com/callback",
		Args: cobra.NoArgs,
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", "display name (required)")
	f.StringSliceVar(&perms, "permission", nil, "API permission, e.g. User.Read.All")
	f.BoolVar(&public, "public", false, "a public client (no secret; PKCE required)")
	f.StringSliceVar(&redirects, "redirect-uri", nil, "redirect URI for the authorization code flow")
	f.StringSliceVar(&spa, "spa-redirect-uri", nil, "redirect URI of a single-page application (makes it a public client with CORS)")
	f.StringVar(&strength, "require-strength", "", "authentication strength users need: mfa or phishing_resistant")
	f.StringVar(&idAlg, "id-token-alg", "", "algorithm of the application's ID tokens: RS256 (the default) or ES256")
	_ = c.MarkFlagRequired("name")
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		ps, err := domain.NormalizePermissions(perms)
		if err != nil {
			return usageError{err}
		}
		a, secret, err := s.dir.CreateApplication(ctx, s.actor, domain.Application{
			DisplayName: name, PublicClient: public || len(spa) > 0, RedirectURIs: redirects, SPARedirectURIs: spa,
			Permissions: ps, RequiredStrength: domain.Strength(strength), IDTokenSigningAlg: idAlg,
		})
		if err != nil {
			return err
		}
		if g.jsonOutput() {
			return printJSON(g.stdout, struct {
				appJSON
				ClientSecret *string `json:"clientSecret"`
			}{appView(a), nullable(secret)})
		}
		kv := appFields(a)
		if secret != "" {
			kv = append(kv, "Client secret", secret+"   (shown only this once)")
		}
		return fields(g.stdout, kv...)
	})
	return c
}

func (g *globals) printApp(a domain.Application) error {
	if g.jsonOutput() {
		return printJSON(g.stdout, appView(a))
	}
	return fields(g.stdout, appFields(a)...)
}

func appFields(a domain.Application) []string {
	perms := make([]string, len(a.Permissions))
	for i, p := range a.Permissions {
		perms[i] = string(p)
	}
	kind := "confidential"
	if a.PublicClient {
		kind = "public"
	}
	return []string{
		"Name", a.DisplayName,
		"Client ID", a.ClientID,
		"Object ID", a.ID,
		"Client type", kind,
		"Permissions", orDash(strings.Join(perms, ", ")),
		"Redirect URIs", orDash(strings.Join(a.RedirectURIs, ", ")),
		"SPA redirect URIs", orDash(strings.Join(a.SPARedirectURIs, ", ")),
		"Required strength", orDash(string(a.RequiredStrength)),
		"ID token algorithm", a.IDTokenAlg(),
		"Created", stamp(a.CreatedDateTime),
	}
}

func appListCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "list", Short: "List applications", Args: cobra.NoArgs}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		apps, err := listAll(0, "", func(o store.ListOptions) ([]domain.Application, int, error) {
			return s.dir.ListApplications(ctx, s.actor, o)
		})
		if err != nil {
			return err
		}
		if g.jsonOutput() {
			out := make([]appJSON, len(apps))
			for i, a := range apps {
				out[i] = appView(a)
			}
			return printJSON(g.stdout, out)
		}
		t := newTable(g.stdout, "NAME", "CLIENT ID", "TYPE", "PERMISSIONS")
		for _, a := range apps {
			kind := "confidential"
			if a.PublicClient {
				kind = "public"
			}
			perms := make([]string, len(a.Permissions))
			for i, p := range a.Permissions {
				perms[i] = string(p)
			}
			t.row(a.DisplayName, a.ClientID, kind, orDash(strings.Join(perms, ",")))
		}
		return t.flush()
	})
	return c
}

func appShowCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "show CLIENT_ID|ID", Short: "Show an application", Args: exactArgs(1)}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		a, err := s.dir.GetApplication(ctx, s.actor, args[0])
		if err != nil {
			return err
		}
		return g.printApp(a)
	})
	return c
}

func appDeleteCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "delete CLIENT_ID|ID", Short: "Delete an application; its tokens stop working at once", Args: exactArgs(1)}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		if err := s.dir.DeleteApplication(ctx, s.actor, args[0]); err != nil {
			return err
		}
		return g.done("Deleted application %s.", args[0])
	})
	return c
}

func appUpdateCmd(g *globals) *cobra.Command {
	var name, strength, idAlg string
	var perms, redirects, spa []string
	c := &cobra.Command{
		Use:   "update CLIENT_ID|ID [--name NAME] [--redirect-uri URI]... [--spa-redirect-uri URI]... [--permission P]... [--require-strength S]",
		Short: "Change an application's name, redirect URIs, permissions or required strength",
		Long: `Change an application. Only the flags given change; --redirect-uri and --permission
replace the whole list (give --permission "" or --redirect-uri "" to clear it), and
--require-strength "" removes the requirement. The client type and secret stay; use
'firstkey app secret' for a new secret. Permissions:
` + permissionNames(),
		Example: "  firstkey app update 5f0c… --permission User.Read.All,AuditLog.Read.All\n" +
			"  firstkey app update portal-client-id --redirect-uri https://portal.example.com/cb --require-strength mfa",
		Args: exactArgs(1),
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", "new display name")
	f.StringSliceVar(&perms, "permission", nil, "API permissions (replaces the list)")
	f.StringSliceVar(&redirects, "redirect-uri", nil, "redirect URIs (replaces the list)")
	f.StringSliceVar(&spa, "spa-redirect-uri", nil, "single-page application redirect URIs (replaces the list; public clients only)")
	f.StringVar(&strength, "require-strength", "", "authentication strength users need: mfa, phishing_resistant or \"\" for none")
	f.StringVar(&idAlg, "id-token-alg", "", "algorithm of the application's ID tokens: RS256 (the default) or ES256")
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		var ps []domain.Permission
		if f.Changed("permission") {
			var err error
			if ps, err = domain.NormalizePermissions(nonEmpty(perms)); err != nil {
				return usageError{err}
			}
		}
		if !f.Changed("name") && !f.Changed("permission") && !f.Changed("redirect-uri") && !f.Changed("spa-redirect-uri") && !f.Changed("require-strength") && !f.Changed("id-token-alg") {
			return usagef("nothing to change: give --name, --redirect-uri, --spa-redirect-uri, --permission, --require-strength or --id-token-alg")
		}
		a, err := s.dir.UpdateApplication(ctx, s.actor, args[0], func(a *domain.Application) error {
			if f.Changed("name") {
				a.DisplayName = name
			}
			if f.Changed("permission") {
				a.Permissions = ps
			}
			if f.Changed("redirect-uri") {
				a.RedirectURIs = nonEmpty(redirects)
			}
			if f.Changed("spa-redirect-uri") {
				a.SPARedirectURIs = nonEmpty(spa)
			}
			if f.Changed("require-strength") {
				a.RequiredStrength = domain.Strength(strength)
			}
			if f.Changed("id-token-alg") {
				a.IDTokenSigningAlg = idAlg
			}
			return nil
		})
		if err != nil {
			return err
		}
		return g.printApp(a)
	})
	return c
}

// nonEmpty drops empty items, so that an empty flag value clears a list.
func nonEmpty(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func appSecretCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "secret CLIENT_ID|ID",
		Short: "Give a confidential client a new secret, shown once; the old one stops working",
		Long: `Generate a new client secret, print it once and store only its hash. The old secret
can no longer get tokens; tokens already issued with it keep working until they expire.`,
		Args: exactArgs(1),
	}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		a, cs, err := s.dir.AddApplicationSecret(ctx, s.actor, args[0], "")
		if err != nil {
			return err
		}
		if g.jsonOutput() {
			return printJSON(g.stdout, struct {
				appJSON
				ClientSecret string `json:"clientSecret"`
				KeyID        string `json:"keyId"`
			}{appView(a), cs.Text, cs.KeyID})
		}
		return fields(g.stdout, append(appFields(a), "Key ID", cs.KeyID, "Client secret", cs.Text+"   (shown only this once)")...)
	})
	return c
}
