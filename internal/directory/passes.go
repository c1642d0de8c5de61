package directory

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store"
)

// PassView is a stored pass with its usability now. It never carries the code.
type PassView struct {
	domain.TemporaryAccessPass
	IsUsable bool
	Reason   domain.UsabilityReason
}

// IssuedPass is a freshly created pass: the only time its code exists outside the
// holder's hands.
type IssuedPass struct {
	PassView
	// Code is empty when the pass is delivered: then Delivery says to whom.
	Code      string
	SignInURL string
	Delivery  *domain.Delivery
}

// IssuePass creates a Temporary Access Pass for a user, replacing any pass they hold.
func (s *Service) IssuePass(ctx context.Context, actor domain.Actor, userRef string, req domain.PassRequest) (IssuedPass, error) {
	if err := actor.Require(domain.ActWriteMethods); err != nil {
		return IssuedPass{}, err
	}
	code, err := s.preparePass(ctx)
	if err != nil {
		return IssuedPass{}, err
	}
	var issued IssuedPass
	// Two issuances racing for one user both pass the "delete the old one" step; the
	// loser hits the one-pass-per-user index and simply tries again, replacing the winner.
	for attempt := 0; attempt < 3; attempt++ {
		err = s.store.InTx(ctx, func(tx store.Store) error {
			var err error
			issued, err = s.issuePass(ctx, tx, actor, userRef, req, code)
			return err
		})
		if !errors.Is(err, store.ErrAlreadyExists) {
			break
		}
	}
	if err != nil {
		return IssuedPass{}, err
	}
	s.log.InfoContext(ctx, "temporary access pass issued", "pass_id", issued.ID, "user_id", issued.UserID,
		"one_time", issued.IsUsableOnce, "start", issued.StartDateTime, "lifetime_minutes", issued.LifetimeInMinutes)
	return issued, nil
}

// newPass is a generated pass and its hash, made before the issuing transaction:
// argon2id takes tens of milliseconds, and holding a write transaction that long
// would stall every other writer (SQLite has one at a time).
type newPass struct {
	code, hash string
}

// preparePass generates and hashes a pass of the policy's current length.
func (s *Service) preparePass(ctx context.Context) (newPass, error) {
	c, err := s.cached(ctx)
	if err != nil {
		return newPass{}, err
	}
	policy, err := c.tapPolicy(ctx)
	if err != nil {
		return newPass{}, err
	}
	code, err := secret.GeneratePass(policy.DefaultLength)
	if err != nil {
		return newPass{}, fmt.Errorf("generate pass: %w", err)
	}
	release, err := s.hashes.acquire(ctx)
	if err != nil {
		return newPass{}, fmt.Errorf("wait to hash pass: %w", err)
	}
	defer release()
	hash, err := s.hasher.Hash(code, secret.EntropyBits(len(code), secret.PassAlphabet))
	if err != nil {
		return newPass{}, fmt.Errorf("hash pass: %w", err)
	}
	return newPass{code: code, hash: hash}, nil
}

func (s *Service) issuePass(ctx context.Context, tx store.Store, actor domain.Actor, userRef string, req domain.PassRequest, np newPass) (IssuedPass, error) {
	u, err := resolveUser(ctx, tx, userRef)
	if err != nil {
		return IssuedPass{}, err
	}
	// Lock the user's row (a no-op update) so that concurrent issuances for one user
	// queue up instead of racing between deleting the old pass and storing the new.
	if u, err = tx.UpdateUser(ctx, u.ID, func(old domain.User) (domain.User, error) { return old, nil }); err != nil {
		return IssuedPass{}, fmt.Errorf("lock user: %w", err)
	}
	roles, err := tx.ListUserRoles(ctx, u.ID)
	if err != nil {
		return IssuedPass{}, fmt.Errorf("list roles of target: %w", err)
	}
	if err := actor.CanManageMethodsOf(u, roles); err != nil {
		return IssuedPass{}, err
	}
	if !u.AccountEnabled {
		return IssuedPass{}, domain.Invalid("The user %s is disabled; enable the account before issuing a Temporary Access Pass.", u.UserPrincipalName)
	}
	policy, err := tx.GetTAPPolicy(ctx)
	if err != nil {
		return IssuedPass{}, fmt.Errorf("read pass policy: %w", err)
	}
	now := s.now()
	terms, err := req.Terms(now, policy)
	if err != nil {
		return IssuedPass{}, err
	}
	p := domain.TemporaryAccessPass{
		ID: newID(), UserID: u.ID, Hash: np.hash, CreatedDateTime: now,
		StartDateTime: terms.StartDateTime.Truncate(time.Microsecond), LifetimeInMinutes: terms.LifetimeInMinutes,
		IsUsableOnce: terms.IsUsableOnce, CreatedBy: actorName(actor), Recovery: req.Recovery,
	}
	old, err := tx.ListUserPasses(ctx, u.ID)
	if err != nil {
		return IssuedPass{}, fmt.Errorf("list existing passes: %w", err)
	}
	for _, o := range old {
		if err := s.removePass(ctx, tx, actor, u, o, "Replaced by a new Temporary Access Pass"); err != nil {
			return IssuedPass{}, err
		}
	}
	if err := tx.CreatePass(ctx, p); err != nil {
		return IssuedPass{}, fmt.Errorf("store pass: %w", err)
	}
	details := passDetails(p, "Admin registered temporary access pass method for user")
	var delivery *domain.Delivery
	if req.Deliver != nil {
		d, err := s.queuePassDelivery(ctx, tx, actor, u, p, np.code, *req.Deliver)
		if err != nil {
			return IssuedPass{}, err
		}
		d.Sealed = nil
		delivery = &d
		details = append(details, domain.KeyValue{Key: "DeliveryId", Value: d.ID}, domain.KeyValue{Key: "DeliveryMethod", Value: d.Method})
		if d.Method == domain.DeliverByEmail {
			details = append(details, domain.KeyValue{Key: "DeliveryRecipient", Value: d.Recipient})
		}
	}
	if err := s.record(ctx, tx, actor, entry{
		activity: domain.ActivityAdminRegisteredSecurityInfo, category: domain.CategoryUserManagement,
		service: domain.ServiceAuthenticationMethods, op: "Add",
		targets: []domain.AuditTarget{userTarget(u)},
		details: details,
	}); err != nil {
		return IssuedPass{}, err
	}
	if err := s.queueNotice(ctx, tx, domain.DeliveryPassNotice, u, p.ID, p.CreatedBy, now); err != nil {
		return IssuedPass{}, err
	}
	groups, err := tx.ListUserGroupIDs(ctx, u.ID)
	if err != nil {
		return IssuedPass{}, fmt.Errorf("list groups of target: %w", err)
	}
	usable, reason := p.Usability(now, policy, policy.Includes(groups))
	out := IssuedPass{PassView: PassView{TemporaryAccessPass: p, IsUsable: usable, Reason: reason}, Code: np.code, SignInURL: s.SignInURL(), Delivery: delivery}
	if delivery != nil {
		out.Code = "" // the issuer never sees a delivered pass
	}
	return out, nil
}

// passDetails describes a pass for the audit log: never the code or its hash.
func passDetails(p domain.TemporaryAccessPass, reason string) []domain.KeyValue {
	use := "Multiple use"
	if p.IsUsableOnce {
		use = "One-time use"
	}
	return []domain.KeyValue{
		{Key: "AuthenticationMethod", Value: "TemporaryAccessPass"},
		{Key: "PassId", Value: p.ID},
		{Key: "StartDateTime", Value: stamp(p.StartDateTime)},
		{Key: "EndDateTime", Value: stamp(p.End())},
		{Key: "LifetimeInMinutes", Value: strconv.Itoa(p.LifetimeInMinutes)},
		{Key: "Usage", Value: use},
		{Key: "Recovery", Value: strconv.FormatBool(p.Recovery)},
		{Key: "Reason", Value: reason},
	}
}

func actorName(a domain.Actor) string {
	switch a.Type {
	case domain.ActorUser:
		return a.UPN
	case domain.ActorApp:
		return "app:" + a.AppID
	}
	return "system"
}

// removePass deletes a pass, ends every session and revokes every grant obtained
// with it, and audits why.
func (s *Service) removePass(ctx context.Context, tx store.Store, actor domain.Actor, u domain.User, p domain.TemporaryAccessPass, reason string) error {
	if err := tx.DeletePass(ctx, p.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete pass: %w", err)
	}
	return s.passRemoved(ctx, tx, actor, u, p, reason)
}

// passRemoved finishes the removal of a deleted pass: it ends every session and
// revokes every grant obtained with it, and audits why.
func (s *Service) passRemoved(ctx context.Context, tx store.Store, actor domain.Actor, u domain.User, p domain.TemporaryAccessPass, reason string) error {
	if _, err := tx.DeleteSessionsByPass(ctx, p.ID); err != nil {
		return fmt.Errorf("end sessions of pass: %w", err)
	}
	// Tokens from a pass sign-in never outlive the pass, also when it is deleted early.
	if _, err := tx.RevokeGrants(ctx, domain.GrantFilter{PassID: p.ID}, s.now(), "pass deleted"); err != nil {
		return fmt.Errorf("revoke grants of pass: %w", err)
	}
	activity := domain.ActivityAdminDeletedSecurityInfo
	if actor.Type == domain.ActorUser && actor.UserID == u.ID {
		activity = domain.ActivityUserDeletedSecurityInfo
	}
	return s.record(ctx, tx, actor, entry{
		activity: activity, category: domain.CategoryUserManagement, service: domain.ServiceAuthenticationMethods,
		op: "Delete", targets: []domain.AuditTarget{userTarget(u)}, details: passDetails(p, reason),
	})
}

// ListPasses returns a user's passes (at most one) with their usability. People
// may list their own, without expired ones (SPEC §3: hidden from the user);
// administrators see expired passes until they are purged.
func (s *Service) ListPasses(ctx context.Context, actor domain.Actor, userRef string) ([]PassView, error) {
	u, err := s.ResolveUser(ctx, userRef)
	if err != nil {
		return nil, err
	}
	if actor.Type == domain.ActorUser && actor.UserID == u.ID && !actor.Can(domain.ActReadMethods) {
		return s.OwnPasses(ctx, u.ID)
	}
	if err := actor.Require(domain.ActReadMethods); err != nil {
		return nil, err
	}
	return s.passViews(ctx, u)
}

func (s *Service) passViews(ctx context.Context, u domain.User) ([]PassView, error) {
	passes, err := s.store.ListUserPasses(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list passes: %w", err)
	}
	if len(passes) == 0 {
		return []PassView{}, nil
	}
	policy, err := s.store.GetTAPPolicy(ctx)
	if err != nil {
		return nil, fmt.Errorf("read pass policy: %w", err)
	}
	groups, err := s.store.ListUserGroupIDs(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	now, inScope := s.now(), policy.Includes(groups)
	out := make([]PassView, len(passes))
	for i, p := range passes {
		usable, reason := p.Usability(now, policy, inScope)
		out[i] = PassView{TemporaryAccessPass: p, IsUsable: usable, Reason: reason}
	}
	return out, nil
}

// GetPass returns one pass of a user.
func (s *Service) GetPass(ctx context.Context, actor domain.Actor, userRef, passID string) (PassView, error) {
	views, err := s.ListPasses(ctx, actor, userRef)
	if err != nil {
		return PassView{}, err
	}
	for _, v := range views {
		if strings.EqualFold(v.ID, passID) {
			return v, nil
		}
	}
	return PassView{}, notFound(store.ErrNotFound, "pass", passID)
}

// DeletePass removes a user's pass and ends the sessions obtained with it.
func (s *Service) DeletePass(ctx context.Context, actor domain.Actor, userRef, passID string) error {
	return s.store.InTx(ctx, func(tx store.Store) error {
		u, err := resolveUser(ctx, tx, userRef)
		if err != nil {
			return err
		}
		self, err := mayChangeMethodsOf(ctx, tx, actor, u)
		if err != nil {
			return err
		}
		p, err := tx.GetPass(ctx, strings.ToLower(passID))
		if err != nil || p.UserID != u.ID {
			return notFound(store.ErrNotFound, "pass", passID)
		}
		reason := "Deleted by an administrator"
		if self {
			reason = "Deleted by the user"
		}
		return s.removePass(ctx, tx, actor, u, p, reason)
	})
}

// purgeBatch is how many expired passes one listing fetches while purging.
const purgeBatch = 100

// reasonExpiredPurged is the audit reason of a pass deleted because it expired.
const reasonExpiredPurged = "Purged: the pass had expired"

// PurgeExpiredPasses deletes passes that ended before now; administrators see
// expired passes until then, their holders never do. Each deletion is audited on
// its own ("Admin deleted security info", with the pass id and its holder) and
// names actor as its initiator: the operator or an administrator who asked, or
// domain.AutomaticActor when firstkey purges on its own. An administrator purges
// only the passes of people whose methods they may manage.
func (s *Service) PurgeExpiredPasses(ctx context.Context, actor domain.Actor) (int, error) {
	if err := actor.Require(domain.ActWriteMethods); err != nil {
		return 0, err
	}
	now := s.now()
	purged, after := 0, ""
	for {
		batch, err := s.store.ListExpiredPasses(ctx, now, after, purgeBatch)
		if err != nil {
			return purged, fmt.Errorf("list expired passes: %w", err)
		}
		for _, p := range batch {
			done, err := s.purgePass(ctx, actor, p.ID, now)
			if err != nil {
				return purged, err
			}
			if done {
				purged++
			}
		}
		if len(batch) < purgeBatch {
			return purged, nil
		}
		after = batch[len(batch)-1].ID
	}
}

// purgePass deletes one expired pass and audits it, in one transaction. It
// reports false when there was nothing for this actor to do: the pass went in
// the meantime (whoever removed it audited that), or belongs to someone whose
// methods the actor may not manage.
func (s *Service) purgePass(ctx context.Context, actor domain.Actor, id string, now time.Time) (bool, error) {
	done := false
	err := s.store.InTx(ctx, func(tx store.Store) error {
		p, err := tx.GetPass(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read expired pass: %w", err)
		}
		if !p.End().Before(now) {
			return nil
		}
		u, err := tx.GetUser(ctx, p.UserID)
		if err != nil {
			return fmt.Errorf("holder of pass %s: %w", p.ID, err)
		}
		if _, err := mayChangeMethodsOf(ctx, tx, actor, u); err != nil {
			if domain.KindOf(err) == domain.KindForbidden {
				return nil
			}
			return err
		}
		// Of two purges racing for one pass, one deletes it and audits; the other
		// finds it gone here and writes nothing.
		if err := tx.DeletePass(ctx, p.ID); errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return fmt.Errorf("delete expired pass: %w", err)
		}
		done = true
		return s.passRemoved(ctx, tx, actor, u, p, reasonExpiredPurged)
	})
	return done, err
}

// OwnPasses is what a signed-in person sees of their own passes: never the code,
// and expired passes are hidden (administrators still see them until purged).
func (s *Service) OwnPasses(ctx context.Context, userID string) ([]PassView, error) {
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return nil, notFound(err, "user", userID)
	}
	views, err := s.passViews(ctx, u)
	if err != nil {
		return nil, err
	}
	out := views[:0]
	for _, v := range views {
		if v.Reason != domain.Expired {
			out = append(out, v)
		}
	}
	return out, nil
}

// mayChangeMethodsOf decides whether actor may delete one of u's methods: people
// may always remove their own; anyone else is held to the role rules. It reports
// whether the actor is the user themself.
func mayChangeMethodsOf(ctx context.Context, tx store.Store, actor domain.Actor, u domain.User) (bool, error) {
	if actor.Type == domain.ActorUser && actor.UserID == u.ID {
		return true, nil
	}
	roles, err := tx.ListUserRoles(ctx, u.ID)
	if err != nil {
		return false, fmt.Errorf("list roles of target: %w", err)
	}
	return false, actor.CanManageMethodsOf(u, roles)
}
