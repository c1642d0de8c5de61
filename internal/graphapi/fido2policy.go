package graphapi

import (
	"encoding/json"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
)

const (
	fido2ConfigID   = "Fido2"
	fido2ConfigType = "#microsoft.graph.fido2AuthenticationMethodConfiguration"
)

// fido2ConfigJSON renders the passkey policy as Graph's
// fido2AuthenticationMethodConfiguration, followed by firstkey's extensions
// (userVerification, revokeTemporaryAccessPassOnFirstPasskey).
func fido2ConfigJSON(p domain.Fido2Policy) obj {
	aaguids := p.KeyRestrictions.AAGUIDs
	if aaguids == nil {
		aaguids = []string{}
	}
	return obj{
		{"@odata.type", fido2ConfigType},
		{"id", fido2ConfigID},
		{"state", p.State},
		{"isSelfServiceRegistrationAllowed", p.IsSelfServiceRegistrationAllowed},
		{"isAttestationEnforced", p.IsAttestationEnforced},
		{"keyRestrictions", obj{
			{"isEnforced", p.KeyRestrictions.IsEnforced},
			{"enforcementType", p.KeyRestrictions.EnforcementType},
			{"aaGuids", aaguids},
		}},
		{"includeTargets", targetsJSON(p.IncludeTargets, true)},
		{"excludeTargets", targetsJSON(p.ExcludeTargets, false)},
		{"userVerification", p.UserVerification},
		{"revokeTemporaryAccessPassOnFirstPasskey", p.RevokePassOnFirstPasskey},
	}
}

// fido2Patch reads the passkey policy properties present in b, checking every
// JSON type before anything is applied. keyRestrictions is patched property by
// property too, so that turning enforcement on does not wipe the AAGUID list;
// aaGuids itself is replaced as a whole.
func fido2Patch(b body) (func(*domain.Fido2Policy), error) {
	if err := checkType(b, fido2ConfigType); err != nil {
		return nil, err
	}
	var steps []func(*domain.Fido2Policy)
	strs := []struct {
		name string
		dst  func(*domain.Fido2Policy) *string
	}{
		{"state", func(p *domain.Fido2Policy) *string { return &p.State }},
		{"userVerification", func(p *domain.Fido2Policy) *string { return &p.UserVerification }},
		{"keyRestrictions.enforcementType", func(p *domain.Fido2Policy) *string { return &p.KeyRestrictions.EnforcementType }},
	}
	bools := []struct {
		name string
		dst  func(*domain.Fido2Policy) *bool
	}{
		{"isSelfServiceRegistrationAllowed", func(p *domain.Fido2Policy) *bool { return &p.IsSelfServiceRegistrationAllowed }},
		{"isAttestationEnforced", func(p *domain.Fido2Policy) *bool { return &p.IsAttestationEnforced }},
		{"revokeTemporaryAccessPassOnFirstPasskey", func(p *domain.Fido2Policy) *bool { return &p.RevokePassOnFirstPasskey }},
		{"keyRestrictions.isEnforced", func(p *domain.Fido2Policy) *bool { return &p.KeyRestrictions.IsEnforced }},
	}
	kr, err := nested(b, "keyRestrictions")
	if err != nil {
		return nil, err
	}
	for _, f := range strs {
		v, ok, err := prop[string](kr, f.name)
		if err != nil {
			return nil, err
		}
		if ok {
			dst := f.dst
			steps = append(steps, func(p *domain.Fido2Policy) { *dst(p) = v })
		}
	}
	for _, f := range bools {
		v, ok, err := prop[bool](kr, f.name)
		if err != nil {
			return nil, err
		}
		if ok {
			dst := f.dst
			steps = append(steps, func(p *domain.Fido2Policy) { *dst(p) = v })
		}
	}
	if ids, ok, err := prop[[]string](kr, "keyRestrictions.aaGuids"); err != nil {
		return nil, err
	} else if ok || kr.isNull("keyRestrictions.aaGuids") {
		clean := make([]string, len(ids))
		for i, id := range ids {
			clean[i] = strings.ToLower(strings.TrimSpace(id))
		}
		steps = append(steps, func(p *domain.Fido2Policy) { p.KeyRestrictions.AAGUIDs = clean })
	}
	for _, name := range []string{"includeTargets", "excludeTargets"} {
		ts, ok, err := targetsProp(b, name)
		if err != nil {
			return nil, err
		}
		if ok {
			include := name == "includeTargets"
			steps = append(steps, func(p *domain.Fido2Policy) {
				if include {
					p.IncludeTargets = ts
				} else {
					p.ExcludeTargets = ts
				}
			})
		}
	}
	return func(p *domain.Fido2Policy) {
		for _, s := range steps {
			s(p)
		}
	}, nil
}

// nested returns b with the properties of its object-valued property name added
// as "name.property", so that errors about them name the full path (e.g.
// keyRestrictions.aaGuids).
func nested(b body, name string) (body, error) {
	out := make(body, len(b))
	for k, v := range b {
		out[k] = v
	}
	raw, ok := b.raw(name)
	if !ok {
		return out, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, badRequest(`Invalid value for property '%s': expected an object such as {"isEnforced":true,"enforcementType":"allow","aaGuids":["cb69481e-8ff7-4039-93ec-0a2729a154a8"]}.`, name)
	}
	prefix := strings.ToLower(name) + "."
	for k, v := range m {
		out[prefix+strings.ToLower(k)] = v
	}
	return out, nil
}
