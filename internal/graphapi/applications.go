package graphapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/safetext"
)

// graphAppID is Microsoft Graph's own appId: requiredResourceAccess entries name
// it as the resource whose app roles (application permissions) are requested.
const graphAppID = "00000003-0000-0000-c000-000000000000"

// appRoleIDs are Microsoft Graph's app role ids of the permissions firstkey knows,
// so that a requiredResourceAccess written for Entra means the same here.
var appRoleIDs = map[domain.Permission]string{
	domain.PermUserReadAll:                       "df021288-bdef-4463-88db-98f22de89214",
	domain.PermUserReadWriteAll:                  "741f803b-c850-494e-b5df-cde7c675a1ca",
	domain.PermGroupReadAll:                      "5b567255-7703-4780-807c-7be8301ae99b",
	domain.PermGroupReadWriteAll:                 "62a82d76-70ea-41e2-9197-370581804d09",
	domain.PermUserAuthenticationMethodReadAll:   "38d9df27-64da-44fd-b7c5-a6fbac20248f",
	domain.PermUserAuthenticationMethodReadWrite: "50483e42-d915-4231-9639-7fdb7fd190e5",
	domain.PermPolicyReadAll:                     "246dd0d5-5bd0-4def-940b-0421030a5b68",
	domain.PermPolicyReadWriteAuthMethod:         "29c18626-4985-4dcd-85c0-193eef327366",
	domain.PermAuditLogReadAll:                   "b0afded3-3588-46d8-8b3d-9842eff778da",
	domain.PermApplicationReadWriteAll:           "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
	domain.PermRoleManagementReadWriteDirectory:  "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
}

func redirectList(a domain.Application, public bool) []string {
	if a.PublicClient != public || a.RedirectURIs == nil {
		return []string{}
	}
	return a.RedirectURIs
}

// applicationJSON renders an application as Graph's application resource, with
// firstkey's permissions, requiredAuthenticationStrength and
// idTokenSignedResponseAlg (OpenID Connect's id_token_signed_response_alg:
// RS256 by default, or ES256) as extensions. It never
// holds the secret.
func applicationJSON(a domain.Application) obj {
	perms := make([]string, len(a.Permissions))
	access := make([]obj, 0, len(a.Permissions))
	for i, p := range a.Permissions {
		perms[i] = string(p)
		access = append(access, obj{{"id", appRoleIDs[p]}, {"type", "Role"}})
	}
	required := []obj{}
	if len(access) > 0 {
		required = append(required, obj{{"resourceAppId", graphAppID}, {"resourceAccess", access}})
	}
	return obj{
		{"id", a.ID},
		{"appId", a.ClientID},
		{"displayName", a.DisplayName},
		{"createdDateTime", graphTime(a.CreatedDateTime)},
		{"isFallbackPublicClient", a.PublicClient},
		{"web", obj{{"redirectUris", redirectList(a, false)}}},
		{"publicClient", obj{{"redirectUris", redirectList(a, true)}}},
		{"spa", obj{{"redirectUris", nonNilList(a.SPARedirectURIs)}}},
		{"requiredResourceAccess", required},
		{"permissions", perms},
		{"requiredAuthenticationStrength", nullable(string(a.RequiredStrength))},
		{"idTokenSignedResponseAlg", a.IDTokenAlg()},
		{"passwordCredentials", passwordCredentials(a)},
	}
}

// passwordCredentials lists an application's secret as Graph does, without
// secretText: a confidential client holds at most one.
func passwordCredentials(a domain.Application) []obj {
	id := directory.SecretKeyID(a)
	if id == "" {
		return []obj{}
	}
	var start any
	if a.Secret.StartDateTime != nil {
		start = graphTime(*a.Secret.StartDateTime)
	}
	return []obj{{
		{"customKeyIdentifier", nil},
		{"displayName", nullable(a.Secret.DisplayName)},
		{"endDateTime", nil},
		{"hint", nullable(a.Secret.Hint)},
		{"keyId", id},
		{"secretText", nil},
		{"startDateTime", start},
	}}
}

// removePassword handles POST /applications/{id}/removePassword {"keyId": …}.
func (h *Handler) removePassword(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := readBody(w, r, false)
	if err != nil {
		return err
	}
	if err := b.require("keyId"); err != nil {
		return err
	}
	keyID, _, err := prop[string](b, "keyId")
	if err != nil {
		return err
	}
	if err := h.dir.RemoveApplicationSecret(r.Context(), c.actor, r.PathValue("id"), keyID); err != nil {
		return err
	}
	noContent(w)
	return nil
}

var applicationSample = applicationJSON(domain.Application{})

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func (h *Handler) listApplications(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveCollection(h, w, r, c, "applications", applicationSample, "application", h.dir.ListApplications, applicationJSON)
}

func (h *Handler) countApplications(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveCount(w, r, c, h.dir.ListApplications)
}

func (h *Handler) getApplication(w http.ResponseWriter, r *http.Request, c *call) error {
	return serveEntity(h, w, r, c, "applications", applicationSample, "application", h.dir.GetApplication, applicationJSON)
}

// createApplication registers an application. A confidential client's secret is
// in this response only, as the extension clientSecret.
func (h *Handler) createApplication(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := readBody(w, r, false)
	if err != nil {
		return err
	}
	if err := b.require("displayName"); err != nil {
		return err
	}
	p, err := readAppPatch(b)
	if err != nil {
		return err
	}
	a := domain.Application{}
	if p.public != nil {
		a.PublicClient = *p.public
	} else if (p.publicURIs != nil && len(*p.publicURIs) > 0) || (p.spaURIs != nil && len(*p.spaURIs) > 0) {
		a.PublicClient = true
	}
	if err := p.apply(&a); err != nil {
		return err
	}
	a, sec, err := h.dir.CreateApplication(r.Context(), c.actor, a)
	if err != nil {
		return err
	}
	w.Header().Set("Location", h.base+"/v1.0/applications/"+a.ID)
	out := applicationJSON(a).prepend(field{"@odata.context", h.contextURL("applications", nil) + "/$entity"})
	out = append(out, field{"clientSecret", nullable(sec)})
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handler) updateApplication(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := readBody(w, r, false)
	if err != nil {
		return err
	}
	p, err := readAppPatch(b)
	if err != nil {
		return err
	}
	if _, err := h.dir.UpdateApplication(r.Context(), c.actor, r.PathValue("id"), p.apply); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (h *Handler) deleteApplication(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := h.dir.DeleteApplication(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// addPassword replaces a confidential client's secret and answers with Graph's
// passwordCredential, whose secretText is shown only here. firstkey keeps one
// secret per application, without an expiry, so endDateTime is null.
func (h *Handler) addPassword(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := readBody(w, r, true)
	if err != nil {
		return err
	}
	var name string
	if raw, ok := b.raw("passwordCredential"); ok {
		var pc struct {
			DisplayName *string `json:"displayName"`
		}
		if err := json.Unmarshal(raw, &pc); err != nil {
			return badRequest("Invalid value for property 'passwordCredential': expected an object.")
		}
		if pc.DisplayName != nil {
			name = *pc.DisplayName
		}
		if err := safetext.Check(name, false); err != nil {
			return badRequest("Invalid value for property 'passwordCredential.displayName': it %s.", err.Error())
		}
	}
	_, cs, err := h.dir.AddApplicationSecret(r.Context(), c.actor, r.PathValue("id"), name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, obj{
		{"@odata.context", h.contextURL("microsoft.graph.passwordCredential", nil)},
		{"customKeyIdentifier", nil},
		{"displayName", nullable(name)},
		{"endDateTime", nil},
		{"hint", cs.Hint},
		{"keyId", cs.KeyID},
		{"secretText", cs.Text},
		{"startDateTime", graphTime(cs.StartDateTime)},
	})
	return nil
}

// appPatch holds the writable application properties present in a body; nil
// means absent. Every value is checked when it is read, before anything changes.
type appPatch struct {
	displayName *string
	webURIs     *[]string
	publicURIs  *[]string
	spaURIs     *[]string
	public      *bool
	perms       *[]domain.Permission
	strength    *domain.Strength
	idTokenAlg  *string
}

func readAppPatch(b body) (appPatch, error) {
	var p appPatch
	if b.isNull("displayName") {
		return p, badRequest("Invalid value for property 'displayName': it is required and cannot be null.")
	}
	if v, ok, err := prop[string](b, "displayName"); err != nil {
		return p, err
	} else if ok {
		p.displayName = &v
	}
	var err error
	if p.webURIs, err = redirectURIs(b, "web"); err != nil {
		return p, err
	}
	if p.publicURIs, err = redirectURIs(b, "publicClient"); err != nil {
		return p, err
	}
	if p.spaURIs, err = redirectURIs(b, "spa"); err != nil {
		return p, err
	}
	if b.isNull("isFallbackPublicClient") {
		return p, badRequest("Invalid value for property 'isFallbackPublicClient': expected true or false.")
	}
	if v, ok, err := prop[bool](b, "isFallbackPublicClient"); err != nil {
		return p, err
	} else if ok {
		p.public = &v
	}
	if p.perms, err = permissions(b); err != nil {
		return p, err
	}
	if b.isNull("requiredAuthenticationStrength") {
		none := domain.StrengthNone
		p.strength = &none
	} else if v, ok, err := prop[string](b, "requiredAuthenticationStrength"); err != nil {
		return p, err
	} else if ok {
		s := domain.Strength(strings.TrimSpace(v))
		switch s {
		case domain.StrengthNone, domain.StrengthMFA, domain.StrengthPhishingResistant:
		default:
			return p, badRequest("Invalid value for property 'requiredAuthenticationStrength': expected mfa, phishing_resistant or null, not '%s'.", truncate(v))
		}
		p.strength = &s
	}
	if b.isNull("idTokenSignedResponseAlg") {
		def := ""
		p.idTokenAlg = &def
	} else if v, ok, err := prop[string](b, "idTokenSignedResponseAlg"); err != nil {
		return p, err
	} else if ok {
		if domain.CheckIDTokenSigningAlg(v) != nil {
			return p, badRequest("Invalid value for property 'idTokenSignedResponseAlg': expected RS256 (the default), ES256 or null, not '%s'.", truncate(v))
		}
		p.idTokenAlg = &v
	}
	return p, nil
}

// redirectURIs reads {name: {redirectUris: […]}}; null stands for no URIs. Each
// URI is checked here so that the error names the property.
func redirectURIs(b body, name string) (*[]string, error) {
	if b.isNull(name) {
		return &[]string{}, nil
	}
	raw, ok := b.raw(name)
	if !ok {
		return nil, nil
	}
	var v struct {
		RedirectURIs *[]string `json:"redirectUris"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, badRequest("Invalid value for property '%s': expected an object whose redirectUris is an array of strings.", name)
	}
	if v.RedirectURIs == nil {
		return nil, nil
	}
	uris := []string{}
	for _, u := range *v.RedirectURIs {
		u = strings.TrimSpace(u)
		check := domain.Application{DisplayName: "-", RedirectURIs: []string{u}}
		if name == "spa" {
			check = domain.Application{DisplayName: "-", PublicClient: true, SPARedirectURIs: []string{u}}
		}
		if err := check.Validate(); err != nil {
			return nil, fieldError(name+".redirectUris", err)
		}
		if !containsString(uris, u) {
			uris = append(uris, u)
		}
	}
	return &uris, nil
}

// permissions reads the permissions extension and Graph's requiredResourceAccess
// (application permissions of Microsoft Graph, by app role id); both together
// grant the union.
func permissions(b body) (*[]domain.Permission, error) {
	var names []string
	present := false
	if b.isNull("permissions") {
		present = true
	} else if v, ok, err := prop[[]string](b, "permissions"); err != nil {
		return nil, err
	} else if ok {
		present = true
		names = append(names, v...)
	}
	if b.isNull("requiredResourceAccess") {
		present = true
	} else if raw, ok := b.raw("requiredResourceAccess"); ok {
		present = true
		rra, err := requiredResourceAccess(raw)
		if err != nil {
			return nil, err
		}
		names = append(names, rra...)
	}
	if !present {
		return nil, nil
	}
	ps, err := domain.NormalizePermissions(names)
	if err != nil {
		return nil, fieldError("permissions", err)
	}
	return &ps, nil
}

func requiredResourceAccess(raw json.RawMessage) ([]string, error) {
	var rra []struct {
		ResourceAppID  string `json:"resourceAppId"`
		ResourceAccess []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"resourceAccess"`
	}
	if err := json.Unmarshal(raw, &rra); err != nil {
		return nil, badRequest("Invalid value for property 'requiredResourceAccess': expected an array of {resourceAppId, resourceAccess: [{id, type}]}.")
	}
	var names []string
	for _, res := range rra {
		if !strings.EqualFold(res.ResourceAppID, graphAppID) {
			return nil, badRequest("Invalid value for property 'requiredResourceAccess': only Microsoft Graph (resourceAppId %s) is a resource here, not '%s'.", graphAppID, truncate(res.ResourceAppID))
		}
		for _, ra := range res.ResourceAccess {
			if !strings.EqualFold(ra.Type, "Role") {
				return nil, badRequest("Invalid value for property 'requiredResourceAccess': only application permissions (type Role) are supported, not type '%s'.", truncate(ra.Type))
			}
			found := ""
			for p, id := range appRoleIDs {
				if strings.EqualFold(id, ra.ID) {
					found = string(p)
				}
			}
			if found == "" {
				return nil, badRequest("Invalid value for property 'requiredResourceAccess': '%s' is not the id of an application permission firstkey supports.", truncate(ra.ID))
			}
			names = append(names, found)
		}
	}
	return names, nil
}

// apply sets what the patch holds. Redirect URIs belong to the client type: a
// public client's are publicClient.redirectUris, a confidential client's
// web.redirectUris, and the type itself cannot change after registration.
func (p appPatch) apply(a *domain.Application) error {
	if p.public != nil && *p.public != a.PublicClient {
		return badRequest("Invalid value for property 'isFallbackPublicClient': the client type cannot change after registration; register a new application instead.")
	}
	own, other, otherName := p.webURIs, p.publicURIs, "publicClient"
	if a.PublicClient {
		own, other, otherName = p.publicURIs, p.webURIs, "web"
	}
	if other != nil && len(*other) > 0 {
		kind := "a confidential (web) client; use web.redirectUris"
		if a.PublicClient {
			kind = "a public client; use publicClient.redirectUris"
		}
		return badRequest("Invalid value for property '%s.redirectUris': the application is %s.", otherName, kind)
	}
	if p.spaURIs != nil && len(*p.spaURIs) > 0 && !a.PublicClient {
		return badRequest("Invalid value for property 'spa.redirectUris': a single-page application is a public client (it holds no secret and signs in with PKCE), and this application is a confidential (web) client; register a new application with spa.redirectUris instead.")
	}
	if p.displayName != nil {
		a.DisplayName = *p.displayName
	}
	if p.spaURIs != nil {
		a.SPARedirectURIs = *p.spaURIs
	}
	if own != nil {
		a.RedirectURIs = *own
	}
	if p.perms != nil {
		a.Permissions = *p.perms
	}
	if p.strength != nil {
		a.RequiredStrength = *p.strength
	}
	if p.idTokenAlg != nil {
		a.IDTokenSigningAlg = *p.idTokenAlg
	}
	return nil
}

// fieldError turns a rule violation about one value into a 400 naming the property.
func fieldError(name string, err error) error {
	var de *domain.Error
	if errors.As(err, &de) && de.Kind == domain.KindInvalid {
		return badRequest("Invalid value for property '%s': %s", name, de.Message)
	}
	return err
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// appKeyPrefix starts Graph's alternate-key address of an application,
// /v1.0/applications(appId='…'), which ServeMux patterns cannot express.
const appKeyPrefix = "/v1.0/applications(appId="

// alternateKey serves /applications(appId='…') and its /addPassword with the
// given tables, and hands every other request to next.
func (h *Handler) alternateKey(app, password methods, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, appKeyPrefix)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		key, tail, ok := strings.Cut(rest, ")")
		if unq, err := url.PathUnescape(key); err == nil {
			key = unq
		}
		key = strings.Trim(key, `'"`)
		table := app
		switch {
		case !ok || key == "":
			table = nil
		case tail == "":
		case tail == "/addPassword":
			table = password
		case tail == "/removePassword":
			table = methods{"POST": h.removePassword}
		default:
			table = nil
		}
		r.SetPathValue("id", key)
		h.serve(table).ServeHTTP(w, r)
	})
}
