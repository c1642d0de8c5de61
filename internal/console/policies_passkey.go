package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// passkeyPolicyView is policy_passkey.html's data.
type passkeyPolicyView struct {
	policyForm
	State            string
	SelfService      bool
	Attestation      bool
	Restrict         bool
	Enforcement      string
	AAGUIDs          string
	UserVerification string
	RevokePass       bool
	Include, Exclude []string
}

// passkeyFields are the passkey policy's properties as its rules name them,
// the more specific first.
var passkeyFields = []string{"keyRestrictions.aaGuids", "keyRestrictions.enforcementType", "keyRestrictions",
	"userVerification", "includeTargets", "excludeTargets", "target", "state"}

var passkeyLabels = map[string]string{
	"state": "Status", "isSelfServiceRegistrationAllowed": "People add their own passkeys", "isAttestationEnforced": "Attestation required",
	"keyRestrictions": "Passkey models", "keyRestrictions.aaGuids": "Passkey models (AAGUIDs)", "keyRestrictions.enforcementType": "Passkey models",
	"userVerification": "User verification", "revokePassOnFirstPasskey": "Delete the pass after the first passkey",
	"includeTargets": "Who can use passkeys", "excludeTargets": "Excluded groups", "target": "Groups",
}

func passkeyPolicyOf(p domain.Fido2Policy) passkeyPolicyView {
	v := passkeyPolicyView{State: p.State, SelfService: p.IsSelfServiceRegistrationAllowed, Attestation: p.IsAttestationEnforced,
		Restrict: p.KeyRestrictions.IsEnforced, Enforcement: p.KeyRestrictions.EnforcementType, AAGUIDs: strings.Join(p.KeyRestrictions.AAGUIDs, "\n"),
		UserVerification: p.UserVerification, RevokePass: p.RevokePassOnFirstPasskey}
	for _, t := range p.IncludeTargets {
		v.Include = append(v.Include, t.ID)
	}
	for _, t := range p.ExcludeTargets {
		v.Exclude = append(v.Exclude, t.ID)
	}
	return v
}

func passkeyPolicyPosted(r *http.Request) passkeyPolicyView {
	return passkeyPolicyView{State: r.FormValue("state"), SelfService: r.FormValue("isSelfServiceRegistrationAllowed") == "true",
		Attestation: r.FormValue("isAttestationEnforced") == "true", Restrict: r.FormValue("keyRestrictionsEnforced") == "true",
		Enforcement: r.FormValue("enforcementType"), AAGUIDs: r.FormValue("aaGuids"), UserVerification: r.FormValue("userVerification"),
		RevokePass: r.FormValue("revokePassOnFirstPasskey") == "true", Include: r.Form["includeTargets"], Exclude: r.Form["excludeTargets"]}
}

// aaguidList reads the AAGUIDs typed one a line (or separated by commas).
func aaguidList(s string) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' }) {
		out = append(out, strings.ToLower(f))
	}
	return out
}

func applyPasskeyForm(r *http.Request) func(*domain.Fido2Policy) error {
	return func(p *domain.Fido2Policy) error {
		v := passkeyPolicyPosted(r)
		p.State = domain.StateDisabled
		if v.State == domain.StateEnabled {
			p.State = domain.StateEnabled
		}
		p.IsSelfServiceRegistrationAllowed, p.IsAttestationEnforced, p.RevokePassOnFirstPasskey = v.SelfService, v.Attestation, v.RevokePass
		p.KeyRestrictions.IsEnforced, p.KeyRestrictions.EnforcementType = v.Restrict, v.Enforcement
		p.KeyRestrictions.AAGUIDs = aaguidList(v.AAGUIDs)
		p.UserVerification = v.UserVerification
		p.IncludeTargets = targetsOf(r, p.IncludeTargets, "includeTargets")
		p.ExcludeTargets = targetsOf(r, p.ExcludeTargets, "excludeTargets")
		return nil
	}
}

func (h *Handler) passkeyPolicyForm(w http.ResponseWriter, r *http.Request, a *Admin) error {
	p, err := h.dir.GetFido2Policy(r.Context(), a.Actor)
	if err != nil {
		return err
	}
	v := passkeyPolicyOf(p)
	v.Saved = p.LastModifiedDateTime
	return h.renderPasskeyPolicy(w, r, a, http.StatusOK, v, nil, "")
}

func (h *Handler) passkeyPolicyPost(w http.ResponseWriter, r *http.Request, a *Admin) error {
	v := passkeyPolicyPosted(r)
	switch policyStep(r) {
	case "edit":
		return h.renderPasskeyPolicy(w, r, a, http.StatusOK, v, nil, "")
	case "save":
		reviewed, err := reviewedAt(r)
		if err != nil {
			return err
		}
		apply := applyPasskeyForm(r)
		_, err = h.dir.UpdateFido2Policy(r.Context(), a.Actor, func(p *domain.Fido2Policy) error {
			if err := directory.UnchangedSince(p.LastModifiedDateTime, reviewed); err != nil {
				return err
			}
			return apply(p)
		})
		if k := domain.KindOf(err); k == domain.KindInvalid || k == domain.KindConflict {
			return h.renderPasskeyPolicy(w, r, a, statusFor(k), v, err, "")
		}
		if err != nil {
			return err
		}
		return h.done(w, r, a, Prefix+"/policies", "The passkey policy was saved.")
	}
	pc, err := h.dir.PreviewFido2Policy(r.Context(), a.Actor, applyPasskeyForm(r))
	if domain.KindOf(err) == domain.KindInvalid {
		return h.renderPasskeyPolicy(w, r, a, http.StatusBadRequest, v, err, "")
	}
	if err != nil {
		return err
	}
	if len(pc.Changes) == 0 {
		return h.renderPasskeyPolicy(w, r, a, http.StatusOK, v, nil, "Nothing to save: the policy already says this.")
	}
	names, err := h.groupNames(r.Context(), a)
	if err != nil {
		return err
	}
	v.Review = true
	v.Reviewed = pc.Before.LastModifiedDateTime.Format(time.RFC3339Nano)
	v.Changes = changeRows(pc.Changes, passkeyLabels, func(field string, isAfter bool) string {
		p := pc.Before
		if isAfter {
			p = pc.After
		}
		switch field {
		case "state":
			if p.State == domain.StateEnabled {
				return "Enabled"
			}
			return "Disabled"
		case "isSelfServiceRegistrationAllowed":
			return onOff(p.IsSelfServiceRegistrationAllowed)
		case "isAttestationEnforced":
			return onOff(p.IsAttestationEnforced)
		case "keyRestrictions":
			k := p.KeyRestrictions
			if !k.IsEnforced {
				return "Any model"
			}
			list := strings.Join(k.AAGUIDs, ", ")
			if list == "" {
				list = "none listed"
			}
			if k.EnforcementType == "allow" {
				return "Only: " + list
			}
			return "All but: " + list
		case "userVerification":
			if p.UserVerification == "preferred" {
				return "Preferred"
			}
			return "Required"
		case "revokePassOnFirstPasskey":
			return onOff(p.RevokePassOnFirstPasskey)
		case "includeTargets":
			return targetNames(p.IncludeTargets, names)
		case "excludeTargets":
			return targetNames(p.ExcludeTargets, names)
		}
		return ""
	})
	return h.renderPasskeyPolicy(w, r, a, http.StatusOK, v, nil, "")
}

func (h *Handler) renderPasskeyPolicy(w http.ResponseWriter, r *http.Request, a *Admin, status int, v passkeyPolicyView, err error, notice string) error {
	names, gerr := h.groupNames(r.Context(), a)
	if gerr != nil {
		return gerr
	}
	v.Groups, v.AllUsers = groupOptions(names, idsTargets(v.Include), idsTargets(v.Exclude))
	v.CanWrite = a.Can(domain.ActWritePolicy)
	vw := view{Title: "Passkey policy", Notice: notice, Page: &v}
	if err != nil {
		v.Field = fieldOf(err.Error(), passkeyFields)
		v.FieldErr = explainPolicy(err, v.Field, passkeyLabels)
		vw.Error = "The policy was not saved: " + v.FieldErr
	}
	h.render(w, r, a, status, "policy_passkey.html", vw)
	return nil
}
