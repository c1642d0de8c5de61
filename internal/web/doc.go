// Package web serves the pages people see: sign-in and My Security Info. Pages are
// rendered on the server from embedded templates; state-changing forms are
// protected against cross-site request forgery.
package web
