package directory

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// ReportLinkLifetime is how long the link in a notice works.
const ReportLinkLifetime = 7 * 24 * time.Hour

// reportLink is the signed link in a notice: it names the user and the pass
// (or passkey), and expires. It is single-use because using it removes what it
// names. Its key is derived from the master key, so every replica accepts it.
func (s *Service) reportLink(kind, userID, subjectID string) (string, error) {
	if s.reportKey == nil {
		return "", errors.New("report links need the master key")
	}
	k := "p"
	if kind == domain.DeliveryPasskeyNotice {
		k = "k"
	}
	payload := strings.Join([]string{k, userID, subjectID, strconv.FormatInt(s.now().Add(ReportLinkLifetime).Unix(), 10)}, "|")
	return s.baseURL + "/report/" + s.signReport(payload), nil
}

func (s *Service) signReport(payload string) string {
	m := hmac.New(sha256.New, s.reportKey)
	m.Write([]byte(payload))
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(m.Sum(nil))
}

// Report is what a report link names, for its confirmation page.
type Report struct {
	User      domain.User
	IsPasskey bool
	SubjectID string
	// Gone: the pass or passkey no longer exists (used, deleted, or reported);
	// its issuance can still be reported, once.
	Gone bool
	// Reported: the link was used already.
	Reported bool
	// Issued and IssuedBy describe the pass or passkey when it still exists.
	Issued   time.Time
	IssuedBy string
}

var errBadLink = &domain.Error{Kind: domain.KindInvalid, Code: "invalidLink",
	Message: "This link is not valid or has expired. If you think someone obtained access to your account, tell your help desk."}

// OpenReport checks a report link's token and says what it names.
func (s *Service) OpenReport(ctx context.Context, token string) (Report, error) {
	if s.reportKey == nil {
		return Report{}, errBadLink
	}
	payloadB64, _, ok := strings.Cut(token, ".")
	if !ok {
		return Report{}, errBadLink
	}
	raw, err := base64.RawURLEncoding.DecodeString(payloadB64)
	if err != nil || !hmac.Equal([]byte(s.signReport(string(raw))), []byte(token)) {
		return Report{}, errBadLink
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 4 {
		return Report{}, errBadLink
	}
	exp, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil || s.now().Unix() > exp {
		return Report{}, errBadLink
	}
	r := Report{IsPasskey: parts[0] == "k", SubjectID: parts[2]}
	if _, err := s.store.GetSetting(ctx, reportedKey(r.SubjectID)); err == nil {
		r.Reported = true
	} else if !errors.Is(err, store.ErrNotFound) {
		return Report{}, fmt.Errorf("read report marker: %w", err)
	}
	if r.User, err = s.store.GetUser(ctx, parts[1]); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Report{}, errBadLink
		}
		return Report{}, fmt.Errorf("read user of report: %w", err)
	}
	if r.IsPasskey {
		k, err := s.store.GetPasskey(ctx, r.SubjectID)
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && k.UserID != r.User.ID):
			r.Gone = true
		case err != nil:
			return Report{}, fmt.Errorf("read passkey of report: %w", err)
		default:
			r.Issued, r.IssuedBy = k.CreatedDateTime, r.User.UserPrincipalName
		}
		return r, nil
	}
	p, err := s.store.GetPass(ctx, r.SubjectID)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && p.UserID != r.User.ID):
		r.Gone = true
	case err != nil:
		return Report{}, fmt.Errorf("read pass of report: %w", err)
	default:
		r.Issued, r.IssuedBy = p.CreatedDateTime, p.CreatedBy
	}
	return r, nil
}

// ConfirmReport revokes what a report link names and flags it in the audit
// log, in one transaction. A second use finds it gone and changes nothing.
func (s *Service) ConfirmReport(ctx context.Context, token, ip string) (Report, error) {
	r, err := s.OpenReport(ctx, token)
	if err != nil || r.Reported {
		return r, err
	}
	u := r.User
	// The person following the link is taken to be the account's holder: the
	// link went to their mailbox. They act on their own account only.
	actor := domain.Actor{Type: domain.ActorUser, UserID: u.ID, UPN: u.UserPrincipalName, IPAddress: ip}
	err = s.store.InTx(ctx, func(tx store.Store) error {
		// One report per pass or passkey: of two uses of the link (or of two
		// racing ones), the second finds the marker and changes nothing.
		if err := tx.PutSetting(ctx, reportedKey(r.SubjectID), stamp(s.now()), true); errors.Is(err, store.ErrAlreadyExists) {
			r.Reported = true
			return nil
		} else if err != nil {
			return fmt.Errorf("mark report: %w", err)
		}
		activity := ActivityReportedSuspicious
		details := []domain.KeyValue{{Key: "IssuedBy", Value: r.IssuedBy}, {Key: "IssuedDateTime", Value: stamp(r.Issued)}}
		var gone bool
		var err error
		if r.IsPasskey {
			activity = ActivityReportedSuspiciousK
			details = append(details, domain.KeyValue{Key: "PasskeyId", Value: r.SubjectID})
			gone, err = s.removeReportedPasskey(ctx, tx, actor, u, r.SubjectID)
		} else {
			details = append(details, domain.KeyValue{Key: "PassId", Value: r.SubjectID})
			gone, err = s.removeReportedPass(ctx, tx, actor, u, r.SubjectID)
		}
		if err != nil {
			return err
		}
		r.Gone = gone
		details = append(details, domain.KeyValue{Key: "StillExisted", Value: fmt.Sprint(!r.Gone)})
		return s.record(ctx, tx, actor, entry{activity: activity, category: domain.CategoryUserManagement,
			service: domain.ServiceAuthenticationMethods, op: "Update", targets: []domain.AuditTarget{userTarget(u)}, details: details})
	})
	if err != nil {
		return Report{}, err
	}
	s.log.WarnContext(ctx, "user reported suspicious security info", "user_id", u.ID, "subject_id", r.SubjectID, "passkey", r.IsPasskey)
	return r, nil
}

// reportedKey is the setting that marks a pass or passkey as reported.
func reportedKey(subjectID string) string { return "reported:" + subjectID }

// removeReportedPasskey deletes a reported passkey; it reports true when it
// was gone already.
func (s *Service) removeReportedPasskey(ctx context.Context, tx store.Store, actor domain.Actor, u domain.User, id string) (bool, error) {
	k, err := tx.GetPasskey(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && k.UserID != u.ID) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read passkey: %w", err)
	}
	if err := tx.DeletePasskey(ctx, k.ID); err != nil {
		return false, fmt.Errorf("delete reported passkey: %w", err)
	}
	// Whoever added it may be signed in with it: every session of the account
	// ends and its tokens are revoked; the user signs in again.
	if _, err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
		return false, fmt.Errorf("end sessions of reported passkey's user: %w", err)
	}
	if _, err := tx.RevokeGrants(ctx, domain.GrantFilter{UserID: u.ID}, s.now(), "passkey reported as suspicious"); err != nil {
		return false, fmt.Errorf("revoke tokens of reported passkey's user: %w", err)
	}
	return false, s.record(ctx, tx, actor, entry{activity: domain.ActivityUserDeletedSecurityInfo, category: domain.CategoryUserManagement,
		service: domain.ServiceAuthenticationMethods, op: "Delete", targets: []domain.AuditTarget{userTarget(u)},
		details: passkeyDetails(k, "Deleted: the user reported that they did not add it")})
}

// removeReportedPass revokes a reported pass; it reports true when it was gone already.
func (s *Service) removeReportedPass(ctx context.Context, tx store.Store, actor domain.Actor, u domain.User, id string) (bool, error) {
	p, err := tx.GetPass(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.UserID != u.ID) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read pass: %w", err)
	}
	return false, s.removePass(ctx, tx, actor, u, p, reasonReportedByUser)
}
