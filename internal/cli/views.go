package cli

import (
	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// The JSON shapes below use Microsoft Graph's property names, so that output can
// be fed to the same scripts that read the REST API.

type userJSON struct {
	ID                string   `json:"id"`
	UserPrincipalName string   `json:"userPrincipalName"`
	DisplayName       string   `json:"displayName"`
	GivenName         *string  `json:"givenName"`
	Surname           *string  `json:"surname"`
	Mail              *string  `json:"mail"`
	JobTitle          *string  `json:"jobTitle"`
	Department        *string  `json:"department"`
	AccountEnabled    bool     `json:"accountEnabled"`
	CreatedDateTime   string   `json:"createdDateTime"`
	EmployeeHireDate  *string  `json:"employeeHireDate"`
	ManagerID         *string  `json:"managerId"`
	Roles             []string `json:"roles,omitempty"` // `user show` only
}

func userView(u domain.User) userJSON {
	v := userJSON{
		ID: u.ID, UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName,
		GivenName: nullable(u.GivenName), Surname: nullable(u.Surname), Mail: nullable(u.Mail),
		JobTitle: nullable(u.JobTitle), Department: nullable(u.Department), AccountEnabled: u.AccountEnabled,
		CreatedDateTime: stamp(u.CreatedDateTime), ManagerID: nullable(u.ManagerID),
	}
	if u.EmployeeHireDate != nil {
		v.EmployeeHireDate = nullable(stamp(*u.EmployeeHireDate))
	}
	return v
}

type groupJSON struct {
	ID              string  `json:"id"`
	DisplayName     string  `json:"displayName"`
	Description     *string `json:"description"`
	CreatedDateTime string  `json:"createdDateTime"`
}

func groupView(g domain.Group) groupJSON {
	return groupJSON{ID: g.ID, DisplayName: g.DisplayName, Description: nullable(g.Description), CreatedDateTime: stamp(g.CreatedDateTime)}
}

type roleAssignmentJSON struct {
	Role              string `json:"role"`
	RoleTemplateID    string `json:"roleTemplateId"`
	UserID            string `json:"userId"`
	UserPrincipalName string `json:"userPrincipalName"`
}

// passJSON is Graph's temporaryAccessPassAuthenticationMethod. TemporaryAccessPass
// is null except in the response that creates the pass.
type passJSON struct {
	ID                    string  `json:"id"`
	UserID                string  `json:"userId"`
	UserPrincipalName     string  `json:"userPrincipalName,omitempty"`
	TemporaryAccessPass   *string `json:"temporaryAccessPass"`
	CreatedDateTime       string  `json:"createdDateTime"`
	StartDateTime         string  `json:"startDateTime"`
	EndDateTime           string  `json:"endDateTime"`
	LifetimeInMinutes     int     `json:"lifetimeInMinutes"`
	IsUsableOnce          bool    `json:"isUsableOnce"`
	IsUsable              bool    `json:"isUsable"`
	MethodUsabilityReason string  `json:"methodUsabilityReason"`
	SignInURL             string  `json:"signInUrl,omitempty"`
	// Delivery is set, and the pass null, when the pass is delivered instead.
	Delivery *deliveryJSON `json:"delivery,omitempty"`
}

type deliveryJSON struct {
	ID        string `json:"id"`
	Method    string `json:"method"`
	Recipient string `json:"recipient,omitempty"`
	Status    string `json:"status"`
}

func passView(p directory.PassView) passJSON {
	return passJSON{
		ID: p.ID, UserID: p.UserID, CreatedDateTime: stamp(p.CreatedDateTime), StartDateTime: stamp(p.StartDateTime),
		EndDateTime: stamp(p.End()), LifetimeInMinutes: p.LifetimeInMinutes, IsUsableOnce: p.IsUsableOnce,
		IsUsable: p.IsUsable, MethodUsabilityReason: string(p.Reason),
	}
}

type targetJSON struct {
	ID                     string `json:"id"`
	TargetType             string `json:"targetType"`
	IsRegistrationRequired bool   `json:"isRegistrationRequired"`
}

// policyJSON is Graph's temporaryAccessPassAuthenticationMethodConfiguration.
type policyJSON struct {
	ID                       string       `json:"id"`
	State                    string       `json:"state"`
	DefaultLifetimeInMinutes int          `json:"defaultLifetimeInMinutes"`
	DefaultLength            int          `json:"defaultLength"`
	MinimumLifetimeInMinutes int          `json:"minimumLifetimeInMinutes"`
	MaximumLifetimeInMinutes int          `json:"maximumLifetimeInMinutes"`
	IsUsableOnce             bool         `json:"isUsableOnce"`
	IncludeTargets           []targetJSON `json:"includeTargets"`
	ExcludeTargets           []targetJSON `json:"excludeTargets"`
	LastModifiedDateTime     *string      `json:"lastModifiedDateTime"`
}

func policyView(p domain.TAPPolicy) policyJSON {
	targets := func(ts []domain.Target) []targetJSON {
		out := make([]targetJSON, len(ts))
		for i, t := range ts {
			out[i] = targetJSON{ID: t.ID, TargetType: t.TargetType, IsRegistrationRequired: t.IsRegistrationRequired}
		}
		return out
	}
	return policyJSON{
		ID: "TemporaryAccessPass", State: p.State, DefaultLifetimeInMinutes: p.DefaultLifetimeInMinutes,
		DefaultLength: p.DefaultLength, MinimumLifetimeInMinutes: p.MinimumLifetimeInMinutes,
		MaximumLifetimeInMinutes: p.MaximumLifetimeInMinutes, IsUsableOnce: p.IsUsableOnce,
		IncludeTargets: targets(p.IncludeTargets), ExcludeTargets: targets(p.ExcludeTargets),
		LastModifiedDateTime: nullable(stamp(p.LastModifiedDateTime)),
	}
}

type appJSON struct {
	ID                             string   `json:"id"`
	ClientID                       string   `json:"clientId"`
	DisplayName                    string   `json:"displayName"`
	PublicClient                   bool     `json:"publicClient"`
	RedirectURIs                   []string `json:"redirectUris"`
	SPARedirectURIs                []string `json:"spaRedirectUris"`
	Permissions                    []string `json:"permissions"`
	RequiredAuthenticationStrength *string  `json:"requiredAuthenticationStrength"`
	IDTokenSignedResponseAlg       string   `json:"idTokenSignedResponseAlg"`
	CreatedDateTime                string   `json:"createdDateTime"`
}

func appView(a domain.Application) appJSON {
	perms := make([]string, len(a.Permissions))
	for i, p := range a.Permissions {
		perms[i] = string(p)
	}
	uris := a.RedirectURIs
	if uris == nil {
		uris = []string{}
	}
	return appJSON{
		ID: a.ID, ClientID: a.ClientID, DisplayName: a.DisplayName, PublicClient: a.PublicClient,
		RedirectURIs: uris, SPARedirectURIs: append([]string{}, a.SPARedirectURIs...), Permissions: perms, RequiredAuthenticationStrength: nullable(string(a.RequiredStrength)),
		IDTokenSignedResponseAlg: a.IDTokenAlg(), CreatedDateTime: stamp(a.CreatedDateTime),
	}
}
