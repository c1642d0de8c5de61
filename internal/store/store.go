// Package store defines the one storage interface every backend implements, and the
// sentinel errors every backend returns. Backends live in sub-packages (sqlite,
// postgres) and prove themselves against the shared conformance suite.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
)

// Sentinel errors, the same from every backend.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict means a conditional change lost a race: for example a one-time pass
	// that another attempt consumed first.
	ErrConflict = errors.New("conflict")
	// ErrUnsupportedFilter wraps a filter that names a field or operator the list
	// cannot filter on; the message says which.
	ErrUnsupportedFilter = errors.New("unsupported filter")
	// ErrInvalidText means a write held text no backend stores alike: invalid
	// UTF-8 or a NUL character (PostgreSQL refuses both, SQLite keeps them).
	// Callers check outside text before it gets here; this is the last guard.
	// A lookup by such a key is ErrNotFound, since nothing stored can match it.
	ErrInvalidText = errors.New("text is not valid UTF-8 or contains a NUL character")
)

// ListOptions selects a page of a list. Filter fields use Graph's property names
// (for example userPrincipalName, displayName, activityDateTime).
type ListOptions struct {
	Filter  odata.Expr
	OrderBy []odata.OrderBy
	Top     int  // page size; 0 means the backend default of 100
	Skip    int  // rows to skip: paging by position, which costs the rows skipped (SCIM's startIndex)
	Count   bool // also return the total number of matching rows (After does not change it)
	// After pages by key: the list continues after the row at this position, one
	// of the Positions an earlier call with the same OrderBy returned. A position
	// that does not fit the order gives ErrUnsupportedFilter.
	After []byte
	// Positions, when not nil, receives the position of each row returned, in
	// order: opaque bytes for a later After.
	Positions *[][]byte
}

// Store is firstkey's persistence. Every method is safe for concurrent use. Update
// methods are read-modify-write inside one transaction: the function receives the
// current value and returns the new one, or an error that aborts the change.
//
// Times are returned in UTC, truncated to microseconds (PostgreSQL's precision);
// callers comparing with values they stored should truncate too. Slices
// (redirect URIs, permissions, AMR, policy targets) come back non-nil.
type Store interface {
	// InTx runs fn with a Store bound to one transaction: everything fn does
	// commits together or not at all. Nested InTx calls join the outer transaction.
	// fn must use tx, not the outer Store: calling the outer Store while a
	// transaction is open can block on SQLite's write lock or starve the pool.
	InTx(ctx context.Context, fn func(tx Store) error) error
	Close() error

	// CreateUser stores a new user; a zero Version is stored as 1 and a zero
	// LastModifiedDateTime as CreatedDateTime.
	CreateUser(ctx context.Context, u domain.User) error
	GetUser(ctx context.Context, id string) (domain.User, error)
	GetUserByUPN(ctx context.Context, upn string) (domain.User, error)
	// ListUsers filters on id, userPrincipalName, displayName, givenName, surname,
	// mail, jobTitle, department, employeeId, externalId (compared exactly),
	// accountEnabled, createdDateTime, lastModifiedDateTime, employeeHireDate, with
	// startswith, endswith and contains on the text ones; default order by
	// userPrincipalName. The int is the total when opts.Count is set.
	ListUsers(ctx context.Context, opts ListOptions) ([]domain.User, int, error)
	UpdateUser(ctx context.Context, id string, fn func(domain.User) (domain.User, error)) (domain.User, error)
	// DeleteUser removes the user and everything that is theirs: passes, sessions,
	// role assignments, group memberships; users they managed lose their manager.
	DeleteUser(ctx context.Context, id string) error

	AssignRole(ctx context.Context, a domain.RoleAssignment) error
	RemoveRole(ctx context.Context, a domain.RoleAssignment) error
	ListUserRoles(ctx context.Context, userID string) ([]domain.Role, error)
	ListRoleAssignments(ctx context.Context) ([]domain.RoleAssignment, error)

	// CreateGroup stores a new group; a zero Version is stored as 1 and a zero
	// LastModifiedDateTime as CreatedDateTime.
	CreateGroup(ctx context.Context, g domain.Group) error
	GetGroup(ctx context.Context, id string) (domain.Group, error)
	// ListGroups filters on id, displayName, description, externalId (compared
	// exactly), createdDateTime, lastModifiedDateTime, and members/any(m:m/id eq
	// '…') for the groups a user belongs to.
	ListGroups(ctx context.Context, opts ListOptions) ([]domain.Group, int, error)
	UpdateGroup(ctx context.Context, id string, fn func(domain.Group) (domain.Group, error)) (domain.Group, error)
	DeleteGroup(ctx context.Context, id string) error
	AddGroupMember(ctx context.Context, groupID, userID string) error
	RemoveGroupMember(ctx context.Context, groupID, userID string) error
	// ListGroupMembers lists users of a group with the ListUsers filters.
	ListGroupMembers(ctx context.Context, groupID string, opts ListOptions) ([]domain.User, int, error)
	ListUserGroupIDs(ctx context.Context, userID string) ([]string, error)

	CreateApplication(ctx context.Context, a domain.Application) error
	GetApplication(ctx context.Context, id string) (domain.Application, error)
	GetApplicationByClientID(ctx context.Context, clientID string) (domain.Application, error)
	// GetApplicationByProvisioningToken finds the application whose
	// ProvisioningTokenHash is hash; ErrNotFound for none (and for "").
	GetApplicationByProvisioningToken(ctx context.Context, hash string) (domain.Application, error)
	ListApplications(ctx context.Context, opts ListOptions) ([]domain.Application, int, error)
	UpdateApplication(ctx context.Context, id string, fn func(domain.Application) (domain.Application, error)) (domain.Application, error)
	DeleteApplication(ctx context.Context, id string) error
	// SPAOriginRegistered reports whether origin (scheme://host[:port], as
	// domain.Origin writes it) is the origin of a single-page redirect URI of
	// some application: the origins allowed to call the token endpoints from a
	// browser (CORS).
	SPAOriginRegistered(ctx context.Context, origin string) (bool, error)

	// CreatePass stores a pass; a user holds at most one, so a second returns
	// ErrAlreadyExists (delete the old one first, in the same transaction).
	CreatePass(ctx context.Context, p domain.TemporaryAccessPass) error
	GetPass(ctx context.Context, id string) (domain.TemporaryAccessPass, error)
	ListUserPasses(ctx context.Context, userID string) ([]domain.TemporaryAccessPass, error)
	DeletePass(ctx context.Context, id string) error
	// ConsumePass marks a one-time pass used at `at`. Of any number of concurrent
	// calls for the same pass, from any number of processes, exactly one succeeds;
	// the others get ErrConflict.
	ConsumePass(ctx context.Context, id string, at time.Time) error
	// TouchPass records a successful sign-in with a multi-use pass; ErrNotFound
	// when the pass is gone. Like ConsumePass it writes the pass's row, so inside
	// a transaction a concurrent DeletePass waits for that transaction to end
	// (and then ends the session it created) or, if it came first, makes this
	// return ErrNotFound: a sign-in and a deletion of its pass serialise.
	TouchPass(ctx context.Context, id string, at time.Time) error
	// RecordPassFailure atomically adds one failed attempt and returns the new count.
	RecordPassFailure(ctx context.Context, id string) (int, error)
	// ListExpiredPasses returns up to limit passes that ended before `before`, in id
	// order, starting after the id afterID ("" for the first page). Expired passes
	// are deleted one by one, each with its audit record: there is no bulk delete.
	ListExpiredPasses(ctx context.Context, before time.Time, afterID string, limit int) ([]domain.TemporaryAccessPass, error)

	// GetTAPPolicy returns the stored policy, or domain.DefaultTAPPolicy() if none was saved.
	// Both policies come back (also from Update…) with Missing set on every target
	// whose group no longer exists, so that such a target never widens them.
	GetTAPPolicy(ctx context.Context) (domain.TAPPolicy, error)
	UpdateTAPPolicy(ctx context.Context, fn func(domain.TAPPolicy) (domain.TAPPolicy, error)) (domain.TAPPolicy, error)

	CreateAudit(ctx context.Context, r domain.AuditRecord) error
	GetAudit(ctx context.Context, id string) (domain.AuditRecord, error)
	// ListAudits filters on id, activityDateTime, activityDisplayName, category,
	// result, loggedByService, initiatedBy/user/id, initiatedBy/user/userPrincipalName,
	// initiatedBy/app/appId, and targetResources/any(t:t/id eq '…') (also
	// t/userPrincipalName); default order newest first.
	ListAudits(ctx context.Context, opts ListOptions) ([]domain.AuditRecord, int, error)

	CreateSignIn(ctx context.Context, s domain.SignIn) error
	GetSignIn(ctx context.Context, id string) (domain.SignIn, error)
	// ListSignIns filters on id, createdDateTime, userId, userPrincipalName, appId,
	// ipAddress, status/errorCode, appDisplayName, userDisplayName, and
	// authenticationDetails/any(d:d/authenticationMethod eq '…') (also
	// d/succeeded); default order newest first.
	ListSignIns(ctx context.Context, opts ListOptions) ([]domain.SignIn, int, error)

	// Reports, computed live from the directory as it is now.
	//
	// ListRegistrationDetails lists each user's registration state (Graph
	// userRegistrationDetails) under q, filtering on id, userPrincipalName,
	// userDisplayName, userType, isAdmin, isMfaCapable, isMfaRegistered,
	// isPasswordlessCapable, isSsprCapable, isSsprEnabled, isSsprRegistered,
	// lastUpdatedDateTime, and methodsRegistered/any(m:m eq '…'); default order
	// by userPrincipalName. q.Roles and q.Types are ignored.
	ListRegistrationDetails(ctx context.Context, q domain.RegistrationQuery, opts ListOptions) ([]domain.RegistrationDetails, int, error)
	// SummarizeRegistrations counts the users q covers, per method and per feature.
	SummarizeRegistrations(ctx context.Context, q domain.RegistrationQuery) (domain.RegistrationSummary, error)
	// TallySignIns counts the sign-ins in [from, to) per UTC day, method,
	// requirement and outcome, in day order.
	TallySignIns(ctx context.Context, from, to time.Time) ([]domain.SignInTally, error)
	// CountPassesUsedByDay counts, per UTC day in [from, to), the distinct passes
	// with which someone signed in; days without any are left out.
	CountPassesUsedByDay(ctx context.Context, from, to time.Time) ([]domain.DayCount, error)
	// CountAuditsByDay counts audit records of one activity per UTC day in [from, to).
	CountAuditsByDay(ctx context.Context, activity string, from, to time.Time) ([]domain.DayCount, error)
	// CountFirstPasskeysByDay counts, per UTC day in [from, to), the users whose
	// oldest passkey they still hold was registered that day, and returns too
	// how many users' oldest passkey is older than from.
	CountFirstPasskeysByDay(ctx context.Context, from, to time.Time) (before int, days []domain.DayCount, err error)

	CreateSession(ctx context.Context, s domain.Session) error
	GetSession(ctx context.Context, idHash string) (domain.Session, error)
	UpdateSession(ctx context.Context, idHash string, fn func(domain.Session) (domain.Session, error)) (domain.Session, error)
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteSessionsByPass ends every session obtained with the pass; returns how many.
	DeleteSessionsByPass(ctx context.Context, passID string) (int, error)
	DeleteUserSessions(ctx context.Context, userID string) (int, error)
	// ListUserSessions lists a user's sessions, the most recently used first.
	ListUserSessions(ctx context.Context, userID string) ([]domain.Session, error)

	// CreatePasskey stores a credential; a credential id registered before (by
	// anyone) returns ErrAlreadyExists.
	CreatePasskey(ctx context.Context, p domain.Passkey) error
	GetPasskey(ctx context.Context, id string) (domain.Passkey, error)
	GetPasskeyByCredentialID(ctx context.Context, credentialID []byte) (domain.Passkey, error)
	// GetPasskeySignIn reads, in one round trip, the passkey a sign-in's
	// authenticator names, its owner and the CacheVersion.
	GetPasskeySignIn(ctx context.Context, credentialID []byte) (PasskeySignIn, error)
	// ListUserPasskeys lists a user's passkeys, oldest first.
	ListUserPasskeys(ctx context.Context, userID string) ([]domain.Passkey, error)
	// ListPasskeysByUPN lists the passkeys of the user with that user principal
	// name (compared as GetUserByUPN does), oldest first; none for nobody.
	ListPasskeysByUPN(ctx context.Context, upn string) ([]domain.Passkey, error)
	UpdatePasskey(ctx context.Context, id string, fn func(domain.Passkey) (domain.Passkey, error)) (domain.Passkey, error)
	// RecordPasskeyUse records a sign-in with the passkey in one conditional
	// statement: the signature counter becomes counter only if that is higher
	// (it never goes down, whatever the order of racing sign-ins);
	// CloneWarning is set, for good, when cloneWarning is true or when counter
	// is not above the stored one (unless both are 0: authenticators that never
	// count); BackupState and LastUsedDateTime take the given values.
	// ErrNotFound when the passkey is gone.
	RecordPasskeyUse(ctx context.Context, id string, counter uint32, backupState, cloneWarning bool, at time.Time) error
	DeletePasskey(ctx context.Context, id string) error

	// CreateCeremony stores the server half of a WebAuthn ceremony in progress.
	CreateCeremony(ctx context.Context, c domain.Ceremony) error
	// TakeCeremony returns a ceremony and deletes it in one step, so that each can
	// be finished once, on any replica; a second take returns ErrNotFound.
	TakeCeremony(ctx context.Context, id string) (domain.Ceremony, error)
	// GetCeremony returns a ceremony without taking it: a sign-in reads it,
	// verifies the answer, and takes it in the transaction that opens the
	// session, so that of racing finishes one alone commits.
	GetCeremony(ctx context.Context, id string) (domain.Ceremony, error)
	DeleteExpiredCeremonies(ctx context.Context, before time.Time) (int, error)

	// GetFido2Policy returns the stored passkey policy, or domain.DefaultFido2Policy().
	GetFido2Policy(ctx context.Context) (domain.Fido2Policy, error)
	UpdateFido2Policy(ctx context.Context, fn func(domain.Fido2Policy) (domain.Fido2Policy, error)) (domain.Fido2Policy, error)

	// GetThrottle returns the shared counter under key (sign-in lock-outs,
	// per-address limits); the zero Throttle with Key set when there is none.
	GetThrottle(ctx context.Context, key string) (domain.Throttle, error)
	// UpdateThrottle is an atomic read-modify-write of the counter under key,
	// shared by every replica; it creates the row when there is none. The key
	// cannot change.
	UpdateThrottle(ctx context.Context, key string, fn func(domain.Throttle) (domain.Throttle, error)) (domain.Throttle, error)
	// DeleteThrottle forgets the counter under key (no error when there is none).
	DeleteThrottle(ctx context.Context, key string) error
	// ListThrottles returns the counters whose key starts with prefix (compared
	// exactly, case included), in key order.
	ListThrottles(ctx context.Context, prefix string) ([]domain.Throttle, error)
	// DeleteThrottles forgets every counter whose key starts with prefix and
	// says how many; an empty prefix is an error.
	DeleteThrottles(ctx context.Context, prefix string) (int, error)
	// DeleteExpiredThrottles forgets counters whose ExpiresDateTime is before `before`.
	DeleteExpiredThrottles(ctx context.Context, before time.Time) (int, error)

	// Authorization requests of the OpenID Connect code flow.
	CreateAuthRequest(ctx context.Context, r domain.AuthRequest) error
	GetAuthRequest(ctx context.Context, id string) (domain.AuthRequest, error)
	// GetAuthRequestByCode finds the request whose code hashes to codeHash.
	GetAuthRequestByCode(ctx context.Context, codeHash string) (domain.AuthRequest, error)
	// UpdateAuthRequest is a read-modify-write of one request; its id cannot change.
	// A code hash that another request holds returns ErrAlreadyExists.
	UpdateAuthRequest(ctx context.Context, id string, fn func(domain.AuthRequest) (domain.AuthRequest, error)) (domain.AuthRequest, error)
	// RedeemAuthCode marks the request's code used at `at` and records grantID, in
	// one conditional statement: of any number of concurrent calls, from any number
	// of processes, exactly one succeeds; the others, and every later call, get
	// ErrConflict. An unknown code is ErrNotFound. It returns the updated request.
	RedeemAuthCode(ctx context.Context, codeHash string, at time.Time, grantID string) (domain.AuthRequest, error)
	DeleteAuthRequest(ctx context.Context, id string) error
	// DeleteExpiredAuthRequests removes requests whose ExpiresDateTime is before `before`.
	DeleteExpiredAuthRequests(ctx context.Context, before time.Time) (int, error)

	// Grants: one sign-in's tokens for one application.
	CreateGrant(ctx context.Context, g domain.Grant) error
	GetGrant(ctx context.Context, id string) (domain.Grant, error)
	// ListUserGrants lists a user's grants, revoked and expired ones included,
	// the newest first.
	ListUserGrants(ctx context.Context, userID string) ([]domain.Grant, error)
	// RevokeGrants sets RevokedDateTime and RevokedReason on every matching grant
	// not yet revoked and returns how many changed. An empty filter is an error.
	RevokeGrants(ctx context.Context, f domain.GrantFilter, at time.Time, reason string) (int, error)
	// RevokeGrant revokes one grant; a grant already revoked keeps its first
	// reason and time (no error); ErrNotFound when there is none.
	RevokeGrant(ctx context.Context, id string, at time.Time, reason string) error
	// DeleteExpiredGrants removes grants (and their refresh tokens) that ended before `before`.
	DeleteExpiredGrants(ctx context.Context, before time.Time) (int, error)

	// CreateRefreshToken stores a refresh token of an existing grant (ErrNotFound otherwise).
	CreateRefreshToken(ctx context.Context, t domain.RefreshToken) error
	GetRefreshToken(ctx context.Context, hash string) (domain.RefreshToken, error)
	// UseRefreshToken marks a refresh token used at `at` in one conditional
	// statement: of concurrent calls exactly one succeeds; the others, and every
	// later call, get ErrConflict (a reuse). Unknown hashes are ErrNotFound.
	UseRefreshToken(ctx context.Context, hash string, at time.Time) (domain.RefreshToken, error)

	// CreateDeviceAuthorization stores a device request; a user code that a stored
	// request already has returns ErrAlreadyExists.
	CreateDeviceAuthorization(ctx context.Context, d domain.DeviceAuthorization) error
	GetDeviceAuthorization(ctx context.Context, deviceCodeHash string) (domain.DeviceAuthorization, error)
	GetDeviceAuthorizationByUserCode(ctx context.Context, userCode string) (domain.DeviceAuthorization, error)
	// UpdateDeviceAuthorization is a read-modify-write of one request (row locked);
	// its device code hash and user code cannot change.
	UpdateDeviceAuthorization(ctx context.Context, deviceCodeHash string, fn func(domain.DeviceAuthorization) (domain.DeviceAuthorization, error)) (domain.DeviceAuthorization, error)
	DeleteExpiredDeviceAuthorizations(ctx context.Context, before time.Time) (int, error)

	// Deliveries: the durable outbox of passes delivered instead of shown and of
	// notices to users. CreateDelivery on a missing user is ErrNotFound; a user's
	// deliveries go with them.
	CreateDelivery(ctx context.Context, d domain.Delivery) error
	GetDelivery(ctx context.Context, id string) (domain.Delivery, error)
	// ListUserDeliveries lists a user's deliveries, newest first.
	ListUserDeliveries(ctx context.Context, userID string) ([]domain.Delivery, error)
	// ClaimDeliveries leases to owner, until now+lease, up to limit pending
	// deliveries due at now whose lease has run out, and returns them. Of any
	// number of concurrent claims, from any number of processes, exactly one gets
	// each delivery.
	ClaimDeliveries(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]domain.Delivery, error)
	// UpdateDelivery is a read-modify-write of one delivery (row locked); its id,
	// kind, user and subject cannot change.
	UpdateDelivery(ctx context.Context, id string, fn func(domain.Delivery) (domain.Delivery, error)) (domain.Delivery, error)
	// DeleteEndedDeliveries forgets deliveries that ended (delivered, failed,
	// cancelled) before `before`; pending ones stay whatever their age.
	DeleteEndedDeliveries(ctx context.Context, before time.Time) (int, error)
	// CountPendingDeliveries is how many deliveries wait in the outbox (due or
	// not, leased or not): the queue depth the metrics report.
	CountPendingDeliveries(ctx context.Context) (int, error)

	CreateSigningKey(ctx context.Context, k domain.SigningKey) error
	ListSigningKeys(ctx context.Context) ([]domain.SigningKey, error)
	DeleteSigningKey(ctx context.Context, id string) error

	// GetSetting and PutSetting hold small directory-wide values (for example the
	// master-key check and the initialisation marker). GetSetting returns ErrNotFound
	// for a key never put. PutSetting with ifAbsent set returns ErrAlreadyExists
	// instead of overwriting, so that two processes racing to initialise agree.
	GetSetting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string, ifAbsent bool) error

	// CacheVersion is a counter that moves, in the same transaction, with every
	// change to the TAP and passkey policies, to any application or signing
	// key, and with the deletion of any group: a process may keep those in memory while the
	// counter stays where it was when it read them, and every process sees a
	// change made through any other at once.
	CacheVersion(ctx context.Context) (int64, error)
}

// PasskeySignIn is what finishing a passkey sign-in reads (GetPasskeySignIn).
type PasskeySignIn struct {
	Passkey      domain.Passkey
	Owner        domain.User
	CacheVersion int64
}
