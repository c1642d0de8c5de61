package domain

import "testing"

func TestFido2PolicyRules(t *testing.T) {
	p := DefaultFido2Policy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	yubi := "cb69481e-8ff7-4039-93ec-0a2729a154a8"
	if !p.AllowsAAGUID(yubi) {
		t.Fatal("unenforced restrictions must allow everything")
	}
	p.KeyRestrictions = KeyRestrictions{IsEnforced: true, EnforcementType: "allow", AAGUIDs: []string{yubi}}
	if !p.AllowsAAGUID("CB69481E-8FF7-4039-93EC-0A2729A154A8") || p.AllowsAAGUID("00000000-0000-0000-0000-000000000000") {
		t.Fatal("allow list wrong")
	}
	p.KeyRestrictions.EnforcementType = "block"
	if p.AllowsAAGUID(yubi) || !p.AllowsAAGUID("00000000-0000-0000-0000-000000000000") {
		t.Fatal("block list wrong")
	}
	p.KeyRestrictions.AAGUIDs = []string{"not-a-uuid"}
	if err := p.Validate(); err == nil {
		t.Fatal("bad AAGUID accepted")
	}
	p = DefaultFido2Policy()
	p.KeyRestrictions = KeyRestrictions{IsEnforced: true, EnforcementType: "allow"}
	if err := p.Validate(); err == nil {
		t.Fatal("empty enforced allow list accepted")
	}
	if _, err := ValidatePasskeyName("  "); err == nil {
		t.Fatal("blank name accepted")
	}
	if n, err := ValidatePasskeyName(" Work laptop "); err != nil || n != "Work laptop" {
		t.Fatalf("name %q %v", n, err)
	}
}
