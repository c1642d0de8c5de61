// Package seal encrypts small secrets at rest — token signing keys, passes
// waiting for delivery — with AES-256-GCM under one master key that lives
// outside the database (a file or an environment variable). A database copied
// without its master key reveals no private key, and a database started with
// the wrong master key refuses to run (CheckKey) instead of minting keys nobody
// else can read.
//
// Every sealed value names the key that sealed it (KeyID: a public id derived
// from the key), so that a Sealer may hold an old and a new key while the
// master key is rotated (Rotate): it opens values under either, seals with the
// one the database is under (Follow), and a check can find values still under
// the old key. Packages that seal into the database Register their column, so
// that a rotation re-seals everything.
package seal
