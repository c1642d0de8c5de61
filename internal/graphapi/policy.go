package graphapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

const (
	tapConfigID   = "TemporaryAccessPass"
	tapConfigType = "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"
)

func targetsJSON(ts []domain.Target, include bool) []obj {
	out := make([]obj, len(ts))
	for i, t := range ts {
		o := obj{{"targetType", t.TargetType}, {"id", t.ID}}
		if include {
			o = append(o, field{"isRegistrationRequired", t.IsRegistrationRequired})
		}
		out[i] = o
	}
	return out
}

// tapConfigJSON renders the pass policy as Graph's
// temporaryAccessPassAuthenticationMethodConfiguration.
func tapConfigJSON(p domain.TAPPolicy) obj {
	return obj{
		{"@odata.type", tapConfigType},
		{"id", tapConfigID},
		{"state", p.State},
		{"defaultLifetimeInMinutes", p.DefaultLifetimeInMinutes},
		{"defaultLength", p.DefaultLength},
		{"minimumLifetimeInMinutes", p.MinimumLifetimeInMinutes},
		{"maximumLifetimeInMinutes", p.MaximumLifetimeInMinutes},
		{"isUsableOnce", p.IsUsableOnce},
		{"includeTargets", targetsJSON(p.IncludeTargets, true)},
		{"excludeTargets", targetsJSON(p.ExcludeTargets, false)},
	}
}

const configsContext = "policies/authenticationMethodsPolicy/authenticationMethodConfigurations"

// methodConfigs reads every configuration firstkey has, in Graph's order, and
// the time the newest of them changed.
func (h *Handler) methodConfigs(r *http.Request, c *call) ([]obj, time.Time, error) {
	tap, err := h.dir.GetTAPPolicy(r.Context(), c.actor)
	if err != nil {
		return nil, time.Time{}, err
	}
	fido, err := h.dir.GetFido2Policy(r.Context(), c.actor)
	if err != nil {
		return nil, time.Time{}, err
	}
	last := tap.LastModifiedDateTime
	if fido.LastModifiedDateTime.After(last) {
		last = fido.LastModifiedDateTime
	}
	return []obj{fido2ConfigJSON(fido), tapConfigJSON(tap)}, last, nil
}

func (h *Handler) getMethodsPolicy(w http.ResponseWriter, r *http.Request, c *call) error {
	configs, last, err := h.methodConfigs(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, obj{
		{"@odata.context", h.contextURL("policies/authenticationMethodsPolicy", nil)},
		{"id", "authenticationMethodsPolicy"},
		{"displayName", "Authentication Methods Policy"},
		{"description", "The tenant-wide policy that controls which authentication methods are allowed in the tenant."},
		{"lastModifiedDateTime", graphTime(last)},
		{"policyVersion", "1.5"},
		{"policyMigrationState", "migrationComplete"},
		{"authenticationMethodConfigurations@odata.context", h.contextURL(configsContext, nil)},
		{"authenticationMethodConfigurations", configs},
	})
	return nil
}

func (h *Handler) listMethodConfigs(w http.ResponseWriter, r *http.Request, c *call) error {
	configs, _, err := h.methodConfigs(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, obj{{"@odata.context", h.contextURL(configsContext, nil)}, {"value", configs}})
	return nil
}

// methodConfig returns the id, as Graph spells it, of the configuration the path
// names; Graph matches it case-insensitively.
func methodConfig(r *http.Request) (string, error) {
	id := r.PathValue("configId")
	for _, known := range []string{fido2ConfigID, tapConfigID} {
		if strings.EqualFold(id, known) {
			return known, nil
		}
	}
	return "", notFoundError("The authentication method configuration '%s' does not exist; firstkey has '%s' and '%s'.",
		truncate(id), fido2ConfigID, tapConfigID)
}

func (h *Handler) getMethodConfig(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := methodConfig(r)
	if err != nil {
		return err
	}
	var out obj
	if id == fido2ConfigID {
		p, err := h.dir.GetFido2Policy(r.Context(), c.actor)
		if err != nil {
			return err
		}
		out = fido2ConfigJSON(p)
	} else {
		p, err := h.dir.GetTAPPolicy(r.Context(), c.actor)
		if err != nil {
			return err
		}
		out = tapConfigJSON(p)
	}
	writeJSON(w, http.StatusOK, out.prepend(field{"@odata.context", h.contextURL(configsContext, nil) + "/$entity"}))
	return nil
}

// updateMethodConfig applies a partial change: properties left out keep their
// values. The directory validates the result as a whole and audits it.
func (h *Handler) updateMethodConfig(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := methodConfig(r)
	if err != nil {
		return err
	}
	b, err := readBody(w, r, false)
	if err != nil {
		return err
	}
	if id == fido2ConfigID {
		apply, err := fido2Patch(b)
		if err != nil {
			return err
		}
		_, err = h.dir.UpdateFido2Policy(r.Context(), c.actor, func(p *domain.Fido2Policy) error {
			apply(p)
			return nil
		})
		if err != nil {
			return err
		}
		noContent(w)
		return nil
	}
	apply, err := policyPatch(b)
	if err != nil {
		return err
	}
	if _, err := h.dir.UpdateTAPPolicy(r.Context(), c.actor, func(p *domain.TAPPolicy) error {
		apply(p)
		return nil
	}); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// checkType accepts an @odata.type in a PATCH body, as the SDKs send it, as long
// as it names the configuration being changed.
func checkType(b body, want string) error {
	t, ok, err := prop[string](b, "@odata.type")
	if err != nil {
		return err
	}
	if ok && !strings.EqualFold(strings.TrimPrefix(t, "#"), strings.TrimPrefix(want, "#")) {
		return badRequest("Invalid value for property '@odata.type': this configuration is of type '%s', not '%s'.", want, truncate(t))
	}
	return nil
}

// policyPatch reads the policy properties present in b, checking every JSON type
// before anything is applied.
func policyPatch(b body) (func(*domain.TAPPolicy), error) {
	if err := checkType(b, tapConfigType); err != nil {
		return nil, err
	}
	var steps []func(*domain.TAPPolicy)
	if s, ok, err := prop[string](b, "state"); err != nil {
		return nil, err
	} else if ok {
		steps = append(steps, func(p *domain.TAPPolicy) { p.State = s })
	}
	ints := []struct {
		name string
		dst  func(*domain.TAPPolicy) *int
	}{
		{"minimumLifetimeInMinutes", func(p *domain.TAPPolicy) *int { return &p.MinimumLifetimeInMinutes }},
		{"maximumLifetimeInMinutes", func(p *domain.TAPPolicy) *int { return &p.MaximumLifetimeInMinutes }},
		{"defaultLifetimeInMinutes", func(p *domain.TAPPolicy) *int { return &p.DefaultLifetimeInMinutes }},
		{"defaultLength", func(p *domain.TAPPolicy) *int { return &p.DefaultLength }},
	}
	for _, f := range ints {
		n, ok, err := prop[int](b, f.name)
		if err != nil {
			return nil, err
		}
		if ok {
			dst := f.dst
			steps = append(steps, func(p *domain.TAPPolicy) { *dst(p) = n })
		}
	}
	if once, ok, err := prop[bool](b, "isUsableOnce"); err != nil {
		return nil, err
	} else if ok {
		steps = append(steps, func(p *domain.TAPPolicy) { p.IsUsableOnce = once })
	}
	for _, name := range []string{"includeTargets", "excludeTargets"} {
		ts, ok, err := targetsProp(b, name)
		if err != nil {
			return nil, err
		}
		if ok {
			include := name == "includeTargets"
			steps = append(steps, func(p *domain.TAPPolicy) {
				if include {
					p.IncludeTargets = ts
				} else {
					p.ExcludeTargets = ts
				}
			})
		}
	}
	return func(p *domain.TAPPolicy) {
		for _, s := range steps {
			s(p)
		}
	}, nil
}

// targetsProp reads an array of {id, targetType, isRegistrationRequired}; a
// missing targetType means a group, the only kind there is.
func targetsProp(b body, name string) ([]domain.Target, bool, error) {
	raw, ok := b.raw(name)
	if !ok {
		return nil, false, nil
	}
	var in []struct {
		ID                     string `json:"id"`
		TargetType             string `json:"targetType"`
		IsRegistrationRequired bool   `json:"isRegistrationRequired"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, false, badRequest(`Invalid value for property '%s': expected an array of targets such as [{"targetType":"group","id":"all_users"}].`, name)
	}
	out := make([]domain.Target, len(in))
	for i, t := range in {
		if t.TargetType == "" {
			t.TargetType = "group"
		}
		out[i] = domain.Target{ID: t.ID, TargetType: t.TargetType, IsRegistrationRequired: t.IsRegistrationRequired}
	}
	return out, true, nil
}
