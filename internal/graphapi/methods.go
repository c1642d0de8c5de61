package graphapi

import (
	"net/http"
	"net/url"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

const tapMethodType = "#microsoft.graph.temporaryAccessPassAuthenticationMethod"

// passJSON renders a pass as Graph's temporaryAccessPassAuthenticationMethod. The
// code is present only in the creation response; everywhere else it is null.
func passJSON(v directory.PassView, code any) obj {
	return obj{
		{"@odata.type", tapMethodType},
		{"id", v.ID},
		{"temporaryAccessPass", code},
		{"createdDateTime", graphTime(v.CreatedDateTime)},
		{"startDateTime", graphTime(v.StartDateTime)},
		{"lifetimeInMinutes", v.LifetimeInMinutes},
		{"isUsableOnce", v.IsUsableOnce},
		{"isUsable", v.IsUsable},
		{"methodUsabilityReason", string(v.Reason)},
	}
}

// methodsContext is the context fragment of a user's authentication methods.
func methodsContext(user, collection string) string {
	return "users('" + url.PathEscape(user) + "')/authentication/" + collection
}

// listMethods lists every authentication method of a user, each with its
// @odata.type: firstkey has no passwords, so these are passkeys and passes.
func (h *Handler) listMethods(w http.ResponseWriter, r *http.Request, c *call, user string) error {
	keys, err := h.dir.ListPasskeys(r.Context(), c.actor, user)
	if err != nil {
		return err
	}
	views, err := h.dir.ListPasses(r.Context(), c.actor, user)
	if err != nil {
		return err
	}
	items := make([]obj, 0, len(keys)+len(views))
	for _, k := range keys {
		items = append(items, passkeyJSON(k))
	}
	for _, v := range views {
		items = append(items, passJSON(v, nil))
	}
	writeJSON(w, http.StatusOK, obj{{"@odata.context", h.contextURL(methodsContext(user, "methods"), nil)}, {"value", items}})
	return nil
}

func (h *Handler) listPasses(w http.ResponseWriter, r *http.Request, c *call, user string) error {
	views, err := h.dir.ListPasses(r.Context(), c.actor, user)
	if err != nil {
		return err
	}
	items := make([]obj, len(views))
	for i, v := range views {
		items[i] = passJSON(v, nil)
	}
	writeJSON(w, http.StatusOK, obj{{"@odata.context", h.contextURL(methodsContext(user, "temporaryAccessPassMethods"), nil)}, {"value", items}})
	return nil
}

func (h *Handler) getPass(w http.ResponseWriter, r *http.Request, c *call, user string) error {
	v, err := h.dir.GetPass(r.Context(), c.actor, user, r.PathValue("passId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, passJSON(v, nil).prepend(
		field{"@odata.context", h.contextURL(methodsContext(user, "temporaryAccessPassMethods"), nil) + "/$entity"}))
	return nil
}

// createPass issues a pass. The response is the only place its code ever appears,
// next to the page where the holder uses it (signInUrl, a firstkey extension).
func (h *Handler) createPass(w http.ResponseWriter, r *http.Request, c *call, user string) error {
	b, err := readBody(w, r, true)
	if err != nil {
		return err
	}
	var req domain.PassRequest
	if t, ok, err := timeProp(b, "startDateTime"); err != nil {
		return err
	} else if ok {
		req.StartDateTime = &t
	}
	if n, ok, err := prop[int](b, "lifetimeInMinutes"); err != nil {
		return err
	} else if ok {
		req.LifetimeInMinutes = &n
	}
	if once, ok, err := prop[bool](b, "isUsableOnce"); err != nil {
		return err
	} else if ok {
		req.IsUsableOnce = &once
	}
	// A firstkey extension: a recovery pass, whose first new passkey replaces the
	// user's old ones.
	if rec, _, err := prop[bool](b, "recovery"); err != nil {
		return err
	} else {
		req.Recovery = rec
	}
	if req.Deliver, err = deliverTo(b); err != nil {
		return err
	}
	issued, err := h.dir.IssuePass(r.Context(), c.actor, user, req)
	if err != nil {
		return err
	}
	var code any = issued.Code
	if issued.Delivery != nil {
		code = nil // delivered: the issuer never sees it
	}
	out := passJSON(issued.PassView, code).prepend(
		field{"@odata.context", h.contextURL(methodsContext(user, "temporaryAccessPassMethods"), nil) + "/$entity"})
	out = append(out, field{"signInUrl", issued.SignInURL})
	if issued.Delivery != nil {
		out = append(out, field{"delivery", deliveryJSON(*issued.Delivery)})
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handler) deletePass(w http.ResponseWriter, r *http.Request, c *call, user string) error {
	if err := h.dir.DeletePass(r.Context(), c.actor, user, r.PathValue("passId")); err != nil {
		return err
	}
	noContent(w)
	return nil
}
