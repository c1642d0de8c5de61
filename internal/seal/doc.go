// Package seal encrypts small secrets at rest — token signing keys today — with
// AES-256-GCM under one master key that lives outside the database (a file or an
// environment variable). A database copied without its master key reveals no
// private key, and a database started with the wrong master key refuses to run
// (CheckKey) instead of minting keys nobody else can read.
package seal
