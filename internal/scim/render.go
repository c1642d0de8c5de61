package scim

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// contentType is RFC 7644 §3.1's media type.
const contentType = "application/scim+json; charset=utf-8"

// writeJSON writes v with the given status. Responses are private to the
// caller, so none may be cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only our own values are marshalled; failing here is a programming error.
		http.Error(w, `{"schemas":["`+msgError+`"],"status":"500","detail":"The response could not be encoded."}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func noContent(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// etag is a resource version as RFC 7644 §3.14 shows it: weak, since the JSON
// of one version may be written differently.
func etag(version int) string { return `W/"` + strconv.Itoa(version) + `"` }

// ifMatch checks an If-Match header against the current version: absent or
// "*" matches, as does any listed tag of this version, weak or strong.
func ifMatch(r *http.Request, version int) error {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" || tagListed(h, version) {
		return nil
	}
	return preconditionFailed()
}

// notModified reports whether If-None-Match names the current version.
func notModified(r *http.Request, version int) bool {
	h := strings.TrimSpace(r.Header.Get("If-None-Match"))
	return h == "*" || h != "" && tagListed(h, version)
}

func tagListed(h string, version int) bool {
	want := strconv.Itoa(version)
	for _, t := range strings.Split(h, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(strings.TrimPrefix(t, "W/"), "w/")
		if strings.Trim(t, `"`) == want && len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
			return true
		}
	}
	return false
}

func scimTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// projection is attributes / excludedAttributes resolved against a resource
// type (RFC 7644 §3.4.2.5). id and schemas are always returned.
type projection struct {
	include []attrRef
	exclude []attrRef
}

func newProjection(rt resourceType, q listQuery) (projection, error) {
	var p projection
	for _, dst := range []struct {
		names []string
		to    *[]attrRef
	}{{q.attributes, &p.include}, {q.excluded, &p.exclude}} {
		for _, n := range dst.names {
			ref, err := rt.resolve(n)
			if err != nil {
				if isIgnored(err) {
					continue
				}
				var se *scimError
				if errors.As(err, &se) {
					se.scimType = "invalidValue"
				}
				return p, err
			}
			*dst.to = append(*dst.to, ref)
		}
	}
	return p, nil
}

// wants reports whether the projection returns the attribute at all (to skip
// loading a group's members).
func (p projection) wants(rt resourceType, name string) bool {
	for _, r := range p.exclude {
		if r.isCore(rt) && !r.whole && r.attr.Name == name && !r.hasSub {
			return false
		}
	}
	if len(p.include) == 0 {
		return true
	}
	for _, r := range p.include {
		if r.isCore(rt) && !r.whole && r.attr.Name == name {
			return true
		}
	}
	return false
}

func (p projection) apply(rt resourceType, res resource) resource {
	if len(p.include) > 0 {
		out := resource{"id": res["id"], "schemas": res["schemas"]}
		for _, r := range p.include {
			copyAttr(out, res, rt, r)
		}
		res = out
	}
	for _, r := range p.exclude {
		if !r.whole && r.isCore(rt) && (r.attr.Name == "id" || r.attr.Name == "schemas") {
			continue
		}
		removeAttr(res, rt, r)
	}
	return res
}

func copyAttr(dst, src resource, rt resourceType, r attrRef) {
	if r.whole {
		if v, ok := src[r.schema.ID]; ok {
			dst[r.schema.ID] = v
		}
		return
	}
	from := container(src, r, rt, false)
	if from == nil {
		return
	}
	v, ok := from[r.attr.Name]
	if !ok {
		return
	}
	to := container(dst, r, rt, true)
	if !r.hasSub {
		to[r.attr.Name] = v
		return
	}
	switch v := v.(type) {
	case map[string]any:
		if x, ok := v[r.sub.Name]; ok {
			m, _ := to[r.attr.Name].(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			m[r.sub.Name] = x
			to[r.attr.Name] = m
		}
	case []any:
		// emails.value: each value keeps only the named sub-attributes.
		prev, _ := to[r.attr.Name].([]any)
		out := make([]any, len(v))
		for i, e := range v {
			m := map[string]any{}
			if i < len(prev) {
				m, _ = prev[i].(map[string]any)
			}
			if em, ok := e.(map[string]any); ok {
				if x, ok := em[r.sub.Name]; ok {
					m[r.sub.Name] = x
				}
			}
			out[i] = m
		}
		to[r.attr.Name] = out
	}
}

func removeAttr(res resource, rt resourceType, r attrRef) {
	if r.whole {
		delete(res, r.schema.ID)
		return
	}
	c := container(res, r, rt, false)
	if c == nil {
		return
	}
	if !r.hasSub {
		delete(c, r.attr.Name)
		return
	}
	switch v := c[r.attr.Name].(type) {
	case map[string]any:
		cp := copyMap(v)
		delete(cp, r.sub.Name)
		c[r.attr.Name] = cp
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			if m, ok := e.(map[string]any); ok {
				cp := copyMap(m)
				delete(cp, r.sub.Name)
				out[i] = cp
			} else {
				out[i] = e
			}
		}
		c[r.attr.Name] = out
	}
}

// listResponse is RFC 7644 §3.4.2's answer to a query.
func listResponse(total, startIndex int, items []any) map[string]any {
	if items == nil {
		items = []any{}
	}
	return map[string]any{
		"schemas":      []string{msgListResponse},
		"totalResults": total,
		"startIndex":   startIndex,
		"itemsPerPage": len(items),
		"Resources":    items,
	}
}
