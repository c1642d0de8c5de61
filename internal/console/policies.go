package console

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// The policy editors: a form, a review of what would change (the directory
// checks the change as it would on saving, and writes nothing), then saving.
// The review carries the reviewed policy's modification time, so that saving
// is refused when someone else changed the policy in between.

func (h *Handler) mountPolicies(rt router) {
	rt.page(Prefix+"/policies", domain.ActReadPolicy, h.policies)
	rt.page(Prefix+"/policies/pass", domain.ActReadPolicy, h.passPolicyForm)
	rt.form(Prefix+"/policies/pass", h.passPolicyPost)
	rt.page(Prefix+"/policies/passkey", domain.ActReadPolicy, h.passkeyPolicyForm)
	rt.form(Prefix+"/policies/passkey", h.passkeyPolicyPost)
}

// policiesPage is policies.html's data.
type policiesPage struct {
	Pass     domain.TAPPolicy
	Passkey  domain.Fido2Policy
	Groups   map[string]string
	CanWrite bool
}

func (h *Handler) policies(w http.ResponseWriter, r *http.Request, a *Admin) error {
	tap, err := h.dir.GetTAPPolicy(r.Context(), a.Actor)
	if err != nil {
		return err
	}
	fido, err := h.dir.GetFido2Policy(r.Context(), a.Actor)
	if err != nil {
		return err
	}
	groups, err := h.groupNames(r.Context(), a)
	if err != nil {
		return err
	}
	h.render(w, r, a, http.StatusOK, "policies.html", view{Title: "Policies",
		Page: policiesPage{Pass: tap, Passkey: fido, Groups: groups, CanWrite: a.Can(domain.ActWritePolicy)}})
	return nil
}

// groupOption is a group a policy may target.
type groupOption struct {
	ID, Name          string
	Included, Exclude bool
}

// maxPolicyGroups bounds the groups the editors list.
const maxPolicyGroups = 500

// groupNames maps every group's id to its name (the policies name groups by id).
func (h *Handler) groupNames(ctx context.Context, a *Admin) (map[string]string, error) {
	out := map[string]string{domain.AllUsers: "All users"}
	if !a.Can(domain.ActReadGroups) {
		return out, nil
	}
	gs, _, err := h.dir.ListGroups(ctx, a.Actor, store.ListOptions{Top: maxPolicyGroups})
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		out[g.ID] = g.DisplayName
	}
	return out, nil
}

// policyForm is what both editors share: the targets, the field in error and
// the review.
type policyForm struct {
	Groups    []groupOption
	AllUsers  bool
	Values    map[string]string // the form's values as typed, to show them again
	Field     string            // the field the error is about
	FieldErr  string
	Changes   []changeRow
	Reviewed  string // the reviewed policy's modification time (RFC 3339 nano)
	Review    bool
	CanWrite  bool
	Saved     time.Time
	Hints     map[string]string
	Unchanged bool
}

// changeRow is one line of the review: a setting, before and after.
type changeRow struct{ Label, Before, After string }

// targetsOf reads the include and exclude lists a form posted, keeping what
// the old lists said of a group that stays (IsRegistrationRequired).
func targetsOf(r *http.Request, old []domain.Target, field string) []domain.Target {
	var out []domain.Target
	for _, id := range r.Form[field] {
		id = strings.TrimSpace(id)
		if id == "" || slices.ContainsFunc(out, func(t domain.Target) bool { return t.ID == id }) {
			continue
		}
		t := domain.Target{ID: id, TargetType: "group"}
		if i := slices.IndexFunc(old, func(o domain.Target) bool { return o.ID == id }); i >= 0 {
			t.IsRegistrationRequired = old[i].IsRegistrationRequired
		}
		out = append(out, t)
	}
	if out == nil {
		out = []domain.Target{}
	}
	return out
}

// groupOptions lists the groups with the ones a policy targets marked.
func groupOptions(names map[string]string, include, exclude []domain.Target) ([]groupOption, bool) {
	all := false
	var out []groupOption
	in := func(l []domain.Target, id string) bool {
		return slices.ContainsFunc(l, func(t domain.Target) bool { return t.ID == id })
	}
	for id, name := range names {
		if id == domain.AllUsers {
			all = in(include, id)
			continue
		}
		out = append(out, groupOption{ID: id, Name: name, Included: in(include, id), Exclude: in(exclude, id)})
	}
	// A group the policy names that the list does not hold (deleted, or past the
	// list's bound) stays visible, so that saving does not drop it unseen.
	for _, l := range [][]domain.Target{include, exclude} {
		for _, t := range l {
			if _, ok := names[t.ID]; !ok && !slices.ContainsFunc(out, func(g groupOption) bool { return g.ID == t.ID }) {
				out = append(out, groupOption{ID: t.ID, Name: "Unknown group " + t.ID, Included: in(include, t.ID), Exclude: in(exclude, t.ID)})
			}
		}
	}
	slices.SortFunc(out, func(a, b groupOption) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, all
}

// wholeNumber reads a whole number a form field holds; the error names the field.
func wholeNumber(r *http.Request, field, label string) (int, error) {
	v := strings.TrimSpace(r.FormValue(field))
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, domain.Invalid("%s must be a whole number; got %q.", field, v)
	}
	return n, nil
}

// fieldOf names the form field a directory message is about: every rule's
// message starts with, or names, the Graph property, which is the field's name.
func fieldOf(msg string, fields []string) string {
	best, at := "", len(msg)
	for _, f := range fields {
		if i := strings.Index(msg, f); i >= 0 && i < at {
			best, at = f, i
		}
	}
	return best
}

// targetNames draws a target list in words.
func targetNames(l []domain.Target, names map[string]string) string {
	if len(l) == 0 {
		return "nobody"
	}
	var out []string
	for _, t := range l {
		n, ok := names[t.ID]
		if !ok {
			n = "unknown group " + t.ID
		}
		out = append(out, n)
	}
	return strings.Join(out, ", ")
}

func onOff(b bool) string {
	if b {
		return "On"
	}
	return "Off"
}

// reviewedAt reads the modification time a review carried.
func reviewedAt(r *http.Request) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, r.FormValue("reviewed"))
	if err != nil {
		return time.Time{}, domain.Invalid("The review of this change is missing. Open the policy again and make the change.")
	}
	return t, nil
}

// formValues keeps a posted form's values to show them again.
func formValues(r *http.Request, fields ...string) map[string]string {
	m := map[string]string{}
	for _, f := range fields {
		m[f] = r.FormValue(f)
	}
	return m
}

// policyStep is which button sent a policy form: review the change, save the
// reviewed change, or go back to editing it.
func policyStep(r *http.Request) string {
	switch r.FormValue("step") {
	case "save":
		return "save"
	case "edit":
		return "edit"
	}
	return "review"
}

// changeRows draws the directory's list of changed properties with the page's
// labels, each value drawn by show (the directory's values are JSON).
func changeRows(props []domain.ModifiedProperty, labels map[string]string, show func(field string, after bool) string) []changeRow {
	var out []changeRow
	for _, p := range props {
		l, ok := labels[p.DisplayName]
		if !ok {
			l = p.DisplayName
		}
		out = append(out, changeRow{Label: l, Before: show(p.DisplayName, false), After: show(p.DisplayName, true)})
	}
	return out
}

// Invalid reports whether the error is about field; templates mark the field.
func (f *policyForm) Invalid(field string) bool { return f.FieldErr != "" && f.Field == field }

// Has reports whether id is in ids (a target list's checkboxes).
func (f *policyForm) Has(ids []string, id string) bool { return slices.Contains(ids, id) }

// numberField is a number input of a policy editor, for the "policy-number" block.
type numberField struct{ Name, Label, Value, Hint, Err string }

// NumField builds a number field of the form; templates call it as
// {{template "policy-number" ($p.NumField "name" "label" value "hint")}}.
func (f *policyForm) NumField(name, label, value, hint string) numberField {
	n := numberField{Name: name, Label: label, Value: value, Hint: hint}
	if f.Invalid(name) {
		n.Err = f.FieldErr
	}
	return n
}
