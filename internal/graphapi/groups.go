package graphapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
)

// groupJSON renders a group as Graph's group resource. firstkey's groups are
// security groups without mail.
func groupJSON(g domain.Group) obj {
	return obj{
		{"id", g.ID},
		{"displayName", g.DisplayName},
		{"description", nullable(g.Description)},
		{"mailNickname", nullable(g.MailNickname)},
		{"mailEnabled", false},
		{"securityEnabled", true},
		{"groupTypes", []string{}},
		{"createdDateTime", graphTime(g.CreatedDateTime)},
	}
}

var groupSample = groupJSON(domain.Group{})

func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveCollection(h, w, r, c, "groups", groupSample, "group", h.dir.ListGroups, groupJSON)
}

func (h *Handler) countGroups(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveCount(w, r, c, h.dir.ListGroups)
}

func (h *Handler) getGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveEntity(h, w, r, c, "groups", groupSample, "group", h.dir.GetGroup, groupJSON)
}

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := readBody(w, r, false)
	if err != nil {
		return err
	}
	if err := b.require("displayName"); err != nil {
		return err
	}
	var g domain.Group
	for _, p := range []struct {
		name string
		dst  *string
	}{{"displayName", &g.DisplayName}, {"description", &g.Description}, {"mailNickname", &g.MailNickname}} {
		v, _, err := prop[string](b, p.name)
		if err != nil {
			return err
		}
		*p.dst = v
	}
	g, err = h.dir.CreateGroup(r.Context(), c.actor, g)
	if err != nil {
		return err
	}
	w.Header().Set("Location", h.base+"/v1.0/groups/"+g.ID)
	writeJSON(w, http.StatusCreated, groupJSON(g).prepend(field{"@odata.context", h.contextURL("groups", nil) + "/$entity"}))
	return nil
}

func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := h.dir.DeleteGroup(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// listMembers lists a group's members as directoryObjects; each carries its
// @odata.type so that SDKs deserialise users.
func (h *Handler) listMembers(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	sel, err := selection(q.Select, userSample, "user")
	if err != nil {
		return err
	}
	var positions [][]byte
	opts, size := listOptions(q, &positions)
	users, total, err := h.dir.ListGroupMembers(r.Context(), c.actor, r.PathValue("id"), opts)
	if err != nil {
		return err
	}
	items := make([]obj, len(users))
	for i, u := range users {
		items[i] = userJSON(u).prepend(field{"@odata.type", "#microsoft.graph.user"})
	}
	h.list(w, r, "directoryObjects", q, sel, items, total, size, positions)
	return nil
}

// addMember handles POST /groups/{id}/members/$ref with an @odata.id naming
// …/directoryObjects/{id} or …/users/{id}.
func (h *Handler) addMember(w http.ResponseWriter, r *http.Request, c *call) error {
	member, err := readReference(w, r)
	if err != nil {
		return err
	}
	if err := h.dir.AddGroupMember(r.Context(), c.actor, r.PathValue("id"), member); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// readReference reads the body of a $ref request, {"@odata.id": URL}, and
// returns the id of the directory object the URL names.
func readReference(w http.ResponseWriter, r *http.Request) (string, error) {
	b, err := readBody(w, r, false)
	if err != nil {
		return "", err
	}
	if err := b.require("@odata.id"); err != nil {
		return "", err
	}
	ref, _, err := prop[string](b, "@odata.id")
	if err != nil {
		return "", err
	}
	return memberID(ref)
}

// memberID extracts the object id from a reference URL. The host is not checked:
// behind a proxy the caller may know firstkey by another name.
func memberID(ref string) (string, error) {
	bad := badRequest("Invalid value for property '@odata.id': expected a URL ending in /directoryObjects/{id} or /users/{id}.")
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return "", bad
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	if len(segs) < 2 {
		return "", bad
	}
	kind, id := segs[len(segs)-2], segs[len(segs)-1]
	if !strings.EqualFold(kind, "directoryObjects") && !strings.EqualFold(kind, "users") {
		return "", bad
	}
	id, err = url.PathUnescape(id)
	if err != nil || id == "" {
		return "", bad
	}
	return id, nil
}

func (h *Handler) removeMember(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := h.dir.RemoveGroupMember(r.Context(), c.actor, r.PathValue("id"), r.PathValue("userId")); err != nil {
		return err
	}
	noContent(w)
	return nil
}
