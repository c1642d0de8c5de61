// Package graphapi serves firstkey's REST API under /v1.0, following the Microsoft
// Graph conventions (resource shapes, OData query options, paging, error envelope)
// closely enough that the Graph SDKs and existing Graph scripts work when pointed
// at firstkey. Handlers only translate between HTTP and directory.Service calls:
// every rule, check and audit record lives in the directory service, so the API
// cannot disagree with the consoles or the CLI.
package graphapi
