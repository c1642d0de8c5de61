// Package clientaddr works out the address of the client behind a request: the
// TCP peer, or, when the peer is a proxy the operator trusts, the address that
// proxy forwarded. Rate limits and every log (access log, sign-in log, audit
// records) read it from here, so that they agree and none of them can be
// steered by a header from an untrusted peer.
package clientaddr
