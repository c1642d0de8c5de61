package scim

import (
	"net/http"
	"strings"
)

// serviceProviderConfig says what this endpoint supports (RFC 7643 §5).
func (h *Handler) serviceProviderConfig(w http.ResponseWriter, r *http.Request, _ *call) error {
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":        []string{schemaServiceProviderConfig},
		"patch":          map[string]any{"supported": true},
		"bulk":           map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":         map[string]any{"supported": true, "maxResults": maxCount},
		"changePassword": map[string]any{"supported": false},
		"sort":           map[string]any{"supported": false},
		"etag":           map[string]any{"supported": true},
		"authenticationSchemes": []any{
			map[string]any{
				"type":        "oauthbearertoken",
				"name":        "OAuth Bearer Token",
				"description": "A provisioning token (firstkey app scim-token), or an access token from the token endpoint's client_credentials grant, for an application holding Provisioning.ReadWrite.All.",
				"specUri":     "https://www.rfc-editor.org/info/rfc6750",
				"primary":     true,
			},
		},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": h.base + "/ServiceProviderConfig"},
	})
	return nil
}

func (h *Handler) resourceTypeJSON(rt resourceType) map[string]any {
	exts := []any{}
	for _, s := range rt.Extensions {
		exts = append(exts, map[string]any{"schema": s.ID, "required": false})
	}
	return map[string]any{
		"schemas":          []string{schemaResourceType},
		"id":               rt.Name,
		"name":             rt.Name,
		"endpoint":         rt.Endpoint,
		"description":      rt.Core.Description,
		"schema":           rt.Core.ID,
		"schemaExtensions": exts,
		"meta":             map[string]any{"resourceType": "ResourceType", "location": h.base + "/ResourceTypes/" + rt.Name},
	}
}

func (h *Handler) listResourceTypes(w http.ResponseWriter, r *http.Request, _ *call) error {
	items := []any{h.resourceTypeJSON(userType), h.resourceTypeJSON(groupType)}
	writeJSON(w, http.StatusOK, listResponse(len(items), 1, items))
	return nil
}

func (h *Handler) getResourceType(w http.ResponseWriter, r *http.Request, _ *call) error {
	for _, rt := range []resourceType{userType, groupType} {
		if strings.EqualFold(r.PathValue("name"), rt.Name) {
			writeJSON(w, http.StatusOK, h.resourceTypeJSON(rt))
			return nil
		}
	}
	return notFound("ResourceType", r.PathValue("name"))
}

func attrJSON(a attr) map[string]any {
	m := map[string]any{
		"name":        a.Name,
		"type":        a.Type,
		"multiValued": a.Multi,
		"description": a.Description,
		"required":    a.Required,
		"mutability":  orDefault(a.Mutability, "readWrite"),
		"returned":    orDefault(a.Returned, "default"),
	}
	if a.Type == "string" || a.Type == "reference" {
		m["caseExact"] = a.CaseExact
		m["uniqueness"] = orDefault(a.Uniqueness, "none")
	}
	if len(a.RefTypes) > 0 {
		m["referenceTypes"] = a.RefTypes
	}
	if len(a.Canonical) > 0 {
		m["canonicalValues"] = a.Canonical
	}
	if len(a.Sub) > 0 {
		subs := make([]any, len(a.Sub))
		for i, s := range a.Sub {
			subs[i] = attrJSON(s)
		}
		m["subAttributes"] = subs
	}
	return m
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (h *Handler) schemaJSON(s schema) map[string]any {
	attrs := make([]any, 0, len(s.Attrs))
	for _, a := range s.Attrs {
		if a.Name == "id" {
			continue // common to every resource (RFC 7643 §3.1), not part of the schema
		}
		attrs = append(attrs, attrJSON(a))
	}
	return map[string]any{
		"schemas":     []string{schemaSchema},
		"id":          s.ID,
		"name":        s.Name,
		"description": s.Description,
		"attributes":  attrs,
		"meta":        map[string]any{"resourceType": "Schema", "location": h.base + "/Schemas/" + s.ID},
	}
}

var allSchemas = []schema{userSchema, enterpriseSchema, firstkeySchema, groupSchema}

func (h *Handler) listSchemas(w http.ResponseWriter, r *http.Request, _ *call) error {
	items := make([]any, len(allSchemas))
	for i, s := range allSchemas {
		items[i] = h.schemaJSON(s)
	}
	writeJSON(w, http.StatusOK, listResponse(len(items), 1, items))
	return nil
}

func (h *Handler) getSchema(w http.ResponseWriter, r *http.Request, _ *call) error {
	for _, s := range allSchemas {
		if strings.EqualFold(r.PathValue("id"), s.ID) {
			writeJSON(w, http.StatusOK, h.schemaJSON(s))
			return nil
		}
	}
	return notFound("Schema", r.PathValue("id"))
}
