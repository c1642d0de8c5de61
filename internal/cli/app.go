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
		appCreateCmd(g), appListCmd(g), appShowCmd(g), appDeleteCmd(g))
}

func permissionNames() string {
	names := make([]string, len(domain.Permissions))
	for i, p := range domain.Permissions {
		names[i] = "  " + string(p)
	}
	return strings.Join(names, "\n")
}

func appCreateCmd(g *globals) *cobra.Command {
	var name, strength string
	var perms, redirects []string
	var public bool
	c := &cobra.Command{
		Use:   "create --name NAME [--permission P]...",
		Short: "Register an application; a confidential one gets a client secret, shown once",
		Long: `Register an application. A confidential client (the default) gets a client secret,
printed once and stored only as a hash; a --public client has none and must use PKCE.
--permission grants an API permission for the client credentials flow; repeat it or
separate with commas. Permissions:
` + permissionNames(),
		Example: "  firstkey app create --name provisioning --permission User.ReadWrite.All,UserAuthenticationMethod.ReadWrite.All --output json\n" +
			"  firstkey app create --name portal --public --redirect-uri http://localhost:3000/callback",
		Args: cobra.NoArgs,
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", "display name (required)")
	f.StringSliceVar(&perms, "permission", nil, "API permission, e.g. User.Read.All")
	f.BoolVar(&public, "public", false, "a public client (no secret; PKCE required)")
	f.StringSliceVar(&redirects, "redirect-uri", nil, "redirect URI for the authorization code flow")
	f.StringVar(&strength, "require-strength", "", "authentication strength users need: mfa or phishing_resistant")
	_ = c.MarkFlagRequired("name")
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		ps, err := domain.NormalizePermissions(perms)
		if err != nil {
			return usageError{err}
		}
		a, secret, err := s.dir.CreateApplication(ctx, s.actor, domain.Application{
			DisplayName: name, PublicClient: public, RedirectURIs: redirects, Permissions: ps,
			RequiredStrength: domain.Strength(strength),
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
		"Required strength", orDash(string(a.RequiredStrength)),
		"Created", stamp(a.CreatedDateTime),
	}
}

func appListCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "list", Short: "List applications", Args: cobra.NoArgs}
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		apps, err := listAll(0, nil, func(o store.ListOptions) ([]domain.Application, int, error) {
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
