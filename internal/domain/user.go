package domain

import (
	"strings"
	"time"
	"unicode"
)

// User is a person in the directory. Field names follow Microsoft Graph's user resource.
type User struct {
	ID                string
	UserPrincipalName string // unique, compared case-insensitively
	DisplayName       string
	GivenName         string
	Surname           string
	Mail              string
	MailNickname      string
	JobTitle          string
	Department        string
	AccountEnabled    bool
	CreatedDateTime   time.Time
	ManagerID         string     // another user's ID, or empty
	EmployeeHireDate  *time.Time // a new joiner's first working day, if known
	// EmployeeLeaveDateTime is when a leaver leaves: firstkey then disables the
	// account, deletes their passes and ends their sessions.
	EmployeeLeaveDateTime *time.Time
	// EmployeeID is the HR system's number for the person (Graph employeeId,
	// SCIM's enterprise employeeNumber).
	EmployeeID string
	// ExternalID is the provisioning client's own id for the person (SCIM
	// externalId); firstkey keeps it so that the client can find its users again.
	ExternalID string
	// Version counts the changes to the user: 1 when created, one more for each
	// update that changes something. SCIM's ETags are made of it.
	Version              int
	LastModifiedDateTime time.Time
}

// NormalizeUPN is the form under which userPrincipalNames are compared and indexed.
func NormalizeUPN(upn string) string { return strings.ToLower(strings.TrimSpace(upn)) }

// ValidateUPN checks the name@domain shape Graph requires.
func ValidateUPN(upn string) error {
	if upn == "" {
		return Invalid("userPrincipalName is required.")
	}
	if err := checkText("userPrincipalName", upn, false); err != nil {
		return err
	}
	if len(upn) > 113 {
		return Invalid("userPrincipalName must be at most 113 characters.")
	}
	at := strings.LastIndexByte(upn, '@')
	if at <= 0 || at == len(upn)-1 || strings.Count(upn, "@") != 1 {
		return Invalid("userPrincipalName %q must have the form alias@domain.", upn)
	}
	local, domain := upn[:at], upn[at+1:]
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return Invalid("userPrincipalName %q has a misplaced period in its alias.", upn)
	}
	for _, r := range local {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`"\<>()[];:,`, r) {
			return Invalid("userPrincipalName %q contains a character that is not allowed.", upn)
		}
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return Invalid("userPrincipalName %q must name a domain such as example.com.", upn)
	}
	for _, r := range domain {
		if !(r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return Invalid("userPrincipalName %q has an invalid domain.", upn)
		}
	}
	return nil
}

// Validate checks the fields a user must have before it is stored.
func (u User) Validate() error {
	if err := ValidateUPN(u.UserPrincipalName); err != nil {
		return err
	}
	if err := checkLines("displayName", u.DisplayName, "givenName", u.GivenName, "surname", u.Surname,
		"mail", u.Mail, "mailNickname", u.MailNickname, "jobTitle", u.JobTitle, "department", u.Department); err != nil {
		return err
	}
	if strings.TrimSpace(u.DisplayName) == "" {
		return Invalid("displayName is required.")
	}
	if len(u.DisplayName) > 256 {
		return Invalid("displayName must be at most 256 characters.")
	}
	if u.Mail != "" && strings.Count(u.Mail, "@") != 1 {
		return Invalid("mail %q is not an e-mail address.", u.Mail)
	}
	if len(u.EmployeeID) > 64 {
		return Invalid("employeeId must be at most 64 characters.")
	}
	if len(u.ExternalID) > 256 {
		return Invalid("externalId must be at most 256 characters.")
	}
	if u.ManagerID != "" && u.ManagerID == u.ID {
		return Invalid("a user cannot be their own manager.")
	}
	return nil
}
