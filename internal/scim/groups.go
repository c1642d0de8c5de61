package scim

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// groupResource renders a group; members is nil when they were not asked for.
func (h *Handler) groupResource(g domain.Group, members []domain.User) resource {
	res := resource{
		"schemas":     []any{schemaGroup},
		"id":          g.ID,
		"displayName": g.DisplayName,
		"meta": map[string]any{
			"resourceType": "Group",
			"created":      scimTime(g.CreatedDateTime),
			"lastModified": scimTime(g.LastModifiedDateTime),
			"location":     h.base + "/Groups/" + g.ID,
			"version":      etag(g.Version),
		},
	}
	if g.ExternalID != "" {
		res["externalId"] = g.ExternalID
	}
	if members != nil {
		list := make([]any, len(members))
		for i, u := range members {
			list[i] = map[string]any{"value": u.ID, "display": u.DisplayName, "$ref": h.base + "/Users/" + u.ID, "type": "User"}
		}
		res["members"] = list
	}
	return res
}

// toGroup sets the group's SCIM-mapped properties from a resource.
func toGroup(res resource, g *domain.Group) error {
	g.DisplayName = strings.TrimSpace(str(res, "displayName"))
	if g.DisplayName == "" {
		return invalidValue("displayName is required.")
	}
	g.ExternalID = str(res, "externalId")
	return nil
}

// memberValues reads the member ids of a resource's members.
func memberValues(res resource) []string {
	var ids []string
	for _, m := range list(res, "members") {
		if v := str(m.(map[string]any), "value"); v != "" {
			ids = append(ids, v)
		}
	}
	return ids
}

func (m *memberChange) toDirectory() directory.GroupChange {
	c := directory.GroupChange{ReplaceMembers: m.replace}
	for _, id := range m.order {
		if m.add[id] {
			c.Add = append(c.Add, id)
		}
	}
	for id := range m.remove {
		c.Remove = append(c.Remove, id)
	}
	slices.Sort(c.Remove)
	return c
}

// allMembers loads every member of a group, a page at a time.
func (h *Handler) allMembers(ctx context.Context, actor domain.Actor, groupID string) ([]domain.User, error) {
	const page = 1000
	out := []domain.User{}
	for skip := 0; ; skip += page {
		users, _, err := h.dir.ListGroupMembers(ctx, actor, groupID, store.ListOptions{Top: page, Skip: skip})
		if err != nil {
			return nil, err
		}
		out = append(out, users...)
		if len(users) < page {
			return out, nil
		}
	}
}

// writeGroup answers with one group, its ETag and the attributes asked for;
// members are loaded only when they are.
func (h *Handler) writeGroup(w http.ResponseWriter, r *http.Request, c *call, status int, g domain.Group) error {
	q, err := resourceQuery(r)
	if err != nil {
		return err
	}
	p, err := newProjection(groupType, q)
	if err != nil {
		return err
	}
	var members []domain.User
	if p.wants(groupType, "members") {
		if members, err = h.allMembers(r.Context(), c.actor, g.ID); err != nil {
			return err
		}
	}
	w.Header().Set("ETag", etag(g.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", h.base+"/Groups/"+g.ID)
	}
	writeJSON(w, status, p.apply(groupType, h.groupResource(g, members)))
	return nil
}

func (h *Handler) getGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := resourceID(r, "Group")
	if err != nil {
		return err
	}
	g, err := h.dir.GetGroup(r.Context(), c.actor, id)
	if err != nil {
		return err
	}
	if notModified(r, g.Version) {
		w.Header().Set("ETag", etag(g.Version))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return h.writeGroup(w, r, c, http.StatusOK, g)
}

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := readJSON(w, r)
	if err != nil {
		return err
	}
	res, err := fromBody(groupType, body)
	if err != nil {
		return err
	}
	var g domain.Group
	if err := toGroup(res, &g); err != nil {
		return err
	}
	g, err = h.dir.CreateGroupWithMembers(r.Context(), c.actor, g, memberValues(res))
	if err != nil {
		return err
	}
	return h.writeGroup(w, r, c, http.StatusCreated, g)
}

// replaceGroup is PUT. A body with members replaces them; one without leaves
// them, so that renaming a group with PUT cannot empty it by accident.
func (h *Handler) replaceGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := resourceID(r, "Group")
	if err != nil {
		return err
	}
	body, err := readJSON(w, r)
	if err != nil {
		return err
	}
	res, err := fromBody(groupType, body)
	if err != nil {
		return err
	}
	_, replace := res["members"]
	g, err := h.dir.UpdateGroup(r.Context(), c.actor, id, func(g *domain.Group) (directory.GroupChange, error) {
		if err := ifMatch(r, g.Version); err != nil {
			return directory.GroupChange{}, err
		}
		if err := toGroup(res, g); err != nil {
			return directory.GroupChange{}, err
		}
		if !replace {
			return directory.GroupChange{}, nil
		}
		return directory.GroupChange{Add: memberValues(res), ReplaceMembers: true}, nil
	})
	if err != nil {
		return err
	}
	return h.writeGroup(w, r, c, http.StatusOK, g)
}

// patchGroup applies the operations in the directory's transaction. It answers
// 204 (as Entra ID and Okta expect of a group, whose members may be many)
// unless the request asks for attributes.
func (h *Handler) patchGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := resourceID(r, "Group")
	if err != nil {
		return err
	}
	q, err := resourceQuery(r)
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
	g, err := h.dir.UpdateGroup(r.Context(), c.actor, id, func(g *domain.Group) (directory.GroupChange, error) {
		if err := ifMatch(r, g.Version); err != nil {
			return directory.GroupChange{}, err
		}
		p := patcher{rt: groupType, res: h.groupResource(*g, nil), id: g.ID, members: newMemberChange()}
		if err := p.apply(ops); err != nil {
			return directory.GroupChange{}, err
		}
		if err := toGroup(p.res, g); err != nil {
			return directory.GroupChange{}, err
		}
		return p.members.toDirectory(), nil
	})
	if err != nil {
		return err
	}
	if len(q.attributes) > 0 || len(q.excluded) > 0 {
		return h.writeGroup(w, r, c, http.StatusOK, g)
	}
	w.Header().Set("ETag", etag(g.Version))
	noContent(w)
	return nil
}

func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := resourceID(r, "Group")
	if err != nil {
		return err
	}
	if err := h.dir.DeleteGroupIf(r.Context(), c.actor, id, func(g domain.Group) error { return ifMatch(r, g.Version) }); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := parseListQuery(r)
	if err != nil {
		return err
	}
	return h.queryGroups(w, r, c, q)
}

func (h *Handler) searchGroups(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := searchQuery(w, r)
	if err != nil {
		return err
	}
	return h.queryGroups(w, r, c, q)
}

func (h *Handler) queryGroups(w http.ResponseWriter, r *http.Request, c *call, q listQuery) error {
	p, err := newProjection(groupType, q)
	if err != nil {
		return err
	}
	opts, err := listOptions(groupType, q)
	if err != nil {
		return err
	}
	groups, total, err := h.dir.ListGroups(r.Context(), c.actor, opts)
	if err != nil {
		return err
	}
	items := make([]any, 0, len(groups))
	for _, g := range groups {
		if q.count == 0 {
			break
		}
		var members []domain.User
		if p.wants(groupType, "members") {
			if members, err = h.allMembers(r.Context(), c.actor, g.ID); err != nil {
				return err
			}
		}
		items = append(items, p.apply(groupType, h.groupResource(g, members)))
	}
	writeJSON(w, http.StatusOK, listResponse(total, q.startIndex, items))
	return nil
}
