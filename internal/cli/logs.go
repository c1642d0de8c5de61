package cli

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func newLogsCmd(g *globals) *cobra.Command {
	return newGroup(g, "logs", "Read the sign-in log and the directory audit log",
		logsSignInsCmd(g), logsAuditCmd(g))
}

// listFlags adds --filter and --top (default 50: logs grow without bound).
func listFlags(c *cobra.Command, filter *string, top *int, fields string) {
	c.Flags().StringVar(filter, "filter", "", "OData filter on "+fields)
	c.Flags().IntVar(top, "top", 50, "show the newest N entries; 0 for all")
}

type signInJSON struct {
	ID                         string `json:"id"`
	CreatedDateTime            string `json:"createdDateTime"`
	UserID                     string `json:"userId"`
	UserPrincipalName          string `json:"userPrincipalName"`
	AppID                      string `json:"appId"`
	IPAddress                  string `json:"ipAddress"`
	ErrorCode                  int    `json:"errorCode"`
	FailureReason              string `json:"failureReason"`
	AuthenticationMethod       string `json:"authenticationMethod"`
	AuthenticationMethodDetail string `json:"authenticationMethodDetail"`
	AuthenticationRequirement  string `json:"authenticationRequirement"`
}

func logsSignInsCmd(g *globals) *cobra.Command {
	var filter string
	var top int
	c := &cobra.Command{Use: "signins", Short: "List sign-in attempts, newest first, with their status codes", Args: cobra.NoArgs,
		Example: "  firstkey logs signins --filter \"userPrincipalName eq 'bob@example.com'\" --output json"}
	listFlags(c, &filter, &top, "createdDateTime, userId, userPrincipalName, appId, ipAddress, status/errorCode")
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		rows, err := listAll(top, filter, func(o store.ListOptions) ([]domain.SignIn, int, error) {
			return s.dir.ListSignIns(ctx, s.actor, o)
		})
		if err != nil {
			return err
		}
		if g.jsonOutput() {
			out := make([]signInJSON, len(rows))
			for i, r := range rows {
				out[i] = signInJSON{ID: r.ID, CreatedDateTime: stamp(r.CreatedDateTime), UserID: r.UserID, UserPrincipalName: r.UserPrincipalName,
					AppID: r.AppID, IPAddress: r.IPAddress, ErrorCode: r.ErrorCode, FailureReason: r.FailureReason,
					AuthenticationMethod: r.AuthenticationMethod, AuthenticationMethodDetail: r.AuthenticationMethodDetail,
					AuthenticationRequirement: r.AuthenticationRequirement}
			}
			return printJSON(g.stdout, out)
		}
		t := newTable(g.stdout, "TIME", "USER", "METHOD", "STATUS", "REASON", "IP")
		for _, r := range rows {
			status := "success"
			if !r.Succeeded {
				status = strconv.Itoa(r.ErrorCode)
			}
			t.row(stamp(r.CreatedDateTime), r.UserPrincipalName, r.AuthenticationMethod, status, r.FailureReason, r.IPAddress)
		}
		return t.flush()
	})
	return c
}

type auditJSON struct {
	ID                  string            `json:"id"`
	ActivityDateTime    string            `json:"activityDateTime"`
	ActivityDisplayName string            `json:"activityDisplayName"`
	Category            string            `json:"category"`
	Result              string            `json:"result"`
	InitiatedBy         string            `json:"initiatedBy"`
	Targets             []string          `json:"targets"`
	AdditionalDetails   map[string]string `json:"additionalDetails"`
}

// initiator names who acted, as the audit log shows it.
func initiator(a domain.Actor) string {
	switch a.Type {
	case domain.ActorUser:
		return a.UPN
	case domain.ActorApp:
		return a.AppName + " (" + a.AppID + ")"
	}
	return a.AppName
}

func logsAuditCmd(g *globals) *cobra.Command {
	var filter string
	var top int
	c := &cobra.Command{Use: "audit", Short: "List directory audit records, newest first", Args: cobra.NoArgs,
		Example: "  firstkey logs audit --filter \"activityDisplayName eq 'Admin registered security info'\""}
	listFlags(c, &filter, &top, "activityDateTime, activityDisplayName, category, result, initiatedBy/user/userPrincipalName, targetResources/any(t:t/userPrincipalName eq '…')")
	c.RunE = g.act(nil, func(ctx context.Context, s *session, _ []string) error {
		rows, err := listAll(top, filter, func(o store.ListOptions) ([]domain.AuditRecord, int, error) {
			return s.dir.ListAudits(ctx, s.actor, o)
		})
		if err != nil {
			return err
		}
		if g.jsonOutput() {
			out := make([]auditJSON, len(rows))
			for i, r := range rows {
				targets := make([]string, len(r.TargetResources))
				for j, t := range r.TargetResources {
					targets[j] = targetName(t)
				}
				details := map[string]string{}
				for _, kv := range r.AdditionalDetails {
					details[kv.Key] = kv.Value
				}
				out[i] = auditJSON{ID: r.ID, ActivityDateTime: stamp(r.ActivityDateTime), ActivityDisplayName: r.ActivityDisplayName,
					Category: r.Category, Result: r.Result, InitiatedBy: initiator(r.InitiatedBy), Targets: targets, AdditionalDetails: details}
			}
			return printJSON(g.stdout, out)
		}
		t := newTable(g.stdout, "TIME", "ACTIVITY", "INITIATED BY", "TARGET", "RESULT")
		for _, r := range rows {
			target := ""
			if len(r.TargetResources) > 0 {
				target = targetName(r.TargetResources[0])
			}
			t.row(stamp(r.ActivityDateTime), r.ActivityDisplayName, initiator(r.InitiatedBy), target, r.Result)
		}
		return t.flush()
	})
	return c
}

func targetName(t domain.AuditTarget) string {
	if t.UserPrincipalName != "" {
		return t.UserPrincipalName
	}
	return t.DisplayName
}
