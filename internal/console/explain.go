package console

import (
	"errors"
	"regexp"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
)

// The directory's refusals are written for API callers (they name Graph
// properties). explain says the same to a person at the service desk: what
// stopped it and who can help. It changes only the words, never the decision.

var (
	reLifetime = regexp.MustCompile(`valid range is between (\d+) and (\d+)`)
	reHolds    = regexp.MustCompile(`holds (.+?)\.$`)
	reAct      = regexp.MustCompile(`allows it to (.+?)\.$`)
)

func explain(err error) string {
	var de *domain.Error
	if !errors.As(err, &de) {
		return "That could not be done."
	}
	m := de.Message
	switch {
	case strings.Contains(m, "manage their own authentication methods"):
		return "You cannot create or remove sign-in methods for your own account. Ask another administrator: this way a single stolen administrator account can never let itself back in."
	case strings.Contains(m, "An Authentication Administrator can manage methods only of users who hold no directory role"):
		role := "an administrator role"
		if s := reHolds.FindStringSubmatch(m); s != nil {
			role = "the " + s[1] + " role"
		}
		return "Your role lets you help people who hold no administrator role. This person holds " + role +
			", so a Privileged Authentication Administrator or a Global Administrator has to do this."
	case strings.Contains(m, "is disabled; enable the account before issuing"):
		return "This account is disabled, so a pass would not let the person sign in. Enable the account first, then create the pass."
	case strings.Contains(m, "Temporary Access Pass policy is disabled"):
		return "Temporary Access Passes are turned off for the whole organisation (the pass policy is disabled). An Authentication Policy Administrator or Global Administrator can turn them on in the pass policy."
	case strings.HasPrefix(m, "Invalid lifetimeInMinutes"):
		if s := reLifetime.FindStringSubmatch(m); s != nil {
			return "The pass must last between " + s[1] + " and " + s[2] + " minutes: that is what your organisation's pass policy allows."
		}
	case strings.HasPrefix(m, "Invalid isUsableOnce"):
		return "Your organisation's pass policy allows only one-time passes. Choose \"One-time use\" and try again."
	case strings.Contains(m, "The start must not be in the past"):
		return "The start time is in the past. Choose \"Now\" or a later date and time."
	case strings.Contains(m, "within 365 days"):
		return "The start time is too far ahead: a pass must start within a year from now."
	case strings.Contains(m, "no directory role of the caller allows it to"):
		if s := reAct.FindStringSubmatch(m); s != nil {
			return "Your directory roles do not allow you to " + s[1] + ". Ask a Global Administrator if you need to."
		}
	case strings.Contains(m, "You cannot delete your own account"):
		return "You cannot delete your own account. Ask another administrator."
	}
	return m
}
