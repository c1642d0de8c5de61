package graphapi

import (
	"net/http"

	"github.com/firstkey/firstkey/internal/domain"
)

// signInJSON renders a sign-in as Graph's signIn, with the beta-style
// authenticationDetails that name the method and the pass used.
func signInJSON(s domain.SignIn) obj {
	var details []obj
	if s.AuthenticationMethod != "" {
		details = []obj{{
			{"authenticationStepDateTime", graphTime(s.CreatedDateTime)},
			{"authenticationMethod", s.AuthenticationMethod},
			{"authenticationMethodDetail", nullable(s.AuthenticationMethodDetail)},
			{"succeeded", s.Succeeded},
			{"authenticationStepResultDetail", nullable(s.FailureReason)},
		}}
	} else {
		details = []obj{}
	}
	return obj{
		{"id", s.ID},
		{"createdDateTime", graphTime(s.CreatedDateTime)},
		{"userDisplayName", nullable(s.UserDisplayName)},
		{"userPrincipalName", nullable(s.UserPrincipalName)},
		{"userId", nullable(s.UserID)},
		{"appId", nullable(s.AppID)},
		{"appDisplayName", nullable(s.AppDisplayName)},
		{"ipAddress", nullable(s.IPAddress)},
		{"clientAppUsed", "Browser"},
		{"userAgent", nullable(s.UserAgent)},
		{"correlationId", nullable(s.CorrelationID)},
		{"isInteractive", true},
		{"authenticationRequirement", nullable(s.AuthenticationRequirement)},
		{"status", obj{
			{"errorCode", s.ErrorCode},
			{"failureReason", nullable(s.FailureReason)},
			{"additionalDetails", nil},
		}},
		{"authenticationDetails", details},
	}
}

var signInSample = signInJSON(domain.SignIn{})

func (h *Handler) listSignIns(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveCollection(h, w, r, c, "auditLogs/signIns", signInSample, "signIn", h.dir.ListSignIns, signInJSON)
}

func (h *Handler) getSignIn(w http.ResponseWriter, r *http.Request, c *call) error {
	rec, err := h.dir.GetSignIn(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, signInJSON(rec).prepend(field{"@odata.context", h.contextURL("auditLogs/signIns", nil) + "/$entity"}))
	return nil
}
