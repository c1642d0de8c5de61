package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// personForm is the fields of person_form.html, as typed, so that a refused
// form comes back with what the administrator wrote.
type personForm struct {
	ID          string // empty for a new person
	UPN         string
	DisplayName string
	Mail        string
	Manager     string // the manager's userPrincipalName
	HireDate    string // YYYY-MM-DD
	Enabled     bool
}

func readPersonForm(r *http.Request) personForm {
	f := r.PostForm
	return personForm{
		UPN:         strings.TrimSpace(f.Get("upn")),
		DisplayName: strings.TrimSpace(f.Get("displayName")),
		Mail:        strings.TrimSpace(f.Get("mail")),
		Manager:     strings.TrimSpace(f.Get("manager")),
		HireDate:    strings.TrimSpace(f.Get("hireDate")),
		Enabled:     f.Get("enabled") != "",
	}
}

// hireDate reads the hire date field: empty, or a date.
func (f personForm) hireDate() (*time.Time, error) {
	if f.HireDate == "" {
		return nil, nil
	}
	d, err := time.Parse(time.DateOnly, f.HireDate)
	if err != nil {
		return nil, domain.Invalid("The hire date %q is not a date; use the date picker or write it as YYYY-MM-DD.", f.HireDate)
	}
	return &d, nil
}

func (h *Handler) newPersonForm(w http.ResponseWriter, r *http.Request, a *Admin) error {
	h.render(w, r, a, http.StatusOK, "person_form.html", view{Title: "New person", Page: personForm{Enabled: true}})
	return nil
}

// createPerson adds a person; a refused form comes back with the reason.
func (h *Handler) createPerson(w http.ResponseWriter, r *http.Request, a *Admin) error {
	f := readPersonForm(r)
	again := func(err error) error {
		if status, _ := statusOf(err); status == http.StatusBadRequest || status == http.StatusConflict {
			h.render(w, r, a, status, "person_form.html", view{Title: "New person", Error: explain(err), Page: f})
			return nil
		}
		return err
	}
	hire, err := f.hireDate()
	if err != nil {
		return again(err)
	}
	u, err := h.dir.CreateUser(r.Context(), a.Actor, domain.User{
		UserPrincipalName: f.UPN, DisplayName: f.DisplayName, Mail: f.Mail, ManagerID: f.Manager,
		EmployeeHireDate: hire, AccountEnabled: f.Enabled,
	})
	if err != nil {
		return again(err)
	}
	return h.done(w, r, a, personURL(u.ID), u.DisplayName+" was added to the directory.")
}

func (h *Handler) editPersonForm(w http.ResponseWriter, r *http.Request, a *Admin) error {
	u, err := h.dir.GetUser(r.Context(), a.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := personForm{ID: u.ID, UPN: u.UserPrincipalName, DisplayName: u.DisplayName, Mail: u.Mail, Enabled: u.AccountEnabled}
	if u.EmployeeHireDate != nil {
		f.HireDate = u.EmployeeHireDate.UTC().Format(time.DateOnly)
	}
	if u.ManagerID != "" {
		if m, err := h.dir.Manager(r.Context(), a.Actor, u.ID); err == nil {
			f.Manager = m.UserPrincipalName
		}
	}
	h.render(w, r, a, http.StatusOK, "person_form.html", view{Title: "Edit " + u.DisplayName, Page: f})
	return nil
}

// editPerson changes a person's display name, mail and hire date, then their
// manager, each through the directory under the same rules as the API.
func (h *Handler) editPerson(w http.ResponseWriter, r *http.Request, a *Admin) error {
	ctx := r.Context()
	cur, err := h.dir.GetUser(ctx, a.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := readPersonForm(r)
	f.ID, f.UPN, f.Enabled = cur.ID, cur.UserPrincipalName, cur.AccountEnabled
	again := func(err error) error {
		if status, _ := statusOf(err); status == http.StatusBadRequest || status == http.StatusConflict || status == http.StatusNotFound {
			h.render(w, r, a, status, "person_form.html", view{Title: "Edit " + cur.DisplayName, Error: explain(err), Page: f})
			return nil
		}
		return err
	}
	hire, err := f.hireDate()
	if err != nil {
		return again(err)
	}
	u, err := h.dir.UpdateUser(ctx, a.Actor, cur.ID, func(u *domain.User) error {
		u.DisplayName, u.Mail, u.EmployeeHireDate = f.DisplayName, f.Mail, hire
		return nil
	})
	if err != nil {
		return again(err)
	}
	oldManager := ""
	if u.ManagerID != "" {
		if m, err := h.dir.Manager(ctx, a.Actor, u.ID); err == nil {
			oldManager = m.UserPrincipalName
		}
	}
	if !strings.EqualFold(oldManager, f.Manager) {
		if err := h.dir.SetManager(ctx, a.Actor, u.ID, f.Manager); err != nil {
			if domain.KindOf(err) == domain.KindNotFound && f.Manager != "" {
				err = domain.Invalid("There is nobody with the username %s to be the manager. Check the spelling.", f.Manager)
			}
			return again(err)
		}
	}
	return h.done(w, r, a, personURL(u.ID), "Your changes to "+u.DisplayName+" were saved.")
}

// setEnabled disables or enables an account. Disabling ends the person's
// sessions at once (the directory does).
func (h *Handler) setEnabled(on bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, a *Admin) error {
		u, err := h.dir.UpdateUser(r.Context(), a.Actor, r.PathValue("id"), func(u *domain.User) error {
			u.AccountEnabled = on
			return nil
		})
		if err != nil {
			return err
		}
		msg := u.DisplayName + " was disabled: they cannot sign in, and their sessions have ended."
		if on {
			msg = u.DisplayName + " was enabled and can sign in again."
		}
		return h.done(w, r, a, personURL(u.ID), msg)
	}
}

// deletePage is person_delete.html's data.
type deletePage struct {
	User domain.User
}

func (h *Handler) deletePersonConfirm(w http.ResponseWriter, r *http.Request, a *Admin) error {
	u, err := h.dir.GetUser(r.Context(), a.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	h.render(w, r, a, http.StatusOK, "person_delete.html", view{Title: "Delete " + u.DisplayName, Page: deletePage{User: u}})
	return nil
}

func (h *Handler) deletePerson(w http.ResponseWriter, r *http.Request, a *Admin) error {
	ctx := r.Context()
	u, err := h.dir.GetUser(ctx, a.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.dir.DeleteUser(ctx, a.Actor, u.ID); err != nil {
		return err
	}
	return h.done(w, r, a, Prefix+"/people", u.DisplayName+" ("+u.UserPrincipalName+") was deleted, with their passkeys, pass and sessions.")
}

func personURL(id string) string { return Prefix + "/people/" + id }
