package directory_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/directory"
)

func TestReadBulkCSV(t *testing.T) {
	in := "\ufeffUserPrincipalName,DISPLAYNAME,employeeHireDate,lifetimeInMinutes,isUsableOnce,extra\n" +
		"ada@example.com,Ada,2026-09-01,120,true,x\n" +
		"bob@example.com,Bob,tomorrow,ten,maybe,\n" +
		"\"unterminated,Carol\n"
	rows, err := directory.ReadBulkCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("rows = %d, want 3: %+v", len(rows), rows)
	}
	ada := rows[0]
	if ada.Line != 2 || ada.DisplayName != "Ada" || ada.EmployeeHireDate == nil || *ada.LifetimeInMinutes != 120 || !*ada.IsUsableOnce || ada.Invalid != "" {
		t.Errorf("first row read as %+v", ada)
	}
	bob := rows[1]
	if bob.Line != 3 || bob.Invalid == "" {
		t.Fatalf("second row should be invalid: %+v", bob)
	}
	if got, want := directory.BulkColumnsOf(bob.Invalid), []string{"employeeHireDate", "lifetimeInMinutes", "isUsableOnce"}; !slices.Equal(got, want) {
		t.Errorf("columns of %q = %v, want %v", bob.Invalid, got, want)
	}
	if !strings.Contains(rows[2].Invalid, "not valid CSV") {
		t.Errorf("third row: %+v", rows[2])
	}

	for name, bad := range map[string]string{
		"empty":   "",
		"no upn":  "displayName,mail\nAda,ada@example.com\n",
		"no rows": "userPrincipalName\n",
	} {
		_, err := directory.ReadBulkCSV(strings.NewReader(bad))
		var fe *directory.BulkFileError
		if !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want a BulkFileError", name, err)
		}
	}
}

func TestBulkColumnsOf(t *testing.T) {
	for reason, want := range map[string][]string{
		"Invalid lifetimeInMinutes specified. The valid range is between 60 and 480.":                    {"lifetimeInMinutes"},
		"The user x@example.com does not exist, and displayName is required to create them.":             {"displayName"},
		`The manager "nobody@example.com" does not exist.`:                                               {"manager"},
		"The user x@example.com is disabled; enable the account before issuing a Temporary Access Pass.": nil,
	} {
		if got := directory.BulkColumnsOf(reason); !slices.Equal(got, want) {
			t.Errorf("BulkColumnsOf(%q) = %v, want %v", reason, got, want)
		}
	}
}
