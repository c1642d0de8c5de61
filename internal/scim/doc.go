// Package scim serves SCIM 2.0 (RFC 7643, RFC 7644) under /scim/v2, so that an
// HR system or an identity governance tool (Entra ID's provisioning service,
// Okta) can create, change and remove firstkey's users and groups. A SCIM user
// is the same directory user the Graph API and the console see: handlers only
// translate SCIM resources to directory.Service calls, where every rule, check
// and audit record lives, with the provisioning client as the initiator.
package scim
