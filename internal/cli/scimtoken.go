package cli

import (
	"context"

	"github.com/spf13/cobra"
)

func appSCIMTokenCmd(g *globals) *cobra.Command {
	var revoke bool
	c := &cobra.Command{
		Use:   "scim-token CLIENT_ID|ID [--revoke]",
		Short: "Give a provisioning client a SCIM bearer token, shown once; the old one stops working",
		Long: `Generate a long-lived bearer token for the SCIM endpoint (/scim/v2), print it once and
store only its hash: the "Secret Token" Entra ID's provisioning asks for, or the bearer
token of Okta's HTTP header authentication. The application must be confidential and
hold Provisioning.ReadWrite.All. A new token replaces the old one at once; --revoke
withdraws it. The token works at /scim/v2 only; the Graph API takes access tokens.`,
		Example: "  firstkey app create --name \"HR provisioning\" --permission Provisioning.ReadWrite.All\n" +
			"  firstkey app scim-token 5f0c…",
		Args: exactArgs(1),
	}
	c.Flags().BoolVar(&revoke, "revoke", false, "withdraw the application's token instead")
	c.RunE = g.act(nil, func(ctx context.Context, s *session, args []string) error {
		if revoke {
			if _, err := s.dir.RevokeProvisioningToken(ctx, s.actor, args[0]); err != nil {
				return err
			}
			return g.done("Revoked the SCIM token of application %s.", args[0])
		}
		a, token, err := s.dir.IssueProvisioningToken(ctx, s.actor, args[0])
		if err != nil {
			return err
		}
		if g.jsonOutput() {
			return printJSON(g.stdout, struct {
				appJSON
				SCIMToken string `json:"scimToken"`
			}{appView(a), token})
		}
		return fields(g.stdout, append(appFields(a), "SCIM token", token+"   (shown only this once)")...)
	})
	return c
}
