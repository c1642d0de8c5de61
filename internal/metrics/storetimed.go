package metrics

// The timed pass-through of every store method that only needs timing; the
// methods whose effects are counted are in store.go. A method added to
// store.Store later passes through the embedded interface untimed until it is
// added here.

import (
	"context"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func (s *Store) CreateUser(ctx context.Context, u domain.User) error {
	defer s.time("CreateUser")()
	return s.Store.CreateUser(ctx, u)
}

func (s *Store) GetUser(ctx context.Context, id string) (domain.User, error) {
	defer s.time("GetUser")()
	return s.Store.GetUser(ctx, id)
}

func (s *Store) GetUserByUPN(ctx context.Context, upn string) (domain.User, error) {
	defer s.time("GetUserByUPN")()
	return s.Store.GetUserByUPN(ctx, upn)
}

func (s *Store) ListUsers(ctx context.Context, opts store.ListOptions) ([]domain.User, int, error) {
	defer s.time("ListUsers")()
	return s.Store.ListUsers(ctx, opts)
}

func (s *Store) UpdateUser(ctx context.Context, id string, fn func(domain.User) (domain.User, error)) (domain.User, error) {
	defer s.time("UpdateUser")()
	return s.Store.UpdateUser(ctx, id, fn)
}

func (s *Store) DeleteUser(ctx context.Context, id string) error {
	defer s.time("DeleteUser")()
	return s.Store.DeleteUser(ctx, id)
}

func (s *Store) AssignRole(ctx context.Context, a domain.RoleAssignment) error {
	defer s.time("AssignRole")()
	return s.Store.AssignRole(ctx, a)
}

func (s *Store) RemoveRole(ctx context.Context, a domain.RoleAssignment) error {
	defer s.time("RemoveRole")()
	return s.Store.RemoveRole(ctx, a)
}

func (s *Store) ListUserRoles(ctx context.Context, userID string) ([]domain.Role, error) {
	defer s.time("ListUserRoles")()
	return s.Store.ListUserRoles(ctx, userID)
}

func (s *Store) ListRoleAssignments(ctx context.Context) ([]domain.RoleAssignment, error) {
	defer s.time("ListRoleAssignments")()
	return s.Store.ListRoleAssignments(ctx)
}

func (s *Store) CreateGroup(ctx context.Context, g domain.Group) error {
	defer s.time("CreateGroup")()
	return s.Store.CreateGroup(ctx, g)
}

func (s *Store) GetGroup(ctx context.Context, id string) (domain.Group, error) {
	defer s.time("GetGroup")()
	return s.Store.GetGroup(ctx, id)
}

func (s *Store) ListGroups(ctx context.Context, opts store.ListOptions) ([]domain.Group, int, error) {
	defer s.time("ListGroups")()
	return s.Store.ListGroups(ctx, opts)
}

func (s *Store) UpdateGroup(ctx context.Context, id string, fn func(domain.Group) (domain.Group, error)) (domain.Group, error) {
	defer s.time("UpdateGroup")()
	return s.Store.UpdateGroup(ctx, id, fn)
}

func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	defer s.time("DeleteGroup")()
	return s.Store.DeleteGroup(ctx, id)
}

func (s *Store) AddGroupMember(ctx context.Context, groupID string, userID string) error {
	defer s.time("AddGroupMember")()
	return s.Store.AddGroupMember(ctx, groupID, userID)
}

func (s *Store) RemoveGroupMember(ctx context.Context, groupID string, userID string) error {
	defer s.time("RemoveGroupMember")()
	return s.Store.RemoveGroupMember(ctx, groupID, userID)
}

func (s *Store) ListGroupMembers(ctx context.Context, groupID string, opts store.ListOptions) ([]domain.User, int, error) {
	defer s.time("ListGroupMembers")()
	return s.Store.ListGroupMembers(ctx, groupID, opts)
}

func (s *Store) ListUserGroupIDs(ctx context.Context, userID string) ([]string, error) {
	defer s.time("ListUserGroupIDs")()
	return s.Store.ListUserGroupIDs(ctx, userID)
}

func (s *Store) CreateApplication(ctx context.Context, a domain.Application) error {
	defer s.time("CreateApplication")()
	return s.Store.CreateApplication(ctx, a)
}

func (s *Store) GetApplication(ctx context.Context, id string) (domain.Application, error) {
	defer s.time("GetApplication")()
	return s.Store.GetApplication(ctx, id)
}

func (s *Store) GetApplicationByClientID(ctx context.Context, clientID string) (domain.Application, error) {
	defer s.time("GetApplicationByClientID")()
	return s.Store.GetApplicationByClientID(ctx, clientID)
}

func (s *Store) GetApplicationByProvisioningToken(ctx context.Context, hash string) (domain.Application, error) {
	defer s.time("GetApplicationByProvisioningToken")()
	return s.Store.GetApplicationByProvisioningToken(ctx, hash)
}

func (s *Store) ListApplications(ctx context.Context, opts store.ListOptions) ([]domain.Application, int, error) {
	defer s.time("ListApplications")()
	return s.Store.ListApplications(ctx, opts)
}

func (s *Store) UpdateApplication(ctx context.Context, id string, fn func(domain.Application) (domain.Application, error)) (domain.Application, error) {
	defer s.time("UpdateApplication")()
	return s.Store.UpdateApplication(ctx, id, fn)
}

func (s *Store) DeleteApplication(ctx context.Context, id string) error {
	defer s.time("DeleteApplication")()
	return s.Store.DeleteApplication(ctx, id)
}

func (s *Store) SPAOriginRegistered(ctx context.Context, origin string) (bool, error) {
	defer s.time("SPAOriginRegistered")()
	return s.Store.SPAOriginRegistered(ctx, origin)
}

func (s *Store) GetPass(ctx context.Context, id string) (domain.TemporaryAccessPass, error) {
	defer s.time("GetPass")()
	return s.Store.GetPass(ctx, id)
}

func (s *Store) ListUserPasses(ctx context.Context, userID string) ([]domain.TemporaryAccessPass, error) {
	defer s.time("ListUserPasses")()
	return s.Store.ListUserPasses(ctx, userID)
}

func (s *Store) RecordPassFailure(ctx context.Context, id string) (int, error) {
	defer s.time("RecordPassFailure")()
	return s.Store.RecordPassFailure(ctx, id)
}

func (s *Store) ListExpiredPasses(ctx context.Context, before time.Time, afterID string, limit int) ([]domain.TemporaryAccessPass, error) {
	defer s.time("ListExpiredPasses")()
	return s.Store.ListExpiredPasses(ctx, before, afterID, limit)
}

func (s *Store) GetTAPPolicy(ctx context.Context) (domain.TAPPolicy, error) {
	defer s.time("GetTAPPolicy")()
	return s.Store.GetTAPPolicy(ctx)
}

func (s *Store) UpdateTAPPolicy(ctx context.Context, fn func(domain.TAPPolicy) (domain.TAPPolicy, error)) (domain.TAPPolicy, error) {
	defer s.time("UpdateTAPPolicy")()
	return s.Store.UpdateTAPPolicy(ctx, fn)
}

func (s *Store) CreateAudit(ctx context.Context, r domain.AuditRecord) error {
	defer s.time("CreateAudit")()
	return s.Store.CreateAudit(ctx, r)
}

func (s *Store) GetAudit(ctx context.Context, id string) (domain.AuditRecord, error) {
	defer s.time("GetAudit")()
	return s.Store.GetAudit(ctx, id)
}

func (s *Store) ListAudits(ctx context.Context, opts store.ListOptions) ([]domain.AuditRecord, int, error) {
	defer s.time("ListAudits")()
	return s.Store.ListAudits(ctx, opts)
}

func (s *Store) GetSignIn(ctx context.Context, id string) (domain.SignIn, error) {
	defer s.time("GetSignIn")()
	return s.Store.GetSignIn(ctx, id)
}

func (s *Store) ListSignIns(ctx context.Context, opts store.ListOptions) ([]domain.SignIn, int, error) {
	defer s.time("ListSignIns")()
	return s.Store.ListSignIns(ctx, opts)
}

func (s *Store) CreateSession(ctx context.Context, sess domain.Session) error {
	defer s.time("CreateSession")()
	return s.Store.CreateSession(ctx, sess)
}

func (s *Store) GetSession(ctx context.Context, idHash string) (domain.Session, error) {
	defer s.time("GetSession")()
	return s.Store.GetSession(ctx, idHash)
}

func (s *Store) UpdateSession(ctx context.Context, idHash string, fn func(domain.Session) (domain.Session, error)) (domain.Session, error) {
	defer s.time("UpdateSession")()
	return s.Store.UpdateSession(ctx, idHash, fn)
}

func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	defer s.time("DeleteSession")()
	return s.Store.DeleteSession(ctx, idHash)
}

func (s *Store) DeleteSessionsByPass(ctx context.Context, passID string) (int, error) {
	defer s.time("DeleteSessionsByPass")()
	return s.Store.DeleteSessionsByPass(ctx, passID)
}

func (s *Store) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	defer s.time("DeleteUserSessions")()
	return s.Store.DeleteUserSessions(ctx, userID)
}

func (s *Store) CreatePasskey(ctx context.Context, p domain.Passkey) error {
	defer s.time("CreatePasskey")()
	return s.Store.CreatePasskey(ctx, p)
}

func (s *Store) GetPasskey(ctx context.Context, id string) (domain.Passkey, error) {
	defer s.time("GetPasskey")()
	return s.Store.GetPasskey(ctx, id)
}

func (s *Store) GetPasskeyByCredentialID(ctx context.Context, credentialID []byte) (domain.Passkey, error) {
	defer s.time("GetPasskeyByCredentialID")()
	return s.Store.GetPasskeyByCredentialID(ctx, credentialID)
}

func (s *Store) GetPasskeySignIn(ctx context.Context, credentialID []byte) (store.PasskeySignIn, error) {
	defer s.time("GetPasskeySignIn")()
	return s.Store.GetPasskeySignIn(ctx, credentialID)
}

func (s *Store) ListUserPasskeys(ctx context.Context, userID string) ([]domain.Passkey, error) {
	defer s.time("ListUserPasskeys")()
	return s.Store.ListUserPasskeys(ctx, userID)
}

func (s *Store) UpdatePasskey(ctx context.Context, id string, fn func(domain.Passkey) (domain.Passkey, error)) (domain.Passkey, error) {
	defer s.time("UpdatePasskey")()
	return s.Store.UpdatePasskey(ctx, id, fn)
}

func (s *Store) DeletePasskey(ctx context.Context, id string) error {
	defer s.time("DeletePasskey")()
	return s.Store.DeletePasskey(ctx, id)
}

func (s *Store) CreateCeremony(ctx context.Context, c domain.Ceremony) error {
	defer s.time("CreateCeremony")()
	return s.Store.CreateCeremony(ctx, c)
}

func (s *Store) TakeCeremony(ctx context.Context, id string) (domain.Ceremony, error) {
	defer s.time("TakeCeremony")()
	return s.Store.TakeCeremony(ctx, id)
}

func (s *Store) DeleteExpiredCeremonies(ctx context.Context, before time.Time) (int, error) {
	defer s.time("DeleteExpiredCeremonies")()
	return s.Store.DeleteExpiredCeremonies(ctx, before)
}

func (s *Store) GetFido2Policy(ctx context.Context) (domain.Fido2Policy, error) {
	defer s.time("GetFido2Policy")()
	return s.Store.GetFido2Policy(ctx)
}

func (s *Store) UpdateFido2Policy(ctx context.Context, fn func(domain.Fido2Policy) (domain.Fido2Policy, error)) (domain.Fido2Policy, error) {
	defer s.time("UpdateFido2Policy")()
	return s.Store.UpdateFido2Policy(ctx, fn)
}

func (s *Store) GetThrottle(ctx context.Context, key string) (domain.Throttle, error) {
	defer s.time("GetThrottle")()
	return s.Store.GetThrottle(ctx, key)
}

func (s *Store) DeleteThrottle(ctx context.Context, key string) error {
	defer s.time("DeleteThrottle")()
	return s.Store.DeleteThrottle(ctx, key)
}

func (s *Store) DeleteExpiredThrottles(ctx context.Context, before time.Time) (int, error) {
	defer s.time("DeleteExpiredThrottles")()
	return s.Store.DeleteExpiredThrottles(ctx, before)
}

func (s *Store) CreateAuthRequest(ctx context.Context, r domain.AuthRequest) error {
	defer s.time("CreateAuthRequest")()
	return s.Store.CreateAuthRequest(ctx, r)
}

func (s *Store) GetAuthRequest(ctx context.Context, id string) (domain.AuthRequest, error) {
	defer s.time("GetAuthRequest")()
	return s.Store.GetAuthRequest(ctx, id)
}

func (s *Store) GetAuthRequestByCode(ctx context.Context, codeHash string) (domain.AuthRequest, error) {
	defer s.time("GetAuthRequestByCode")()
	return s.Store.GetAuthRequestByCode(ctx, codeHash)
}

func (s *Store) UpdateAuthRequest(ctx context.Context, id string, fn func(domain.AuthRequest) (domain.AuthRequest, error)) (domain.AuthRequest, error) {
	defer s.time("UpdateAuthRequest")()
	return s.Store.UpdateAuthRequest(ctx, id, fn)
}

func (s *Store) RedeemAuthCode(ctx context.Context, codeHash string, at time.Time, grantID string) (domain.AuthRequest, error) {
	defer s.time("RedeemAuthCode")()
	return s.Store.RedeemAuthCode(ctx, codeHash, at, grantID)
}

func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	defer s.time("DeleteAuthRequest")()
	return s.Store.DeleteAuthRequest(ctx, id)
}

func (s *Store) DeleteExpiredAuthRequests(ctx context.Context, before time.Time) (int, error) {
	defer s.time("DeleteExpiredAuthRequests")()
	return s.Store.DeleteExpiredAuthRequests(ctx, before)
}

func (s *Store) CreateGrant(ctx context.Context, g domain.Grant) error {
	defer s.time("CreateGrant")()
	return s.Store.CreateGrant(ctx, g)
}

func (s *Store) GetGrant(ctx context.Context, id string) (domain.Grant, error) {
	defer s.time("GetGrant")()
	return s.Store.GetGrant(ctx, id)
}

func (s *Store) RevokeGrants(ctx context.Context, f domain.GrantFilter, at time.Time, reason string) (int, error) {
	defer s.time("RevokeGrants")()
	return s.Store.RevokeGrants(ctx, f, at, reason)
}

func (s *Store) RevokeGrant(ctx context.Context, id string, at time.Time, reason string) error {
	defer s.time("RevokeGrant")()
	return s.Store.RevokeGrant(ctx, id, at, reason)
}

func (s *Store) DeleteExpiredGrants(ctx context.Context, before time.Time) (int, error) {
	defer s.time("DeleteExpiredGrants")()
	return s.Store.DeleteExpiredGrants(ctx, before)
}

func (s *Store) CreateRefreshToken(ctx context.Context, t domain.RefreshToken) error {
	defer s.time("CreateRefreshToken")()
	return s.Store.CreateRefreshToken(ctx, t)
}

func (s *Store) GetRefreshToken(ctx context.Context, hash string) (domain.RefreshToken, error) {
	defer s.time("GetRefreshToken")()
	return s.Store.GetRefreshToken(ctx, hash)
}

func (s *Store) UseRefreshToken(ctx context.Context, hash string, at time.Time) (domain.RefreshToken, error) {
	defer s.time("UseRefreshToken")()
	return s.Store.UseRefreshToken(ctx, hash, at)
}

func (s *Store) CreateDeviceAuthorization(ctx context.Context, d domain.DeviceAuthorization) error {
	defer s.time("CreateDeviceAuthorization")()
	return s.Store.CreateDeviceAuthorization(ctx, d)
}

func (s *Store) GetDeviceAuthorization(ctx context.Context, deviceCodeHash string) (domain.DeviceAuthorization, error) {
	defer s.time("GetDeviceAuthorization")()
	return s.Store.GetDeviceAuthorization(ctx, deviceCodeHash)
}

func (s *Store) GetDeviceAuthorizationByUserCode(ctx context.Context, userCode string) (domain.DeviceAuthorization, error) {
	defer s.time("GetDeviceAuthorizationByUserCode")()
	return s.Store.GetDeviceAuthorizationByUserCode(ctx, userCode)
}

func (s *Store) UpdateDeviceAuthorization(ctx context.Context, deviceCodeHash string, fn func(domain.DeviceAuthorization) (domain.DeviceAuthorization, error)) (domain.DeviceAuthorization, error) {
	defer s.time("UpdateDeviceAuthorization")()
	return s.Store.UpdateDeviceAuthorization(ctx, deviceCodeHash, fn)
}

func (s *Store) DeleteExpiredDeviceAuthorizations(ctx context.Context, before time.Time) (int, error) {
	defer s.time("DeleteExpiredDeviceAuthorizations")()
	return s.Store.DeleteExpiredDeviceAuthorizations(ctx, before)
}

func (s *Store) GetDelivery(ctx context.Context, id string) (domain.Delivery, error) {
	defer s.time("GetDelivery")()
	return s.Store.GetDelivery(ctx, id)
}

func (s *Store) ListUserDeliveries(ctx context.Context, userID string) ([]domain.Delivery, error) {
	defer s.time("ListUserDeliveries")()
	return s.Store.ListUserDeliveries(ctx, userID)
}

func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]domain.Delivery, error) {
	defer s.time("ClaimDeliveries")()
	return s.Store.ClaimDeliveries(ctx, now, owner, lease, limit)
}

func (s *Store) DeleteEndedDeliveries(ctx context.Context, before time.Time) (int, error) {
	defer s.time("DeleteEndedDeliveries")()
	return s.Store.DeleteEndedDeliveries(ctx, before)
}

func (s *Store) CreateSigningKey(ctx context.Context, k domain.SigningKey) error {
	defer s.time("CreateSigningKey")()
	return s.Store.CreateSigningKey(ctx, k)
}

func (s *Store) ListSigningKeys(ctx context.Context) ([]domain.SigningKey, error) {
	defer s.time("ListSigningKeys")()
	return s.Store.ListSigningKeys(ctx)
}

func (s *Store) DeleteSigningKey(ctx context.Context, id string) error {
	defer s.time("DeleteSigningKey")()
	return s.Store.DeleteSigningKey(ctx, id)
}

func (s *Store) GetSetting(ctx context.Context, key string) (string, error) {
	defer s.time("GetSetting")()
	return s.Store.GetSetting(ctx, key)
}

func (s *Store) PutSetting(ctx context.Context, key string, value string, ifAbsent bool) error {
	defer s.time("PutSetting")()
	return s.Store.PutSetting(ctx, key, value, ifAbsent)
}

func (s *Store) CountPendingDeliveries(ctx context.Context) (int, error) {
	defer s.time("CountPendingDeliveries")()
	return s.Store.CountPendingDeliveries(ctx)
}

func (s *Store) CacheVersion(ctx context.Context) (int64, error) {
	defer s.time("CacheVersion")()
	return s.Store.CacheVersion(ctx)
}
