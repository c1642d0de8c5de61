package odata

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxOptionLen bounds $select, $orderby and $search the way maxFilterLen bounds $filter.
const maxOptionLen = 2048

// maxListedOptions is how many unsupported options an error names.
const maxListedOptions = 5

// Query holds the OData query options of one list request.
type Query struct {
	Filter  Expr // nil without $filter
	Select  []string
	Top     int    // 0 without $top
	After   []byte // the position $skiptoken carries: where the previous page ended
	OrderBy []OrderBy
	Count   bool
	Search  string   // the raw $search text, for example `"displayName:ad"`
	Expand  []string // navigation properties to expand, as named (without options)

	skipToken string // raw, until $orderby is known
}

// queryOptions are the options ParseQuery knows, by name without '$'.
var queryOptions = map[string]func(q *Query, val string, maxTop int) error{
	"filter":    parseFilterOption,
	"select":    parseSelect,
	"top":       parseTop,
	"orderby":   parseOrderBy,
	"count":     parseCount,
	"skiptoken": parseSkipTokenOption,
	"search":    parseSearch,
	"expand":    parseExpand,
}

// parseExpand reads a list of navigation properties; expand options in
// parentheses are not supported.
func parseExpand(q *Query, val string, _ int) error {
	for _, p := range strings.Split(val, ",") {
		p = strings.TrimSpace(p)
		if p == "" || strings.ContainsAny(p, "()/") {
			return optionError("$expand", "Invalid $expand '%s': name navigation properties, separated by commas, without options.", truncate(val))
		}
		q.Expand = append(q.Expand, p)
	}
	return nil
}

// ParseQuery reads the OData system query options from v. Like Graph it accepts
// each option with or without its '$' and in any case ($top, top, $Top). Any other
// '$' option is an error; other parameters without '$' are left to the caller.
// $top must be from 1 to maxTop; maxTop < 1 means no upper bound.
func ParseQuery(v url.Values, maxTop int) (Query, error) {
	if maxTop < 1 {
		maxTop = math.MaxInt32
	}
	type option struct{ name, key string }
	var opts []option
	var unknown []string
	seen := map[string]string{}
	for _, key := range slices.Sorted(maps.Keys(v)) { // sorted: the same request always fails the same way
		name := strings.ToLower(strings.TrimPrefix(key, "$"))
		if _, ok := queryOptions[name]; !ok {
			if strings.HasPrefix(key, "$") {
				unknown = append(unknown, "'"+truncate(key)+"'")
			}
			continue
		}
		if prev, dup := seen[name]; dup || len(v[key]) > 1 {
			if !dup {
				prev = key
			}
			return Query{}, &Error{Option: "$" + name, Pos: -1, Message: fmt.Sprintf("Query option '%s' is specified more than once.", prev)}
		}
		seen[name] = key
		opts = append(opts, option{name, key})
	}
	switch len(unknown) {
	case 0:
	case 1:
		return Query{}, &Error{Option: strings.Trim(unknown[0], "'"), Pos: -1, Message: fmt.Sprintf("Query option %s is not supported.", unknown[0])}
	default:
		// Name a few: the message is echoed, and a request may carry thousands.
		list := strings.Join(unknown[:min(len(unknown), maxListedOptions)], ", ")
		if more := len(unknown) - maxListedOptions; more > 0 {
			list += fmt.Sprintf(" and %d more", more)
		}
		return Query{}, &Error{Option: strings.Trim(unknown[0], "'"), Pos: -1, Message: fmt.Sprintf("Query options %s are not supported.", list)}
	}

	var q Query
	for _, o := range opts {
		if err := queryOptions[o.name](&q, v.Get(o.key), maxTop); err != nil {
			return Query{}, err
		}
	}
	if q.skipToken != "" {
		// Read last: a token belongs to the $orderby it was made for.
		pos, err := DecodeSkipToken(q.skipToken, q.OrderBy)
		if err != nil {
			return Query{}, err
		}
		q.After, q.skipToken = pos, ""
	}
	return q, nil
}

func optionError(option, format string, args ...any) *Error {
	return &Error{Option: option, Pos: -1, Message: fmt.Sprintf(format, args...)}
}

func parseFilterOption(q *Query, val string, _ int) error {
	e, err := ParseFilter(val)
	if err != nil {
		return err
	}
	q.Filter = e
	return nil
}

func parseTop(q *Query, val string, maxTop int) error {
	n, err := strconv.Atoi(strings.TrimSpace(val))
	if err != nil || n < 1 || n > maxTop {
		// Graph's own wording, which SDK users will recognise.
		return optionError("$top", "Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", truncate(val), maxTop)
	}
	q.Top = n
	return nil
}

func parseCount(q *Query, val string, _ int) error {
	switch strings.ToLower(strings.TrimSpace(val)) {
	case "true":
		q.Count = true
	case "false":
		q.Count = false
	default:
		return optionError("$count", "Invalid value '%s' for query option '$count': expected true or false.", truncate(val))
	}
	return nil
}

func parseSelect(q *Query, val string, _ int) error {
	if len(val) > maxOptionLen {
		return optionError("$select", "Invalid $select: longer than %d characters.", maxOptionLen)
	}
	var fields []string
	for f := range strings.SplitSeq(val, ",") {
		f = strings.TrimSpace(f)
		if !isIdent(f) {
			return optionError("$select", "Invalid $select: '%s' is not a property name.", truncate(f))
		}
		fields = append(fields, f)
	}
	q.Select = fields
	return nil
}

func parseOrderBy(q *Query, val string, _ int) error {
	if len(val) > maxOptionLen {
		return optionError("$orderby", "Invalid $orderby: longer than %d characters.", maxOptionLen)
	}
	var keys []OrderBy
	for item := range strings.SplitSeq(val, ",") {
		words := strings.Fields(item)
		if len(words) == 0 || len(words) > 2 || !isPath(words[0]) {
			return optionError("$orderby", "Invalid $orderby: expected 'property [asc|desc]' but found '%s'.", truncate(strings.TrimSpace(item)))
		}
		key := OrderBy{Field: words[0]}
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "asc":
			case "desc":
				key.Desc = true
			default:
				return optionError("$orderby", "Invalid $orderby: the direction '%s' after '%s' must be asc or desc.", truncate(words[1]), truncate(words[0]))
			}
		}
		keys = append(keys, key)
	}
	q.OrderBy = keys
	return nil
}

func parseSearch(q *Query, val string, _ int) error {
	s := strings.TrimSpace(val)
	if s == "" {
		return optionError("$search", "Invalid $search: the search text is empty.")
	}
	if len(s) > maxOptionLen {
		return optionError("$search", "Invalid $search: longer than %d characters.", maxOptionLen)
	}
	q.Search = s
	return nil
}

func parseSkipTokenOption(q *Query, val string, _ int) error {
	if strings.TrimSpace(val) == "" {
		return badSkipToken()
	}
	q.skipToken = val
	return nil
}

// A skip token is base64url(version, position, check). The position is where the
// previous page ended: the values of its last row's order columns, made and read
// by the store. The check, over the position and the $orderby it belongs to,
// catches tokens that were cut short, edited or carried to another order; it is
// not a secret, because the position is not one: a client that forges a token
// only pages from somewhere else in what it may list, and the store checks the
// values' shape again.
const skipTokenVersion = 2

const skipTokenCheckLen = 8

// maxPositionLen bounds a decoded position; positions are a few dozen bytes.
const maxPositionLen = 4096

func badSkipToken() *Error {
	return optionError("$skiptoken", "Invalid $skiptoken: the token is malformed, was changed, or belongs to another $orderby; follow @odata.nextLink as given, or start again without $skiptoken.")
}

// EncodeSkipToken returns the opaque $skiptoken for the page after position, in
// the order orderBy (the request's $orderby, empty for the default order).
func EncodeSkipToken(position []byte, orderBy []OrderBy) string {
	b := make([]byte, 0, 1+len(position)+skipTokenCheckLen)
	b = append(b, skipTokenVersion)
	b = append(b, position...)
	sum := skipTokenCheck(position, orderBy)
	b = append(b, sum[:]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeSkipToken returns the position a token from EncodeSkipToken carries,
// provided it was made for orderBy; any other text is an *Error.
func DecodeSkipToken(token string, orderBy []OrderBy) ([]byte, error) {
	token = strings.TrimSpace(token)
	if base64.RawURLEncoding.DecodedLen(len(token)) > 1+maxPositionLen+skipTokenCheckLen {
		return nil, badSkipToken()
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < 1+1+skipTokenCheckLen || b[0] != skipTokenVersion {
		return nil, badSkipToken()
	}
	pos := b[1 : len(b)-skipTokenCheckLen]
	if sum := skipTokenCheck(pos, orderBy); string(sum[:]) != string(b[len(b)-skipTokenCheckLen:]) {
		return nil, badSkipToken()
	}
	return pos, nil
}

func skipTokenCheck(position []byte, orderBy []OrderBy) [skipTokenCheckLen]byte {
	h := sha256.New()
	h.Write([]byte("firstkey $skiptoken\x00"))
	for _, o := range orderBy {
		dir := " asc,"
		if o.Desc {
			dir = " desc,"
		}
		h.Write([]byte(o.Field + dir))
	}
	h.Write([]byte{0})
	h.Write(position)
	var out [skipTokenCheckLen]byte
	copy(out[:], h.Sum(nil))
	return out
}

// truncate keeps an echoed value short, so a huge parameter is not copied into
// the error response.
func truncate(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	// Back up to the start of a character, but only as far as a character can
	// be long: in bytes that are not UTF-8 there may be none to find.
	cut := n
	for i := 1; i < utf8.UTFMax && cut > 0 && !utf8.RuneStart(s[cut]); i++ {
		cut--
	}
	return s[:cut] + "…"
}
