// Package interop tests firstkey with unmodified clients made by Microsoft:
// the Azure Identity SDK for Go with the Microsoft Graph SDK for Go, and
// MSAL for Node.js, each pointed at firstkey by changing only the authority
// and base URL, over HTTPS as they require. It holds only tests; it is a
// package of its own so that those SDKs' large dependency trees are built for
// these tests alone.
//
// The Graph SDK tests do not run in parallel: creating a GraphServiceClient
// writes a package-level default of the SDK's that other clients read while
// they parse answers (a data race in the SDK, which -race reports).
package interop
