package scim

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// userResource renders a directory user as a SCIM User.
func (h *Handler) userResource(u domain.User) resource {
	schemas := []any{schemaUser}
	res := resource{
		"id":          u.ID,
		"userName":    u.UserPrincipalName,
		"displayName": u.DisplayName,
		"active":      u.AccountEnabled,
		"meta": map[string]any{
			"resourceType": "User",
			"created":      scimTime(u.CreatedDateTime),
			"lastModified": scimTime(u.LastModifiedDateTime),
			"location":     h.base + "/Users/" + u.ID,
			"version":      etag(u.Version),
		},
	}
	if u.ExternalID != "" {
		res["externalId"] = u.ExternalID
	}
	name := map[string]any{}
	if u.GivenName != "" {
		name["givenName"] = u.GivenName
	}
	if u.Surname != "" {
		name["familyName"] = u.Surname
	}
	if f := strings.TrimSpace(u.GivenName + " " + u.Surname); f != "" {
		name["formatted"] = f
	}
	if len(name) > 0 {
		res["name"] = name
	}
	if u.JobTitle != "" {
		res["title"] = u.JobTitle
	}
	if u.Mail != "" {
		res["emails"] = []any{map[string]any{"value": u.Mail, "type": "work", "primary": true}}
	}
	ent := map[string]any{}
	if u.EmployeeID != "" {
		ent["employeeNumber"] = u.EmployeeID
	}
	if u.Department != "" {
		ent["department"] = u.Department
	}
	if u.ManagerID != "" {
		ent["manager"] = map[string]any{"value": u.ManagerID, "$ref": h.base + "/Users/" + u.ManagerID}
	}
	if len(ent) > 0 {
		res[schemaEnterprise] = ent
		schemas = append(schemas, schemaEnterprise)
	}
	if u.EmployeeHireDate != nil {
		res[schemaFirstkey] = map[string]any{"employeeHireDate": u.EmployeeHireDate.UTC().Format(time.RFC3339)}
		schemas = append(schemas, schemaFirstkey)
	}
	res["schemas"] = schemas
	return res
}

// toUser sets the user's SCIM-mapped fields from a resource; the others
// (mailNickname, roles, methods) are not SCIM's and stay. A resource without
// active leaves the account as it is.
func toUser(res resource, u *domain.User) error {
	upn := strings.TrimSpace(str(res, "userName"))
	if upn == "" {
		return invalidValue("userName is required.")
	}
	if err := domain.ValidateUPN(upn); err != nil {
		return invalidValue("userName %q must be a userPrincipalName of the form alias@domain.", truncate(upn))
	}
	u.UserPrincipalName = upn
	name := obj(res, "name")
	u.GivenName, u.Surname = str(name, "givenName"), str(name, "familyName")
	u.DisplayName = strings.TrimSpace(str(res, "displayName"))
	if u.DisplayName == "" {
		u.DisplayName = firstNonEmpty(str(name, "formatted"), strings.TrimSpace(u.GivenName+" "+u.Surname), upn)
	}
	u.ExternalID = str(res, "externalId")
	u.JobTitle = str(res, "title")
	u.Mail = pickEmail(list(res, "emails"))
	if a, ok := res["active"].(bool); ok {
		u.AccountEnabled = a
	}
	ent := obj(res, schemaEnterprise)
	u.EmployeeID, u.Department = str(ent, "employeeNumber"), str(ent, "department")
	u.ManagerID = str(obj(ent, "manager"), "value")
	u.EmployeeHireDate = nil
	if s := str(obj(res, schemaFirstkey), "employeeHireDate"); s != "" {
		t, err := parseDateTime(s)
		if err != nil {
			return invalidValue("employeeHireDate %q is not a date.", truncate(s))
		}
		u.EmployeeHireDate = &t
	}
	return nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// pickEmail chooses the address firstkey keeps: the primary one, else the one
// of type work (or without a type), else the first.
func pickEmail(emails []any) string {
	var work, first string
	for _, e := range emails {
		m, _ := e.(map[string]any)
		v := strings.TrimSpace(str(m, "value"))
		if v == "" {
			continue
		}
		if m["primary"] == true {
			return v
		}
		if t := str(m, "type"); work == "" && (t == "" || strings.EqualFold(t, "work")) {
			work = v
		}
		if first == "" {
			first = v
		}
	}
	return firstNonEmpty(work, first)
}

// resourceID checks an id in a URL: firstkey's ids are GUIDs, and a user must
// not be found by another name here.
func resourceID(r *http.Request, kind string) (string, error) {
	id := r.PathValue("id")
	u, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return "", notFound(kind, id)
	}
	return u.String(), nil
}

// writeUser answers with one user, its ETag and the attributes asked for.
func (h *Handler) writeUser(w http.ResponseWriter, r *http.Request, status int, u domain.User) error {
	q, err := resourceQuery(r)
	if err != nil {
		return err
	}
	p, err := newProjection(userType, q)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(u.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", h.base+"/Users/"+u.ID)
	}
	writeJSON(w, status, p.apply(userType, h.userResource(u)))
	return nil
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := resourceID(r, "User")
	if err != nil {
		return err
	}
	u, err := h.dir.GetUser(r.Context(), c.actor, id)
	if err != nil {
		return err
	}
	if notModified(r, u.Version) {
		w.Header().Set("ETag", etag(u.Version))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return h.writeUser(w, r, http.StatusOK, u)
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := readJSON(w, r)
	if err != nil {
		return err
	}
	res, err := fromBody(userType, body)
	if err != nil {
		return err
	}
	u := domain.User{AccountEnabled: true}
	if err := toUser(res, &u); err != nil {
		return err
	}
	u, err = h.dir.CreateUser(r.Context(), c.actor, u)
	if err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusCreated, u)
}

// replaceUser is PUT: the resource replaces the user's SCIM attributes.
func (h *Handler) replaceUser(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := resourceID(r, "User")
	if err != nil {
		return err
	}
	body, err := readJSON(w, r)
	if err != nil {
		return err
	}
	res, err := fromBody(userType, body)
	if err != nil {
		return err
	}
	u, err := h.dir.UpdateUser(r.Context(), c.actor, id, func(u *domain.User) error {
		if err := ifMatch(r, u.Version); err != nil {
			return err
		}
		return toUser(res, u)
	})
	if err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusOK, u)
}

// patchUser applies the operations to the user's resource as stored, inside
// the directory's transaction, and keeps the result: all or nothing.
func (h *Handler) patchUser(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := resourceID(r, "User")
	if err != nil {
		return err
	}
	body, err := readJSON(w, r)
	if err != nil {
		return err
	}
	ops, err := parsePatch(body)
	if err != nil {
		return err
	}
	u, err := h.dir.UpdateUser(r.Context(), c.actor, id, func(u *domain.User) error {
		if err := ifMatch(r, u.Version); err != nil {
			return err
		}
		p := patcher{rt: userType, res: h.userResource(*u), id: u.ID}
		if err := p.apply(ops); err != nil {
			return err
		}
		return toUser(p.res, u)
	})
	if err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusOK, u)
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := resourceID(r, "User")
	if err != nil {
		return err
	}
	if err := h.dir.DeleteUserIf(r.Context(), c.actor, id, func(u domain.User) error { return ifMatch(r, u.Version) }); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := parseListQuery(r)
	if err != nil {
		return err
	}
	return h.queryUsers(w, r, c, q)
}

func (h *Handler) searchUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := searchQuery(w, r)
	if err != nil {
		return err
	}
	return h.queryUsers(w, r, c, q)
}

func (h *Handler) queryUsers(w http.ResponseWriter, r *http.Request, c *call, q listQuery) error {
	p, err := newProjection(userType, q)
	if err != nil {
		return err
	}
	opts, err := listOptions(userType, q)
	if err != nil {
		return err
	}
	users, total, err := h.dir.ListUsers(r.Context(), c.actor, opts)
	if err != nil {
		return err
	}
	items := make([]any, 0, len(users))
	for _, u := range users {
		if q.count > 0 {
			items = append(items, p.apply(userType, h.userResource(u)))
		}
	}
	writeJSON(w, http.StatusOK, listResponse(total, q.startIndex, items))
	return nil
}

// listOptions turns a query into the store's: a filter, a page and a count.
// count=0 asks for the total alone (RFC 7644 §3.4.2.4).
func listOptions(rt resourceType, q listQuery) (store.ListOptions, error) {
	opts := store.ListOptions{Top: max(q.count, 1), Skip: q.startIndex - 1, Count: true}
	if q.filter != "" {
		n, err := parseFilter(q.filter)
		if err != nil {
			return opts, err
		}
		if opts.Filter, err = storeFilter(rt, n); err != nil {
			return opts, err
		}
	}
	return opts, nil
}
