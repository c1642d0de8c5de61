// Package secret generates and hashes the secrets firstkey hands out: Temporary
// Access Passes, client secrets and session ids. Following NIST SP 800-63B for
// look-up secrets, a secret with less than 112 bits of entropy is stored only as a
// salted argon2id hash; a longer one uses salted SHA-256. Encoded hashes describe
// their own algorithm and parameters, so parameters can change without breaking
// stored hashes, and tests can use cheap ones.
package secret
