package console

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

func (h *Handler) mountPasses(rt router) {
	rt.page(Prefix+"/people/{id}/pass/new", domain.ActWriteMethods, h.newPassForm)
	rt.form(Prefix+"/people/{id}/pass/new", h.createPass)
	rt.page(Prefix+"/people/{id}/pass/shown", domain.ActWriteMethods, h.showPass)
	rt.form(Prefix+"/people/{id}/pass/{pass}/delete", h.deletePass)
}

// passForm is pass_new.html's data: the person, the policy's bounds, and the
// choices as made so far.
type passForm struct {
	User     domain.User
	Min, Max int  // lifetime bounds in minutes, from the policy
	OnceOnly bool // the policy makes every pass one-time
	Enabled  bool // the policy is on
	Zone     string

	StartLater bool
	Start      string // datetime-local, in Zone
	Lifetime   int
	Once       bool
	Replaces   bool // the person has a pass that a new one replaces
}

// MinText and MaxText say the bounds as people do ("1 hour", "8 hours").
func (f passForm) MinText() string { return minutes(f.Min) }
func (f passForm) MaxText() string { return minutes(f.Max) }

func minutes(n int) string {
	switch {
	case n%(24*60) == 0:
		return plural(n/(24*60), "day", "days")
	case n%60 == 0:
		return plural(n/60, "hour", "hours")
	}
	return plural(n, "minute", "minutes")
}

// passFormFor reads the person and the policy for the form.
func (h *Handler) passFormFor(r *http.Request, a *Admin) (passForm, error) {
	ctx := r.Context()
	u, err := h.dir.GetUser(ctx, a.Actor, r.PathValue("id"))
	if err != nil {
		return passForm{}, err
	}
	pol, err := h.dir.GetTAPPolicy(ctx, a.Actor)
	if err != nil {
		return passForm{}, err
	}
	loc, err := h.dir.TimeZone(ctx)
	if err != nil {
		return passForm{}, err
	}
	f := passForm{User: u, Min: pol.MinimumLifetimeInMinutes, Max: pol.MaximumLifetimeInMinutes, OnceOnly: pol.IsUsableOnce,
		Enabled: pol.State == domain.StateEnabled, Zone: loc.String(), Lifetime: pol.DefaultLifetimeInMinutes, Once: true}
	if existing, err := h.dir.ListPasses(ctx, a.Actor, u.ID); err == nil {
		f.Replaces = len(existing) > 0
	}
	return f, nil
}

func (h *Handler) newPassForm(w http.ResponseWriter, r *http.Request, a *Admin) error {
	f, err := h.passFormFor(r, a)
	if err != nil {
		return err
	}
	h.render(w, r, a, http.StatusOK, "pass_new.html", view{Title: "Create a pass for " + f.User.DisplayName, Page: f})
	return nil
}

// createPass issues the pass and sends the browser to see it, once.
func (h *Handler) createPass(w http.ResponseWriter, r *http.Request, a *Admin) error {
	ctx := r.Context()
	f, err := h.passFormFor(r, a)
	if err != nil {
		return err
	}
	form := r.PostForm
	f.StartLater = form.Get("start") == "later"
	f.Start = strings.TrimSpace(form.Get("startAt"))
	f.Once = form.Get("once") != "" || f.OnceOnly
	again := func(status int, msg string) error {
		h.render(w, r, a, status, "pass_new.html", view{Title: "Create a pass for " + f.User.DisplayName, Error: msg, Page: f})
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(form.Get("lifetime")))
	if err != nil {
		return again(http.StatusBadRequest, "Write the lifetime as a number of minutes, between "+strconv.Itoa(f.Min)+" and "+strconv.Itoa(f.Max)+".")
	}
	f.Lifetime = n
	req := domain.PassRequest{LifetimeInMinutes: &f.Lifetime, IsUsableOnce: &f.Once}
	if f.StartLater {
		loc, err := time.LoadLocation(f.Zone)
		if err != nil {
			return err
		}
		start, err := time.ParseInLocation("2006-01-02T15:04", f.Start, loc)
		if err != nil {
			return again(http.StatusBadRequest, "Choose the date and time the pass starts, or choose \"Now\".")
		}
		req.StartDateTime = &start
	}
	issued, err := h.dir.IssuePass(ctx, a.Actor, f.User.ID, req)
	if status, _ := statusOf(err); status == http.StatusBadRequest {
		return again(status, explain(err))
	}
	if err != nil {
		return err
	}
	if err := h.stashPass(w, a, shownPass{PassID: issued.ID, UserID: f.User.ID, Code: issued.Code, URL: issued.SignInURL,
		Start: issued.StartDateTime, End: issued.End(), Once: issued.IsUsableOnce, Usable: issued.IsUsable, Reason: string(issued.Reason)}); err != nil {
		return err
	}
	http.Redirect(w, r, personURL(f.User.ID)+"/pass/shown", http.StatusSeeOther)
	return nil
}

// shownPage is pass_shown.html's data.
type shownPage struct {
	User   domain.User
	Pass   shownPass
	Groups []string // the pass in groups of four, for reading aloud
	QR     template.HTML
	Gone   bool // the pass was shown already: it is not shown again
	Reason string
}

// showPass shows a new pass, once: the stash is cleared as it is read, so a
// reload, the back button or another tab shows that it is gone.
func (h *Handler) showPass(w http.ResponseWriter, r *http.Request, a *Admin) error {
	u, err := h.dir.GetUser(r.Context(), a.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	p, ok := h.takePass(w, r, a, u.ID)
	if !ok {
		h.render(w, r, a, http.StatusGone, "pass_shown.html", view{Title: "Pass no longer shown", Page: shownPage{User: u, Gone: true}})
		return nil
	}
	qr, err := qrSVG(p.URL)
	if err != nil {
		return err
	}
	page := shownPage{User: u, Pass: p, Groups: groupsOf(p.Code, 4), QR: qr}
	if !p.Usable {
		page.Reason = reasonText(domain.UsabilityReason(p.Reason))
	}
	h.render(w, r, a, http.StatusOK, "pass_shown.html", view{Title: "Pass for " + u.DisplayName, Page: page})
	return nil
}

// groupsOf splits s into groups of n characters.
func groupsOf(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func (h *Handler) deletePass(w http.ResponseWriter, r *http.Request, a *Admin) error {
	id := r.PathValue("id")
	if err := h.dir.DeletePass(r.Context(), a.Actor, id, r.PathValue("pass")); err != nil {
		return err
	}
	return h.done(w, r, a, personURL(id)+"#methods", "The pass was deleted. Sessions signed in with it have ended.")
}
