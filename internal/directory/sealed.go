package directory

import "github.com/firstkey/firstkey/internal/seal"

// A pass waiting for delivery is sealed with the master key; a master-key
// rotation re-seals it.
func init() {
	seal.Register(seal.Column{Table: "deliveries", Column: "sealed", Keys: []string{"id", "subject_id"},
		AD: func(k []string) []byte { return sealedCodeAD(k[0], k[1]) }})
}
