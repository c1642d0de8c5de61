package domain

import "time"

// Authentication method references carried by sessions and tokens (RFC 8176).
const (
	AMRTap = "tap"
	AMRMFA = "mfa"
	AMRHwk = "hwk"
	AMRSwk = "swk"
)

// RegistrationOnlyWindow is how long a session from a one-time pass may register
// methods; it may do nothing else.
const RegistrationOnlyWindow = 10 * time.Minute

// Session is a signed-in browser session. Only the hash of its id is stored.
type Session struct {
	IDHash           string
	UserID           string
	AMR              []string
	PassID           string // the pass it was obtained with, if any
	RegistrationOnly bool   // from a one-time pass: may only register methods
	CreatedDateTime  time.Time
	LastSeenDateTime time.Time
	ExpiresDateTime  time.Time // absolute end; never after the pass's end
	AuthTime         time.Time
}
