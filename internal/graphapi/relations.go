package graphapi

import (
	"net/http"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// updateGroup handles PATCH /groups/{id}: the properties it names change, the
// others keep their values; 204 as in Graph.
func (h *Handler) updateGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := readBody(w, r, false)
	if err != nil {
		return err
	}
	type change struct {
		name string
		set  func(*domain.Group, string)
	}
	var apply []func(*domain.Group)
	for _, p := range []change{
		{"displayName", func(g *domain.Group, v string) { g.DisplayName = v }},
		{"description", func(g *domain.Group, v string) { g.Description = v }},
		{"mailNickname", func(g *domain.Group, v string) { g.MailNickname = v }},
	} {
		v, present, err := prop[string](b, p.name)
		if err != nil {
			return err
		}
		if present {
			apply = append(apply, func(g *domain.Group) { p.set(g, v) })
		}
	}
	_, err = h.dir.UpdateGroup(r.Context(), c.actor, r.PathValue("id"), func(g *domain.Group) (directory.GroupChange, error) {
		for _, fn := range apply {
			fn(g)
		}
		return directory.GroupChange{}, nil
	})
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}

// directoryUser renders a user as a directoryObject: with its
// @odata.type, so that SDKs deserialise the right type.
func directoryUser(u domain.User) obj {
	return userJSON(u).prepend(field{"@odata.type", "#microsoft.graph.user"})
}

// getManager handles GET /users/{id}/manager.
func (h *Handler) getManager(w http.ResponseWriter, r *http.Request, c *call) error {
	m, err := h.dir.Manager(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, directoryUser(m).prepend(field{"@odata.context", h.contextURL("directoryObjects", nil) + "/$entity"}))
	return nil
}

// getManagerRef handles GET /users/{id}/manager/$ref: the manager as a reference.
func (h *Handler) getManagerRef(w http.ResponseWriter, r *http.Request, c *call) error {
	m, err := h.dir.Manager(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, obj{
		{"@odata.context", h.contextURL("$ref", nil)},
		{"@odata.id", h.base + "/v1.0/directoryObjects/" + m.ID},
	})
	return nil
}

// setManagerRef handles PUT /users/{id}/manager/$ref with an @odata.id naming
// …/directoryObjects/{id} or …/users/{id}.
func (h *Handler) setManagerRef(w http.ResponseWriter, r *http.Request, c *call) error {
	manager, err := readReference(w, r)
	if err != nil {
		return err
	}
	if err := h.dir.SetManager(r.Context(), c.actor, r.PathValue("id"), manager); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// deleteManagerRef handles DELETE /users/{id}/manager/$ref.
func (h *Handler) deleteManagerRef(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := h.dir.SetManager(r.Context(), c.actor, r.PathValue("id"), ""); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// memberOf handles GET /users/{id}/memberOf: the user's groups as directoryObjects.
func (h *Handler) memberOf(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	sel, err := selection(q.Select, groupSample, "group")
	if err != nil {
		return err
	}
	groups, err := h.dir.MemberOf(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	items := make([]obj, len(groups))
	for i, g := range groups {
		items[i] = groupJSON(g).prepend(field{"@odata.type", "#microsoft.graph.group"})
	}
	h.list(w, r, "directoryObjects", q, sel, items, len(items), len(items)+1, nil)
	return nil
}

// getMethod handles GET /users/{id}/authentication/methods/{methodId}: one of
// the user's methods, a passkey or a pass, with its @odata.type.
func (h *Handler) getMethod(w http.ResponseWriter, r *http.Request, c *call, user string) error {
	id := r.PathValue("methodId")
	keys, err := h.dir.ListPasskeys(r.Context(), c.actor, user)
	if err != nil {
		return err
	}
	ctx := field{"@odata.context", h.contextURL(methodsContext(user, "methods"), nil) + "/$entity"}
	for _, k := range keys {
		if k.ID == id {
			writeJSON(w, http.StatusOK, passkeyJSON(k).prepend(ctx))
			return nil
		}
	}
	views, err := h.dir.ListPasses(r.Context(), c.actor, user)
	if err != nil {
		return err
	}
	for _, v := range views {
		if v.ID == id {
			writeJSON(w, http.StatusOK, passJSON(v, nil).prepend(ctx))
			return nil
		}
	}
	return notFoundError("The authentication method '%s' was not found for this user.", truncate(id))
}
