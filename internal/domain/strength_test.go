package domain

import "testing"

func TestStrengthOfACRValues(t *testing.T) {
	for _, c := range []struct {
		values []string
		want   Strength
	}{
		{nil, StrengthNone},
		{[]string{"urn:mace:incommon:iap:silver", "0"}, StrengthNone},
		{[]string{"mfa"}, StrengthMFA},
		{[]string{"phishing_resistant"}, StrengthPhishingResistant},
		{[]string{"phishing_resistant", "mfa"}, StrengthMFA}, // either is acceptable to the application
		{[]string{"unknown", "phishing_resistant"}, StrengthPhishingResistant},
	} {
		if got := StrengthOfACRValues(c.values); got != c.want {
			t.Errorf("StrengthOfACRValues(%q) = %q, want %q", c.values, got, c.want)
		}
	}
	for _, c := range []struct{ a, b, want Strength }{
		{StrengthNone, StrengthNone, StrengthNone},
		{StrengthNone, StrengthMFA, StrengthMFA},
		{StrengthPhishingResistant, StrengthMFA, StrengthPhishingResistant},
		{StrengthMFA, StrengthPhishingResistant, StrengthPhishingResistant},
	} {
		if got := Stronger(c.a, c.b); got != c.want {
			t.Errorf("Stronger(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}
