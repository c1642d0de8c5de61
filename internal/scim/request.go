package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxBodyBytes caps a request body. A SCIM resource is a few kilobytes; a group
// PATCH adding members in bulk is the largest a client sends.
const maxBodyBytes = 1 << 20

// readJSON reads the JSON object of a request. The body must be valid UTF-8
// and its strings free of NUL, which databases refuse: both are the client's
// mistake, answered 400 rather than failing on the way to storage.
func readJSON(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/scim+json" && mt != "application/json") {
			return nil, errorf(http.StatusUnsupportedMediaType, "invalidSyntax",
				"Content-Type %q is not supported; send application/scim+json or application/json.", truncate(ct))
		}
	}
	if enc := strings.TrimSpace(r.Header.Get("Content-Encoding")); enc != "" && !strings.EqualFold(enc, "identity") {
		return nil, errorf(http.StatusUnsupportedMediaType, "invalidSyntax", "Content-Encoding %q is not supported; send the body uncompressed.", truncate(enc))
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "tooMany", "The request body is larger than %d bytes.", maxBodyBytes)
		}
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalidSyntax("The request body is empty; a JSON object is required.")
	}
	if !utf8.Valid(data) {
		return nil, invalidSyntax("The request body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, invalidSyntax("The request body is not valid JSON: %s (at byte %d).", syn.Error(), syn.Offset)
		}
		return nil, invalidSyntax("The request body is not valid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidSyntax("The request body holds more than one JSON value.")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalidSyntax("The request body must be a JSON object.")
	}
	if err := checkText(m); err != nil {
		return nil, err
	}
	return m, nil
}

// checkText refuses NUL anywhere in a decoded body, keys included.
func checkText(v any) error {
	switch v := v.(type) {
	case string:
		if strings.IndexByte(v, 0) >= 0 {
			return invalidValue("A value in the request contains a NUL character.")
		}
	case map[string]any:
		for k, x := range v {
			if strings.IndexByte(k, 0) >= 0 {
				return invalidValue("An attribute name in the request contains a NUL character.")
			}
			if err := checkText(x); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if err := checkText(x); err != nil {
				return err
			}
		}
	}
	return nil
}

// Paging: RFC 7644 §3.4.2.4 lets the server cap count.
const (
	defaultCount = 100
	maxCount     = 500
	// maxQueryParam bounds a filter or an attribute list.
	maxQueryParam = 4096
)

// listQuery is what a list or search asks for.
type listQuery struct {
	filter     string
	startIndex int // 1-based
	count      int
	attributes []string
	excluded   []string
}

// parseListQuery reads the query parameters of GET /Users or /Groups.
func parseListQuery(r *http.Request) (listQuery, error) {
	q := listQuery{startIndex: 1, count: defaultCount}
	vals := r.URL.Query()
	get := func(name string) (string, error) {
		// Parameter names are case-insensitive in practice (Entra sends startIndex, some send startindex).
		for k, vs := range vals {
			if strings.EqualFold(k, name) && len(vs) > 0 {
				v := vs[0]
				if len(v) > maxQueryParam {
					return "", invalidValue("The %s parameter is longer than %d characters.", name, maxQueryParam)
				}
				if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
					return "", invalidValue("The %s parameter is not valid text.", name)
				}
				return v, nil
			}
		}
		return "", nil
	}
	var err error
	if q.filter, err = get("filter"); err != nil {
		return q, err
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"startIndex", &q.startIndex}, {"count", &q.count}} {
		s, err := get(p.name)
		if err != nil {
			return q, err
		}
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return q, invalidValue("The %s parameter must be a whole number, not %q.", p.name, truncate(s))
		}
		*p.dst = n
	}
	attrs, err := get("attributes")
	if err != nil {
		return q, err
	}
	excl, err := get("excludedAttributes")
	if err != nil {
		return q, err
	}
	q.attributes, q.excluded = splitList(attrs), splitList(excl)
	return q.normalize(), nil
}

// normalize applies RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative
// count is 0; and caps count.
func (q listQuery) normalize() listQuery {
	q.startIndex = max(q.startIndex, 1)
	q.count = min(max(q.count, 0), maxCount)
	return q
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// resourceQuery reads attributes and excludedAttributes of a request for one resource.
func resourceQuery(r *http.Request) (listQuery, error) {
	q, err := parseListQuery(r)
	if err != nil {
		return q, err
	}
	if q.filter != "" {
		return q, invalidFilter("A filter applies to a list (GET /Users or /Groups), not to one resource.")
	}
	return q, nil
}

// searchQuery reads the body of POST /.search (RFC 7644 §3.4.3).
func searchQuery(w http.ResponseWriter, r *http.Request) (listQuery, error) {
	body, err := readJSON(w, r)
	if err != nil {
		return listQuery{}, err
	}
	q := listQuery{startIndex: 1, count: defaultCount}
	for k, v := range body {
		switch strings.ToLower(k) {
		case "schemas":
		case "filter":
			s, ok := v.(string)
			if !ok || len(s) > maxQueryParam {
				return q, invalidValue("filter must be a string of at most %d characters.", maxQueryParam)
			}
			q.filter = s
		case "startindex", "count":
			n, ok := v.(json.Number)
			i, err := n.Int64()
			if !ok || err != nil || i > 1<<31 || i < -1<<31 {
				return q, invalidValue("%s must be a whole number.", k)
			}
			if strings.EqualFold(k, "count") {
				q.count = int(i)
			} else {
				q.startIndex = int(i)
			}
		case "attributes", "excludedattributes":
			list, err := stringList(v, k)
			if err != nil {
				return q, err
			}
			if strings.EqualFold(k, "attributes") {
				q.attributes = list
			} else {
				q.excluded = list
			}
		case "sortby", "sortorder":
			// Sorting is not supported (ServiceProviderConfig says so); RFC 7644 lets it be ignored.
		default:
			return q, invalidSyntax("A search request has no parameter %q.", truncate(k))
		}
	}
	return q.normalize(), nil
}

func stringList(v any, name string) ([]string, error) {
	switch v := v.(type) {
	case string:
		return splitList(v), nil
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, invalidValue("%s must be a list of attribute names.", name)
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out, nil
	}
	return nil, invalidValue("%s must be a list of attribute names.", name)
}
