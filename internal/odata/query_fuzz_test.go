package odata

import (
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseQuery feeds whole query strings ($filter, $select, $orderby, $top,
// $skiptoken, $count, $search and anything else) to ParseQuery. Whatever it
// accepts must be within the limits the store relies on and must survive being
// written back out as a query; whatever it refuses must be an *Error whose
// message stays short, since it is echoed to the client.
func FuzzParseQuery(f *testing.F) {
	tok := EncodeSkipToken([]byte(`["adele@example.com","u1"]`), nil)
	for _, s := range []string{
		"",
		"$top=5",
		"$top=%2010%20",
		"$TOP=999",
		"$top=0",
		"$top=-1",
		"$top=99999999999999999999",
		"$top=1e3",
		"$top=0x10",
		"$select=id,displayName",
		"$select=%20id%20,%20displayName%20",
		"$select=*",
		"$select=id,,x",
		"$orderby=createdDateTime+DESC,%20displayName%20asc,status/errorCode",
		"$orderby=a//b",
		"$orderby=displayName%20sideways",
		"$count=true",
		"$count=TRUE&$top=1",
		"$count=maybe",
		"$skiptoken=" + tok,
		"$skipToken=" + tok + "A",
		"$skiptoken=" + EncodeSkipToken([]byte(strings.Repeat("z", maxPositionLen)), nil),
		"$orderby=displayName&$skiptoken=" + EncodeSkipToken([]byte(`["a","b"]`), []OrderBy{{Field: "displayName"}}),
		"$skiptoken=AQAAAAD_____AAAAAA",
		"$skiptoken=%%%",
		"$search=%22displayName:ad%22",
		"$search=%20",
		"$filter=displayName%20eq%20'Adele'",
		"$filter=startswith(displayName,'A')%20and%20not%20(a%20eq%201)",
		"$filter=createdDateTime%20ge%202026-01-01T00:00:00Z&$select=id&$top=50&$orderby=createdDateTime%20desc&$count=true&$skiptoken=" + tok,
		"$expand=manager",
		"$format=json&$expand=manager&$top=5",
		"$=1",
		"$top=1&top=2",
		"$top=1&$top=2",
		"foo=bar&api-version=1",
		"$filter=a%00b",
		"$select=%ff",
		"%zz=1&$top=2",
		"$orderby=" + strings.Repeat("a,", 40) + "a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw) // net/http ignores a broken pair the same way
		q, err := ParseQuery(v, 999)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if qe.Message == "" || !strings.HasPrefix(qe.Option, "$") {
				t.Fatalf("error without a message or option: %+v", qe)
			}
			limit := maxEchoedMessage
			if qe.Option == "$filter" {
				// A filter error quotes the whole filter, which is bounded by its
				// own limit, and may quote one of its tokens again.
				limit += 2 * maxFilterLen
			}
			if len(qe.Message) > limit {
				t.Fatalf("%s error message is %d bytes long: %.200q…", qe.Option, len(qe.Message), qe.Message)
			}
			return
		}
		checkQuery(t, q)

		// What was accepted, written back as a query string, parses to the same
		// options: nothing was half-read.
		out := url.Values{}
		if q.Filter != nil {
			text := formatFilter(q.Filter, "")
			if len(text) > maxFilterLen {
				return
			}
			out.Set("$filter", text)
		}
		if q.Select != nil {
			out.Set("$select", strings.Join(q.Select, ","))
		}
		if q.Top != 0 {
			out.Set("$top", strconv.Itoa(q.Top))
		}
		if q.After != nil {
			out.Set("$skiptoken", EncodeSkipToken(q.After, q.OrderBy))
		}
		if q.Count {
			out.Set("$count", "true")
		}
		if len(q.Expand) > 0 {
			out.Set("$expand", strings.Join(q.Expand, ","))
		}
		if q.Search != "" {
			out.Set("$search", q.Search)
		}
		if q.OrderBy != nil {
			keys := make([]string, len(q.OrderBy))
			for i, k := range q.OrderBy {
				keys[i] = k.Field
				if k.Desc {
					keys[i] += " desc"
				}
			}
			out.Set("$orderby", strings.Join(keys, ","))
		}
		again, err := ParseQuery(out, 999)
		if err != nil {
			t.Fatalf("%q parsed, but its rewrite %q does not: %v", raw, out.Encode(), err)
		}
		if (q.Filter == nil) != (again.Filter == nil) || (q.Filter != nil && render(q.Filter) != render(again.Filter)) {
			t.Fatalf("%q: the filter changed when written back as %q", raw, out.Encode())
		}
		q.Filter, again.Filter = nil, nil
		if !reflect.DeepEqual(q, again) {
			t.Fatalf("%q parsed to %+v, its rewrite %q to %+v", raw, q, out.Encode(), again)
		}
	})
}

// maxEchoedMessage bounds an error message built from client input: every
// value but a filter is cut short before it is quoted back.
const maxEchoedMessage = 1024

// checkQuery asserts the limits a store relies on when it turns a Query into SQL.
func checkQuery(t *testing.T, q Query) {
	t.Helper()
	if q.Top < 0 || q.Top > 999 {
		t.Fatalf("Top %d outside 0..999", q.Top)
	}
	if len(q.After) > maxPositionLen {
		t.Fatalf("a position of %d bytes, over the bound of %d", len(q.After), maxPositionLen)
	}
	for _, s := range q.Select {
		if !isIdent(s) {
			t.Fatalf("selected %q is not an identifier", s)
		}
	}
	for _, k := range q.OrderBy {
		if !isPath(k.Field) {
			t.Fatalf("ordered by %q, not a property path", k.Field)
		}
	}
	if q.Search != strings.TrimSpace(q.Search) || len(q.Search) > maxOptionLen {
		t.Fatalf("search %q not trimmed or too long", q.Search)
	}
	if q.Filter != nil {
		checkTree(t, q.Filter, 0)
	}
}
