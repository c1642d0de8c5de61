package graphapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// userJSON renders a user as Graph's user resource.
func userJSON(u domain.User) obj {
	return obj{
		{"id", u.ID},
		{"userPrincipalName", u.UserPrincipalName},
		{"displayName", u.DisplayName},
		{"givenName", nullable(u.GivenName)},
		{"surname", nullable(u.Surname)},
		{"mail", nullable(u.Mail)},
		{"mailNickname", nullable(u.MailNickname)},
		{"jobTitle", nullable(u.JobTitle)},
		{"department", nullable(u.Department)},
		{"accountEnabled", u.AccountEnabled},
		{"createdDateTime", graphTime(u.CreatedDateTime)},
		{"employeeHireDate", graphTimePtr(u.EmployeeHireDate)},
		{"employeeLeaveDateTime", graphTimePtr(u.EmployeeLeaveDateTime)},
		{"employeeId", nullable(u.EmployeeID)},
	}
}

var userSample = userJSON(domain.User{})

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveCollection(h, w, r, c, "users", userSample, "user", h.dir.ListUsers, h.userRenderer(r, c))
}

// userRenderer renders users, with their manager when the request asks for
// $expand=manager (null for someone without one), as Graph does.
func (h *Handler) userRenderer(r *http.Request, c *call) func(domain.User) obj {
	expand := false
	for k, vs := range r.URL.Query() {
		if strings.EqualFold(strings.TrimPrefix(k, "$"), "expand") {
			for _, v := range vs {
				expand = expand || strings.Contains(strings.ToLower(v), "manager")
			}
		}
	}
	if !expand {
		return userJSON
	}
	return func(u domain.User) obj {
		o := userJSON(u)
		if u.ManagerID == "" {
			return append(o, field{"manager", nil})
		}
		m, err := h.dir.Manager(r.Context(), c.actor, u.ID)
		if err != nil {
			return append(o, field{"manager", nil})
		}
		return append(o, field{"manager", directoryUser(m)})
	}
}

// countUsers answers /users/$count with the number of users matching $filter, as
// plain text.
func (h *Handler) countUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveCount(w, r, c, h.dir.ListUsers)
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveEntity(h, w, r, c, "users", userSample, "user", h.dir.GetUser, h.userRenderer(r, c))
}

// getMe returns the caller's own user. The actor was just built from that very
// record, so reading it needs no directory role.
func (h *Handler) getMe(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := requireDelegated(c); err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	sel, err := selection(q.Select, userSample, "user")
	if err != nil {
		return err
	}
	u, err := h.dir.ResolveUser(r.Context(), c.actor.UserID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, project(userJSON(u), sel).prepend(field{"@odata.context", h.contextURL("users", sel) + "/$entity"}))
	return nil
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := readBody(w, r, false)
	if err != nil {
		return err
	}
	if err := b.require("displayName", "userPrincipalName"); err != nil {
		return err
	}
	apply, err := userPatch(b)
	if err != nil {
		return err
	}
	u := domain.User{AccountEnabled: true}
	apply(&u)
	u, err = h.dir.CreateUser(r.Context(), c.actor, u)
	if err != nil {
		return err
	}
	w.Header().Set("Location", h.base+"/v1.0/users/"+u.ID)
	writeJSON(w, http.StatusCreated, userJSON(u).prepend(field{"@odata.context", h.contextURL("users", nil) + "/$entity"}))
	return nil
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := readBody(w, r, false)
	if err != nil {
		return err
	}
	apply, err := userPatch(b)
	if err != nil {
		return err
	}
	if _, err := h.dir.UpdateUser(r.Context(), c.actor, r.PathValue("id"), func(u *domain.User) error {
		apply(u)
		return nil
	}); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := h.dir.DeleteUser(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// userPatch reads the writable user properties present in b. Every value is
// checked before anything is applied; null clears an optional property.
func userPatch(b body) (func(*domain.User), error) {
	var steps []func(*domain.User)
	strs := []struct {
		name string
		dst  func(*domain.User) *string
	}{
		{"userPrincipalName", func(u *domain.User) *string { return &u.UserPrincipalName }},
		{"displayName", func(u *domain.User) *string { return &u.DisplayName }},
		{"givenName", func(u *domain.User) *string { return &u.GivenName }},
		{"surname", func(u *domain.User) *string { return &u.Surname }},
		{"mail", func(u *domain.User) *string { return &u.Mail }},
		{"mailNickname", func(u *domain.User) *string { return &u.MailNickname }},
		{"jobTitle", func(u *domain.User) *string { return &u.JobTitle }},
		{"department", func(u *domain.User) *string { return &u.Department }},
		{"employeeId", func(u *domain.User) *string { return &u.EmployeeID }},
	}
	for _, s := range strs {
		v, ok, err := prop[string](b, s.name)
		if err != nil {
			return nil, err
		}
		if ok || b.isNull(s.name) {
			dst := s.dst
			steps = append(steps, func(u *domain.User) { *dst(u) = v })
		}
	}
	if b.isNull("accountEnabled") {
		return nil, badRequest("Invalid value for property 'accountEnabled': expected true or false.")
	}
	if v, ok, err := prop[bool](b, "accountEnabled"); err != nil {
		return nil, err
	} else if ok {
		steps = append(steps, func(u *domain.User) { u.AccountEnabled = v })
	}
	if t, ok, err := timeProp(b, "employeeHireDate"); err != nil {
		return nil, err
	} else if ok || b.isNull("employeeHireDate") {
		var hire *time.Time
		if ok {
			hire = &t
		}
		steps = append(steps, func(u *domain.User) { u.EmployeeHireDate = hire })
	}
	if t, ok, err := timeProp(b, "employeeLeaveDateTime"); err != nil {
		return nil, err
	} else if ok || b.isNull("employeeLeaveDateTime") {
		var leave *time.Time
		if ok {
			leave = &t
		}
		steps = append(steps, func(u *domain.User) { u.EmployeeLeaveDateTime = leave })
	}
	return func(u *domain.User) {
		for _, s := range steps {
			s(u)
		}
	}, nil
}

// writeCount answers a /$count request.
func writeCount(w http.ResponseWriter, n int) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(strconv.Itoa(n)))
}
