package console

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// passPolicyView is policy_pass.html's data: the form's values as text, so
// that a refused change shows what was typed.
type passPolicyView struct {
	policyForm
	State                                          string
	Min, Max, Default, Length                      string
	Once                                           bool
	Include, Exclude                               []string
	MinLifetime, MaxLifetime, MinLength, MaxLength int
}

// passFields are the pass policy's form fields, named as Graph names the
// properties, so that a rule's message names the field it is about.
var passFields = []string{"minimumLifetimeInMinutes", "maximumLifetimeInMinutes", "defaultLifetimeInMinutes",
	"defaultLength", "includeTargets", "excludeTargets", "state"}

var passLabels = map[string]string{
	"state": "Status", "minimumLifetimeInMinutes": "Shortest lifetime", "maximumLifetimeInMinutes": "Longest lifetime",
	"defaultLifetimeInMinutes": "Default lifetime", "defaultLength": "Pass length", "isUsableOnce": "One-time passes only",
	"includeTargets": "Who can use passes", "excludeTargets": "Excluded groups",
}

func passPolicyOf(p domain.TAPPolicy) passPolicyView {
	v := passPolicyView{State: p.State, Min: strconv.Itoa(p.MinimumLifetimeInMinutes), Max: strconv.Itoa(p.MaximumLifetimeInMinutes),
		Default: strconv.Itoa(p.DefaultLifetimeInMinutes), Length: strconv.Itoa(p.DefaultLength), Once: p.IsUsableOnce}
	for _, t := range p.IncludeTargets {
		v.Include = append(v.Include, t.ID)
	}
	for _, t := range p.ExcludeTargets {
		v.Exclude = append(v.Exclude, t.ID)
	}
	return v
}

func passPolicyPosted(r *http.Request) passPolicyView {
	return passPolicyView{State: r.FormValue("state"), Min: r.FormValue("minimumLifetimeInMinutes"), Max: r.FormValue("maximumLifetimeInMinutes"),
		Default: r.FormValue("defaultLifetimeInMinutes"), Length: r.FormValue("defaultLength"), Once: r.FormValue("isUsableOnce") == "true",
		Include: r.Form["includeTargets"], Exclude: r.Form["excludeTargets"]}
}

// applyPassForm is the change the form asks for.
func applyPassForm(r *http.Request) func(*domain.TAPPolicy) error {
	return func(p *domain.TAPPolicy) error {
		p.State = domain.StateDisabled
		if r.FormValue("state") == domain.StateEnabled {
			p.State = domain.StateEnabled
		}
		for _, f := range []struct {
			name string
			to   *int
		}{{"minimumLifetimeInMinutes", &p.MinimumLifetimeInMinutes}, {"maximumLifetimeInMinutes", &p.MaximumLifetimeInMinutes},
			{"defaultLifetimeInMinutes", &p.DefaultLifetimeInMinutes}, {"defaultLength", &p.DefaultLength}} {
			n, err := wholeNumber(r, f.name, passLabels[f.name])
			if err != nil {
				return err
			}
			*f.to = n
		}
		p.IsUsableOnce = r.FormValue("isUsableOnce") == "true"
		p.IncludeTargets = targetsOf(r, p.IncludeTargets, "includeTargets")
		p.ExcludeTargets = targetsOf(r, p.ExcludeTargets, "excludeTargets")
		return nil
	}
}

func (h *Handler) passPolicyForm(w http.ResponseWriter, r *http.Request, a *Admin) error {
	p, err := h.dir.GetTAPPolicy(r.Context(), a.Actor)
	if err != nil {
		return err
	}
	v := passPolicyOf(p)
	v.Saved = p.LastModifiedDateTime
	return h.renderPassPolicy(w, r, a, http.StatusOK, v, nil, "")
}

func (h *Handler) passPolicyPost(w http.ResponseWriter, r *http.Request, a *Admin) error {
	v := passPolicyPosted(r)
	switch policyStep(r) {
	case "edit":
		return h.renderPassPolicy(w, r, a, http.StatusOK, v, nil, "")
	case "save":
		reviewed, err := reviewedAt(r)
		if err != nil {
			return err
		}
		apply := applyPassForm(r)
		_, err = h.dir.UpdateTAPPolicy(r.Context(), a.Actor, func(p *domain.TAPPolicy) error {
			if err := directory.UnchangedSince(p.LastModifiedDateTime, reviewed); err != nil {
				return err
			}
			return apply(p)
		})
		if k := domain.KindOf(err); k == domain.KindInvalid || k == domain.KindConflict {
			return h.renderPassPolicy(w, r, a, statusFor(k), v, err, "")
		}
		if err != nil {
			return err
		}
		return h.done(w, r, a, Prefix+"/policies", "The Temporary Access Pass policy was saved.")
	}
	pc, err := h.dir.PreviewTAPPolicy(r.Context(), a.Actor, applyPassForm(r))
	if domain.KindOf(err) == domain.KindInvalid {
		return h.renderPassPolicy(w, r, a, http.StatusBadRequest, v, err, "")
	}
	if err != nil {
		return err
	}
	if len(pc.Changes) == 0 {
		return h.renderPassPolicy(w, r, a, http.StatusOK, v, nil, "Nothing to save: the policy already says this.")
	}
	names, err := h.groupNames(r.Context(), a)
	if err != nil {
		return err
	}
	before, after := passPolicyOf(pc.Before), passPolicyOf(pc.After)
	v.Review = true
	v.Reviewed = pc.Before.LastModifiedDateTime.Format(time.RFC3339Nano)
	v.Changes = changeRows(pc.Changes, passLabels, func(field string, isAfter bool) string {
		p, pv := pc.Before, before
		if isAfter {
			p, pv = pc.After, after
		}
		switch field {
		case "state":
			if p.State == domain.StateEnabled {
				return "Enabled"
			}
			return "Disabled"
		case "minimumLifetimeInMinutes":
			return policyMinutes(p.MinimumLifetimeInMinutes)
		case "maximumLifetimeInMinutes":
			return policyMinutes(p.MaximumLifetimeInMinutes)
		case "defaultLifetimeInMinutes":
			return policyMinutes(p.DefaultLifetimeInMinutes)
		case "defaultLength":
			return pv.Length + " characters"
		case "isUsableOnce":
			return onOff(p.IsUsableOnce)
		case "includeTargets":
			return targetNames(p.IncludeTargets, names)
		case "excludeTargets":
			return targetNames(p.ExcludeTargets, names)
		}
		return ""
	})
	v.Include, v.Exclude = after.Include, after.Exclude
	return h.renderPassPolicy(w, r, a, http.StatusOK, v, nil, "")
}

// renderPassPolicy draws the editor, or its review, with err shown at the
// field it names and at the top.
func (h *Handler) renderPassPolicy(w http.ResponseWriter, r *http.Request, a *Admin, status int, v passPolicyView, err error, notice string) error {
	names, gerr := h.groupNames(r.Context(), a)
	if gerr != nil {
		return gerr
	}
	v.Groups, v.AllUsers = groupOptions(names, idsTargets(v.Include), idsTargets(v.Exclude))
	v.CanWrite = a.Can(domain.ActWritePolicy)
	v.MinLifetime, v.MaxLifetime, v.MinLength, v.MaxLength = domain.MinLifetimeMinutes, domain.MaxLifetimeMinutes, domain.MinPassLength, domain.MaxPassLength
	vw := view{Title: "Temporary Access Pass policy", Notice: notice, Page: &v}
	if err != nil {
		v.Field = fieldOf(err.Error(), passFields)
		v.FieldErr = explainPolicy(err, v.Field, passLabels)
		vw.Error = "The policy was not saved: " + v.FieldErr
	}
	h.render(w, r, a, status, "policy_pass.html", vw)
	return nil
}

func idsTargets(ids []string) []domain.Target {
	out := make([]domain.Target, 0, len(ids))
	for _, id := range ids {
		out = append(out, domain.Target{ID: id, TargetType: "group"})
	}
	return out
}

// policyMinutes says a lifetime in minutes, and in hours or days when it is whole ones.
func policyMinutes(n int) string {
	s := strconv.Itoa(n) + " minutes"
	switch {
	case n >= 1440 && n%1440 == 0:
		s += " (" + plural(n/1440, "day", "days") + ")"
	case n >= 60 && n%60 == 0:
		s += " (" + plural(n/60, "hour", "hours") + ")"
	}
	return s
}

func statusFor(k domain.Kind) int {
	if k == domain.KindConflict {
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// explainPolicy is a policy refusal in the console's words: the directory's
// message, which names the allowed range, with the properties it names called
// by their labels on the page.
func explainPolicy(err error, field string, labels map[string]string) string {
	var de *domain.Error
	if !errors.As(err, &de) {
		return explain(err)
	}
	msg := de.Message
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	// The longer names first: keyRestrictions.aaGuids before keyRestrictions.
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
	for _, k := range names {
		if k == "target" || k == "state" {
			continue
		}
		msg = strings.ReplaceAll(msg, k, strings.ToLower(labels[k][:1])+labels[k][1:])
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg
}
