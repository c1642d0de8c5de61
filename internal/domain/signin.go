package domain

import "time"

// Sign-in status codes, following Entra's where one exists.
const (
	SignInSuccess           = 0
	SignInPassBlocked       = 130502 // out of scope, policy disabled, multi-use pass while policy requires one-time
	SignInPassInvalid       = 130503
	SignInPassExpired       = 130504
	SignInPassUsed          = 130505
	SignInAccountLocked     = 50053
	SignInAccountDisabled   = 50057
	SignInUserNotFound      = 50034
	SignInPassNotYetValid   = 130506 // firstkey: a pass whose start is still ahead
	SignInPasskeyFailed     = 500121
	SignInRateLimited       = 50196
	SignInNoUsableMethod    = 130500 // firstkey: the user has no pass
	MethodTemporaryAccess   = "Temporary Access Pass"
	MethodPasskey           = "Passkey"
	RequirementMFA          = "multiFactorAuthentication"
	RequirementSingleFactor = "singleFactorAuthentication"
)

// SignIn is one sign-in attempt, successful or not (Graph signIn).
type SignIn struct {
	ID                         string
	CreatedDateTime            time.Time
	UserID                     string // empty when the name matched nobody
	UserPrincipalName          string // as typed, for failed attempts
	UserDisplayName            string
	AppID                      string
	AppDisplayName             string
	IPAddress                  string
	UserAgent                  string
	ErrorCode                  int
	FailureReason              string
	AuthenticationMethod       string // MethodTemporaryAccess, MethodPasskey
	AuthenticationMethodDetail string // pass id, or passkey name
	AuthenticationRequirement  string
	Succeeded                  bool
	CorrelationID              string
}
