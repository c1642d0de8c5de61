package oidc

import "github.com/firstkey/firstkey/internal/seal"

// Signing keys' private halves are sealed with the master key; a master-key
// rotation re-seals them.
func init() {
	seal.Register(seal.Column{Table: "signing_keys", Column: "private_key_sealed", Keys: []string{"id"},
		AD: func(k []string) []byte { return sealedKeyAD(k[0]) }})
}
