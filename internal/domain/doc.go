// Package domain holds firstkey's directory model and the rules that govern it:
// users, groups, directory roles, applications, the Temporary Access Pass policy,
// passes and their usability, and audit records. It does no I/O; time comes from
// a Clock so that tests can move it.
package domain
