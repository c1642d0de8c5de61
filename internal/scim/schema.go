package scim

import "strings"

// Schema URNs (RFC 7643 §8.7, RFC 7644 §3).
const (
	schemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	schemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	// schemaFirstkey holds what HR systems send that neither core nor the
	// enterprise extension names: the hire date a first pass is scheduled for.
	schemaFirstkey = "urn:ietf:params:scim:schemas:extension:firstkey:2.0:User"

	msgListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	msgPatchOp      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	msgSearch       = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	msgError        = "urn:ietf:params:scim:api:messages:2.0:Error"

	schemaServiceProviderConfig = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaResourceType          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema                = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// attr describes one attribute as RFC 7643 §7 does. The same description
// serves the /Schemas endpoint and the handlers: names are matched against it
// case-insensitively, and values are checked against its type.
type attr struct {
	Name        string
	Type        string // string, boolean, dateTime, reference, complex
	Multi       bool
	Required    bool
	CaseExact   bool
	Mutability  string // readWrite (the default), readOnly, immutable, writeOnly
	Returned    string // default (the default), always, never, request
	Uniqueness  string // none (the default), server, global
	RefTypes    []string
	Canonical   []string
	Description string
	Sub         []attr
}

func (a attr) readOnly() bool { return a.Mutability == "readOnly" }

// sub finds a sub-attribute by name, ignoring case.
func (a attr) sub(name string) (attr, bool) { return find(a.Sub, name) }

func find(attrs []attr, name string) (attr, bool) {
	for _, a := range attrs {
		if strings.EqualFold(a.Name, name) {
			return a, true
		}
	}
	return attr{}, false
}

// schema is one schema of a resource type: the core one or an extension.
type schema struct {
	ID          string
	Name        string
	Description string
	Attrs       []attr
	// Ignored are attributes the schema defines that firstkey does not keep:
	// a client may send them (Entra ID's default mapping sends phone numbers and
	// addresses), and they are dropped rather than refused.
	Ignored []string
}

func (s schema) ignores(name string) bool {
	for _, n := range s.Ignored {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

var idAttr = attr{Name: "id", Type: "string", CaseExact: true, Mutability: "readOnly", Returned: "always", Uniqueness: "server",
	Description: "firstkey's identifier of the resource, the same as the Graph API's id."}

var externalIDAttr = attr{Name: "externalId", Type: "string", CaseExact: true,
	Description: "The provisioning client's own identifier of the resource; kept as sent and filterable."}

var userSchema = schema{
	ID: schemaUser, Name: "User", Description: "A person in firstkey's directory.",
	Attrs: []attr{
		idAttr,
		externalIDAttr,
		{Name: "userName", Type: "string", Required: true, Uniqueness: "server",
			Description: "The userPrincipalName: alias@domain, unique regardless of case."},
		{Name: "name", Type: "complex", Description: "The components of the person's name.", Sub: []attr{
			{Name: "formatted", Type: "string", Description: "The full name; firstkey derives it from givenName and familyName."},
			{Name: "familyName", Type: "string", Description: "The surname."},
			{Name: "givenName", Type: "string", Description: "The given name."},
		}},
		{Name: "displayName", Type: "string",
			Description: "The name shown for the person; when absent, name.formatted, the given and family names, or the userName in that order."},
		{Name: "title", Type: "string", Description: "The job title."},
		{Name: "emails", Type: "complex", Multi: true,
			Description: "E-mail addresses. firstkey keeps one, the user's mail: the primary one, else the one of type work, else the first.",
			Sub: []attr{
				{Name: "value", Type: "string", Description: "The address."},
				{Name: "type", Type: "string", Canonical: []string{"work", "home", "other"}, Description: "The kind of address; firstkey's is work."},
				{Name: "primary", Type: "boolean", Description: "Whether this is the preferred address."},
			}},
		{Name: "active", Type: "boolean",
			Description: "Whether the account may sign in; false disables it and ends its sessions."},
	},
	Ignored: []string{"nickName", "profileUrl", "userType", "preferredLanguage", "locale", "timezone", "password",
		"phoneNumbers", "ims", "photos", "addresses", "entitlements", "roles", "x509Certificates", "groups"},
}

var enterpriseSchema = schema{
	ID: schemaEnterprise, Name: "EnterpriseUser", Description: "Enterprise user extension (RFC 7643 §4.3).",
	Attrs: []attr{
		{Name: "employeeNumber", Type: "string", Description: "The HR system's number for the person (Graph employeeId)."},
		{Name: "department", Type: "string", Description: "The department."},
		{Name: "manager", Type: "complex", Description: "The person's manager, another user of this directory.", Sub: []attr{
			{Name: "value", Type: "string", Description: "The manager's id."},
			{Name: "$ref", Type: "reference", RefTypes: []string{"User"}, Mutability: "readOnly", Description: "The manager's URI."},
			{Name: "displayName", Type: "string", Mutability: "readOnly", Description: "The manager's displayName."},
		}},
	},
	Ignored: []string{"costCenter", "organization", "division"},
}

var firstkeySchema = schema{
	ID: schemaFirstkey, Name: "FirstkeyUser", Description: "What firstkey keeps of a new joiner beyond the core and enterprise schemas.",
	Attrs: []attr{
		{Name: "employeeHireDate", Type: "dateTime",
			Description: "The first working day (Graph employeeHireDate); a date such as 2026-09-01 or an RFC 3339 date-time."},
	},
}

var groupSchema = schema{
	ID: schemaGroup, Name: "Group", Description: "A group of users; firstkey's policies target groups.",
	Attrs: []attr{
		idAttr,
		externalIDAttr,
		{Name: "displayName", Type: "string", Required: true, Description: "The group's name."},
		{Name: "members", Type: "complex", Multi: true, Description: "The users in the group.", Sub: []attr{
			{Name: "value", Type: "string", Mutability: "immutable", Description: "The member's id."},
			{Name: "$ref", Type: "reference", RefTypes: []string{"User"}, Mutability: "immutable", Description: "The member's URI."},
			{Name: "display", Type: "string", Mutability: "readOnly", Description: "The member's displayName."},
			{Name: "type", Type: "string", Canonical: []string{"User"}, Mutability: "immutable", Description: "User: groups do not nest."},
		}},
	},
}

// metaAttr is common to every resource (RFC 7643 §3.1).
var metaAttr = attr{Name: "meta", Type: "complex", Mutability: "readOnly", Sub: []attr{
	{Name: "resourceType", Type: "string", Mutability: "readOnly"},
	{Name: "created", Type: "dateTime", Mutability: "readOnly"},
	{Name: "lastModified", Type: "dateTime", Mutability: "readOnly"},
	{Name: "location", Type: "reference", Mutability: "readOnly"},
	{Name: "version", Type: "string", Mutability: "readOnly"},
}}

// resourceType is Users or Groups: its core schema, its extensions and where it lives.
type resourceType struct {
	Name       string // User, Group
	Endpoint   string // /Users, /Groups
	Core       schema
	Extensions []schema
}

var (
	userType  = resourceType{Name: "User", Endpoint: "/Users", Core: userSchema, Extensions: []schema{enterpriseSchema, firstkeySchema}}
	groupType = resourceType{Name: "Group", Endpoint: "/Groups", Core: groupSchema}
)

// splitURN separates a schema URN from the attribute path that follows it, as in
// urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value. A
// path without a URN names the core schema. A path that is only a URN names the
// extension as a whole (attr is empty). known is false for a URN this resource
// type does not have.
func (rt resourceType) splitURN(path string) (s schema, rest string, known bool) {
	if !hasPrefixFold(path, "urn:") {
		return rt.Core, path, true
	}
	for _, cand := range append([]schema{rt.Core}, rt.Extensions...) {
		if strings.EqualFold(path, cand.ID) {
			return cand, "", true
		}
		if len(path) > len(cand.ID) && hasPrefixFold(path, cand.ID) && path[len(cand.ID)] == ':' {
			return cand, path[len(cand.ID)+1:], true
		}
	}
	return schema{}, "", false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
