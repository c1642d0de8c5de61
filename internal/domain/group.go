package domain

import (
	"strings"
	"time"
)

// Group is a set of users; policies target groups.
type Group struct {
	ID              string
	DisplayName     string
	Description     string
	MailNickname    string
	CreatedDateTime time.Time
	// ExternalID is the provisioning client's own id for the group (SCIM externalId).
	ExternalID string
	// Version counts the changes to the group, its members included: 1 when
	// created, one more for each change. SCIM's ETags are made of it.
	Version              int
	LastModifiedDateTime time.Time
}

// Validate checks the fields a group must have before it is stored.
func (g Group) Validate() error {
	if err := checkLines("displayName", g.DisplayName, "mailNickname", g.MailNickname); err != nil {
		return err
	}
	if err := checkText("description", g.Description, true); err != nil {
		return err
	}
	if strings.TrimSpace(g.DisplayName) == "" {
		return Invalid("displayName is required.")
	}
	if len(g.DisplayName) > 256 {
		return Invalid("displayName must be at most 256 characters.")
	}
	if len(g.ExternalID) > 256 {
		return Invalid("externalId must be at most 256 characters.")
	}
	if len(g.Description) > 1024 {
		return Invalid("description must be at most 1024 characters.")
	}
	return nil
}
