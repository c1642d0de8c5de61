package graphapi

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// referenceJSON is how responses were encoded before appendJSON: every obj
// through its own json.Marshal of keys and values, the whole compacted by
// encoding/json. appendJSON must write the same bytes.
type referenceObj obj

func (o referenceObj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.K)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(toReference(f.V))
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func toReference(v any) any {
	switch v := v.(type) {
	case obj:
		return referenceObj(v)
	case []obj:
		if v == nil {
			return []referenceObj(nil)
		}
		out := make([]referenceObj, len(v))
		for i, o := range v {
			out[i] = referenceObj(o)
		}
		return out
	case []any:
		if v == nil {
			return v
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = toReference(e)
		}
		return out
	}
	return v
}

func wantSameJSON(t *testing.T, v any) {
	t.Helper()
	want, err := json.Marshal(toReference(v))
	if err != nil {
		t.Fatal(err)
	}
	got, release, err := encodeResponse(v)
	defer release()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("appendJSON wrote\n%s\nencoding/json writes\n%s", got, want)
	}
}

// The strings that encoding/json escapes, in every position.
var trickyStrings = []string{"", "plain", `"quoted"`, `back\slash`, "<script>&amp;</script>", "line\nbreak\r\ttab",
	"\x00\x01\x1f\x7f", "\b\f", "ünïcödé ✓ 🔑", "\u2028\u2029", "bad \xff utf-8 \xc3", "\xe2\x80", "é\xe2\x80\xa8x"}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	now := time.Date(2026, 12, 4, 23, 0, 0, 123456789, time.UTC)
	for _, s := range trickyStrings {
		wantSameJSON(t, obj{{s, s}, {"list", []string{s, s}}})
	}
	user := obj{
		{"@odata.type", "#microsoft.graph.user"}, {"id", "7d7f0c53"}, {"displayName", "Ada <Lovelace> & co"},
		{"accountEnabled", true}, {"createdDateTime", graphTime(now)}, {"deleted", graphTime(time.Time{})},
		{"count", 42}, {"big", int64(1) << 40}, {"ratio", 0.25}, {"nothing", nil}, {"emptyList", []string{}},
		{"nilList", []string(nil)}, {"nilObjs", []obj(nil)}, {"nilAny", []any(nil)}, {"strength", domain.StrengthMFA},
		{"perms", []domain.Permission{domain.PermUserReadAll}}, {"ptr", graphTimePtr(&now)}, {"emptyObj", obj{}},
		{"nilObj", obj(nil)}, {"mixed", []any{1, "two", obj{{"three", 3}}, nil, []obj{{{"x", "<y>"}}}}},
		{"map", map[string]any{"b": 1, "a": obj{{"k", "v"}}}},
	}
	wantSameJSON(t, user)
	wantSameJSON(t, obj{{"@odata.context", "https://h/v1.0/$metadata#users"}, {"@odata.count", 2},
		{"value", []obj{user, user}}})
	wantSameJSON(t, []obj{user})
	wantSameJSON(t, "just a string")
}

// FuzzAppendString checks appendString against encoding/json on any string.
func FuzzAppendString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %s, encoding/json writes %s", s, got, want)
		}
	})
}
