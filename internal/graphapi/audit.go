package graphapi

import (
	"net/http"

	"github.com/firstkey/firstkey/internal/domain"
)

// initiatedBy renders who acted as Graph's auditActivityInitiator: a user or an
// app, the other null. The local operator (CLI) shows as an app without an appId.
func initiatedBy(a domain.Actor) obj {
	if a.Type == domain.ActorUser {
		return obj{{"app", nil}, {"user", obj{
			{"id", a.UserID},
			{"displayName", nil},
			{"userPrincipalName", nullable(a.UPN)},
			{"ipAddress", nullable(a.IPAddress)},
		}}}
	}
	return obj{{"app", obj{
		{"appId", nullable(a.AppID)},
		{"displayName", nullable(a.AppName)},
		{"servicePrincipalId", nil},
		{"servicePrincipalName", nullable(a.AppName)},
	}}, {"user", nil}}
}

func targetJSON(t domain.AuditTarget) obj {
	props := make([]obj, len(t.ModifiedProperties))
	for i, p := range t.ModifiedProperties {
		props[i] = obj{{"displayName", p.DisplayName}, {"oldValue", nullable(p.OldValue)}, {"newValue", nullable(p.NewValue)}}
	}
	return obj{
		{"id", t.ID},
		{"displayName", nullable(t.DisplayName)},
		{"type", t.Type},
		{"userPrincipalName", nullable(t.UserPrincipalName)},
		{"groupType", nil},
		{"modifiedProperties", props},
	}
}

// auditJSON renders an audit record as Graph's directoryAudit.
func auditJSON(r domain.AuditRecord) obj {
	targets := make([]obj, len(r.TargetResources))
	for i, t := range r.TargetResources {
		targets[i] = targetJSON(t)
	}
	details := make([]obj, len(r.AdditionalDetails))
	for i, d := range r.AdditionalDetails {
		details[i] = obj{{"key", d.Key}, {"value", d.Value}}
	}
	return obj{
		{"id", r.ID},
		{"category", r.Category},
		{"correlationId", nullable(r.CorrelationID)},
		{"result", r.Result},
		{"resultReason", r.ResultReason},
		{"activityDisplayName", r.ActivityDisplayName},
		{"activityDateTime", graphTime(r.ActivityDateTime)},
		{"loggedByService", r.LoggedByService},
		{"operationType", r.OperationType},
		{"initiatedBy", initiatedBy(r.InitiatedBy)},
		{"targetResources", targets},
		{"additionalDetails", details},
	}
}

var auditSample = auditJSON(domain.AuditRecord{})

func (h *Handler) listAudits(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveCollection(h, w, r, c, "auditLogs/directoryAudits", auditSample, "directoryAudit", h.dir.ListAudits, auditJSON)
}

func (h *Handler) getAudit(w http.ResponseWriter, r *http.Request, c *call) error {
	rec, err := h.dir.GetAudit(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, auditJSON(rec).prepend(field{"@odata.context", h.contextURL("auditLogs/directoryAudits", nil) + "/$entity"}))
	return nil
}
