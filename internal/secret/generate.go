package secret

import (
	"crypto/rand"
	"fmt"
	"math"
	"math/big"
)

// PassAlphabet avoids characters people confuse when reading a pass aloud or
// copying it from a screen: 0/O/o, 1/l/I/i.
const PassAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"

// EntropyBits is the entropy of a random string of length n over alphabet.
func EntropyBits(n int, alphabet string) float64 {
	return float64(n) * math.Log2(float64(len(alphabet)))
}

// Generate returns n characters drawn uniformly from alphabet with crypto/rand.
func Generate(n int, alphabet string) (string, error) {
	max := big.NewInt(int64(len(alphabet)))
	out := make([]byte, n)
	for i := range out {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", fmt.Errorf("read random: %w", err)
		}
		out[i] = alphabet[k.Int64()]
	}
	return string(out), nil
}

// GeneratePass returns a new pass of n characters from PassAlphabet.
func GeneratePass(n int) (string, error) { return Generate(n, PassAlphabet) }

// Token returns a random URL-safe string carrying 256 bits, for session ids and
// client secrets.
func Token() (string, error) {
	return Generate(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}
