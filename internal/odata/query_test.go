package odata

import (
	"encoding/base64"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	pos := []byte(`["adele@example.com","u1"]`)
	tok := EncodeSkipToken(pos, nil)
	created := []OrderBy{{Field: "createdDateTime", Desc: true}}
	tokCreated := EncodeSkipToken(pos, created)
	tests := []struct {
		raw  string
		want Query
		// filter is the rendered filter, checked apart because Expr does not compare with ==
		filter string
	}{
		{raw: "", want: Query{}},
		{raw: "$top=5", want: Query{Top: 5}},
		{raw: "$top=1", want: Query{Top: 1}},
		{raw: "$top=999", want: Query{Top: 999}},
		{raw: "$top=%2010%20", want: Query{Top: 10}},
		{raw: "top=7", want: Query{Top: 7}},
		{raw: "$TOP=7", want: Query{Top: 7}},
		{raw: "$select=id,displayName", want: Query{Select: []string{"id", "displayName"}}},
		{raw: "$select=%20id%20,%20displayName%20", want: Query{Select: []string{"id", "displayName"}}},
		{raw: "select=id", want: Query{Select: []string{"id"}}},
		{raw: "$orderby=displayName", want: Query{OrderBy: []OrderBy{{Field: "displayName"}}}},
		{raw: "$orderby=createdDateTime%20desc", want: Query{OrderBy: []OrderBy{{Field: "createdDateTime", Desc: true}}}},
		{raw: "$orderby=createdDateTime+DESC,%20displayName%20asc,status/errorCode", want: Query{OrderBy: []OrderBy{
			{Field: "createdDateTime", Desc: true}, {Field: "displayName"}, {Field: "status/errorCode"}}}},
		{raw: "orderBy=displayName+asc", want: Query{OrderBy: []OrderBy{{Field: "displayName"}}}},
		{raw: "$count=true", want: Query{Count: true}},
		{raw: "$count=True", want: Query{Count: true}},
		{raw: "$count=false", want: Query{}},
		{raw: "count=true", want: Query{Count: true}},
		{raw: "$skiptoken=" + tok, want: Query{After: pos}},
		{raw: "$skipToken=" + tok, want: Query{After: pos}},
		{raw: "$search=%22displayName:ad%22", want: Query{Search: `"displayName:ad"`}},
		{raw: "$filter=displayName%20eq%20'Adele'", filter: `displayName eq "Adele"`},
		{raw: "filter=startswith(displayName,'A')", filter: `startswith(displayName,"A")`},
		// parameters without '$' that are not options belong to the caller
		{raw: "foo=bar&api-version=1&tenant=x", want: Query{}},
		{
			raw:    "$filter=createdDateTime%20ge%202026-01-01T00:00:00Z&$select=id&$top=50&$orderby=createdDateTime%20desc&$count=true&$skiptoken=" + tokCreated,
			want:   Query{Select: []string{"id"}, Top: 50, After: pos, OrderBy: []OrderBy{{Field: "createdDateTime", Desc: true}}, Count: true},
			filter: `createdDateTime ge time:2026-01-01T00:00:00Z`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v, err := url.ParseQuery(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			q, err := ParseQuery(v, 999)
			if err != nil {
				t.Fatalf("ParseQuery(%s): %v", tt.raw, err)
			}
			gotFilter := ""
			if q.Filter != nil {
				gotFilter = render(q.Filter)
			}
			if gotFilter != tt.filter {
				t.Errorf("filter = %s, want %s", gotFilter, tt.filter)
			}
			q.Filter = nil
			if !reflect.DeepEqual(q, tt.want) {
				t.Errorf("ParseQuery(%s)\n got %+v\nwant %+v", tt.raw, q, tt.want)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	tests := []struct {
		raw    string
		maxTop int
		option string
		want   string
	}{
		{"$top=0", 999, "$top", "Invalid page size specified: '0'. Must be between 1 and 999 inclusive."},
		{"$top=1000", 999, "$top", "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."},
		{"$top=101", 100, "$top", "Must be between 1 and 100 inclusive."},
		{"$top=-1", 999, "$top", "'-1'"},
		{"$top=ten", 999, "$top", "'ten'"},
		{"$top=", 999, "$top", "Invalid page size specified: ''."},
		{"$top=99999999999999999999999", 999, "$top", "Invalid page size"},
		{"$top=" + strings.Repeat("9", 500), 999, "$top", "…'"},
		{"$count=yes", 999, "$count", "Invalid value 'yes' for query option '$count': expected true or false."},
		{"$count=", 999, "$count", "expected true or false"},
		{"$select=", 999, "$select", "Invalid $select: '' is not a property name."},
		{"$select=id,,displayName", 999, "$select", "'' is not a property name"},
		{"$select=id,display%20Name", 999, "$select", "'display Name' is not a property name"},
		{"$select=*", 999, "$select", "'*' is not a property name"},
		{"$select=" + strings.Repeat("a,", 1100), 999, "$select", "longer than 2048 characters"},
		{"$orderby=", 999, "$orderby", "Invalid $orderby: expected 'property [asc|desc]' but found ''."},
		{"$orderby=displayName,", 999, "$orderby", "but found ''"},
		{"$orderby=displayName%20sideways", 999, "$orderby", "the direction 'sideways' after 'displayName' must be asc or desc"},
		{"$orderby=" + strings.Repeat("W", 1000) + "%20sideways", 999, "$orderby", "the direction 'sideways' after 'WWWW"},
		{"$orderby=displayName%20asc%20desc", 999, "$orderby", "but found 'displayName asc desc'"},
		{"$orderby=display-name", 999, "$orderby", "but found 'display-name'"},
		{"$orderby=" + strings.Repeat("a,", 1100), 999, "$orderby", "longer than 2048 characters"},
		{"$search=", 999, "$search", "the search text is empty"},
		{"$search=" + strings.Repeat("a", 2049), 999, "$search", "longer than 2048 characters"},
		{"$skiptoken=abc", 999, "$skiptoken", "Invalid $skiptoken"},
		{"$skiptoken=", 999, "$skiptoken", "Invalid $skiptoken"},
		{"$filter=displayName%20eq", 999, "$filter", "Invalid filter clause: expected a value after 'eq'"},
		{"$filter=", 999, "$filter", "Invalid filter clause: the filter is empty."},
		{"$expand=manager($select=id)", 999, "$expand", "without options"},
		{"$skip=10", 999, "$skip", "Query option '$skip' is not supported."},
		{"$format=json&$levels=2&$top=5", 999, "$format", "Query options '$format', '$levels' are not supported."},
		{"$=1", 999, "$", "Query option '$' is not supported."},
		{"$" + strings.Repeat("x", 5000) + "=1", 999, "$" + strings.Repeat("x", 63) + "…", "Query option '$xxxxxxxx"},
		{"$" + strings.Repeat("%9F", 100) + "=1", 999, "$" + strings.Repeat("\x9f", 60) + "…", "is not supported"},
		{"$g=1&$f=1&$e=1&$d=1&$c=1&$b=1&$a=1", 999, "$a", "Query options '$a', '$b', '$c', '$d', '$e' and 2 more are not supported."},
		{"$top=1&$top=2", 999, "$top", "Query option '$top' is specified more than once."},
		{"$top=1&top=2", 999, "$top", "Query option '$top' is specified more than once."},
		{"$filter=a%20eq%201&$Filter=a%20eq%202", 999, "$filter", "is specified more than once"},
	}
	for _, tt := range tests {
		name := tt.raw
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			q, err := ParseQuery(v, tt.maxTop)
			if err == nil {
				t.Fatalf("ParseQuery(%s) = %+v, want an error", tt.raw, q)
			}
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if qe.Option != tt.option {
				t.Errorf("Option = %q, want %q", qe.Option, tt.option)
			}
			if !strings.Contains(qe.Message, tt.want) {
				t.Errorf("message %q\ndoes not contain %q", qe.Message, tt.want)
			}
			if len(qe.Message) > 300 && tt.option != "$filter" {
				t.Errorf("message is %d bytes: the value should be cut short", len(qe.Message))
			}
		})
	}
}

func TestParseQueryNoMaxTop(t *testing.T) {
	q, err := ParseQuery(url.Values{"$top": {"100000"}}, 0)
	if err != nil || q.Top != 100000 {
		t.Fatalf("maxTop 0: got %+v, %v; want Top 100000", q, err)
	}
}

func TestSkipToken(t *testing.T) {
	byName := []OrderBy{{Field: "displayName"}}
	for _, pos := range [][]byte{[]byte("x"), []byte(`["a","b"]`), []byte(strings.Repeat("é", maxPositionLen/2))} {
		for _, order := range [][]OrderBy{nil, byName} {
			tok := EncodeSkipToken(pos, order)
			if url.QueryEscape(tok) != tok {
				t.Errorf("token %q needs escaping in a URL", tok)
			}
			got, err := DecodeSkipToken(tok, order)
			if err != nil || string(got) != string(pos) {
				t.Errorf("DecodeSkipToken(EncodeSkipToken(%.20q)) = %.20q, %v", pos, got, err)
			}
		}
	}
	pos := []byte(`["adele@example.com","u1"]`)
	if a, b := EncodeSkipToken(pos, nil), EncodeSkipToken([]byte(`["b","u2"]`), nil); a == b {
		t.Error("different positions give the same token")
	}
	// A token belongs to its $orderby: carried to another order it is refused,
	// not read as a position in an order it does not fit.
	for _, other := range [][]OrderBy{byName, {{Field: "displayName", Desc: true}}, {{Field: "displayName"}, {Field: "id"}}} {
		if _, err := DecodeSkipToken(EncodeSkipToken(pos, nil), other); err == nil {
			t.Errorf("a token of the default order was accepted for %v", other)
		}
	}
	if _, err := DecodeSkipToken(EncodeSkipToken([]byte(strings.Repeat("a", maxPositionLen+1)), nil), nil); err == nil {
		t.Error("a position longer than the bound was accepted")
	}

	// Changing any bit of a valid token makes it invalid.
	raw, err := base64.RawURLEncoding.DecodeString(EncodeSkipToken(pos, nil))
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for bit := range 8 {
			b := append([]byte(nil), raw...)
			b[i] ^= 1 << bit
			tok := base64.RawURLEncoding.EncodeToString(b)
			if got, err := DecodeSkipToken(tok, nil); err == nil {
				t.Errorf("token with byte %d bit %d flipped decoded to %q", i, bit, got)
			}
		}
	}

	tok := EncodeSkipToken(pos, nil)
	for _, bad := range []string{
		"", "x", tok[:len(tok)-1], tok + "A", tok + "==", "%%%",
		strings.ToUpper(tok), base64.RawURLEncoding.EncodeToString([]byte("100")),
		"AQAAAAAAAADIXj2GJw", // a version 1 (offset) token from an older firstkey
	} {
		if bad == tok {
			continue
		}
		_, err := DecodeSkipToken(bad, nil)
		var qe *Error
		if !errors.As(err, &qe) || qe.Option != "$skiptoken" {
			t.Errorf("DecodeSkipToken(%q) = %v, want a $skiptoken *Error", bad, err)
		}
	}
	// Through ParseQuery, an empty or foreign token is the same clear error.
	for _, v := range []url.Values{{"$skiptoken": {""}}, {"$skiptoken": {tok}, "$orderby": {"displayName"}}} {
		_, err := ParseQuery(v, 999)
		var qe *Error
		if !errors.As(err, &qe) || qe.Option != "$skiptoken" || !strings.Contains(qe.Message, "$skiptoken") {
			t.Errorf("ParseQuery(%v) = %v, want a $skiptoken *Error", v, err)
		}
	}
}
