package graphapi

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

// Page sizes: Graph's default for most lists is 100 and its largest $top 999.
const (
	defaultPageSize = 100
	maxPageSize     = 999
)

// parseQuery reads the OData query options of a request.
func parseQuery(r *http.Request) (odata.Query, error) {
	q, err := odata.ParseQuery(r.URL.Query(), maxPageSize)
	if err != nil {
		return odata.Query{}, err
	}
	if q.Search != "" {
		return odata.Query{}, unsupportedQuery("$search is not supported; use $filter, for example startswith(displayName,'Ad').")
	}
	for _, e := range q.Expand {
		if !strings.EqualFold(e, "manager") || !expandsManager(r) {
			return odata.Query{}, unsupportedQuery("Expanding '%s' is not supported here; only users expand their manager ($expand=manager).", truncate(e))
		}
	}
	return q, nil
}

// expandsManager reports whether the request reads users, which may expand
// their manager.
func expandsManager(r *http.Request) bool {
	p := strings.TrimSuffix(r.URL.Path, "/")
	if p == "/v1.0/users" || p == "/v1.0/me" {
		return true
	}
	rest, ok := strings.CutPrefix(p, "/v1.0/users/")
	return ok && !strings.Contains(rest, "/")
}

// listOptions turns a query into store options that fetch one row more than the
// page, so that a next link is offered only when there is a next page. Pages
// follow each other by key ($skiptoken holds the last row's position), so that
// the last page of a million users costs what the first does, and rows added or
// removed between pages neither repeat nor hide the others. The store writes
// each row's position into *positions.
func listOptions(q odata.Query, positions *[][]byte) (store.ListOptions, int) {
	size := q.Top
	if size == 0 {
		size = defaultPageSize
	}
	return store.ListOptions{Filter: q.Filter, OrderBy: q.OrderBy, Top: size + 1, After: q.After,
		Positions: positions, Count: q.Count}, size
}

// selection resolves $select against the properties of an entity type. Graph
// matches names case-insensitively and always returns id.
func selection(sel []string, sample obj, typeName string) ([]string, error) {
	if len(sel) == 0 {
		return nil, nil
	}
	out := []string{"id"}
	for _, s := range sel {
		found := ""
		for _, f := range sample {
			if strings.EqualFold(f.K, s) && !strings.HasPrefix(f.K, "@") {
				found = f.K
			}
		}
		if found == "" {
			return nil, badRequest("Could not find a property named '%s' on type 'microsoft.graph.%s'.", truncate(s), typeName)
		}
		if !slices.Contains(out, found) {
			out = append(out, found)
		}
	}
	return out, nil
}

// project keeps the selected properties (and annotations such as @odata.type).
func project(o obj, sel []string) obj {
	if len(sel) == 0 {
		return o
	}
	out := make(obj, 0, len(sel)+1)
	for _, f := range o {
		if strings.HasPrefix(f.K, "@") || slices.Contains(sel, f.K) {
			out = append(out, f)
		}
	}
	return out
}

// contextURL is the @odata.context of a response, e.g. <base>/v1.0/$metadata#users,
// with the selected properties in parentheses as Graph writes them.
func (h *Handler) contextURL(fragment string, sel []string) string {
	if len(sel) > 0 {
		fragment += "(" + strings.Join(sel, ",") + ")"
	}
	return h.base + "/v1.0/$metadata#" + fragment
}

// list writes one page of a collection: @odata.context, @odata.count when asked,
// value, and @odata.nextLink when more rows follow; positions are the rows'
// (from the store), of which the page's last is where the next page starts.
func (h *Handler) list(w http.ResponseWriter, r *http.Request, fragment string, q odata.Query, sel []string,
	items []obj, total, pageSize int, positions [][]byte) {
	more := len(items) > pageSize
	if more {
		items = items[:pageSize]
	}
	values := make([]obj, len(items))
	for i, it := range items {
		values[i] = project(it, sel)
	}
	out := obj{{"@odata.context", h.contextURL(fragment, sel)}}
	if q.Count {
		out = append(out, field{"@odata.count", total})
	}
	if more && len(positions) >= pageSize {
		out = append(out, field{"@odata.nextLink", h.nextLink(r, odata.EncodeSkipToken(positions[pageSize-1], q.OrderBy))})
	}
	out = append(out, field{"value", values})
	writeJSON(w, http.StatusOK, out)
}

// nextLink repeats the request's query with a $skiptoken for the next page, as an
// absolute URL that clients follow as it is.
func (h *Handler) nextLink(r *http.Request, skipToken string) string {
	v := r.URL.Query()
	for k := range v {
		if strings.EqualFold(strings.TrimPrefix(k, "$"), "skiptoken") {
			delete(v, k)
		}
	}
	v.Set("$skiptoken", skipToken)
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, val := range v[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(queryEscape(k))
			b.WriteByte('=')
			b.WriteString(queryEscape(val))
		}
	}
	return h.base + r.URL.EscapedPath() + "?" + b.String()
}

// queryEscape escapes like url.QueryEscape but keeps '$' and writes spaces as %20,
// so links read like Graph's ($filter=displayName%20eq%20'x').
func queryEscape(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "%24", "$")
	e = strings.ReplaceAll(e, "%27", "'")
	return strings.ReplaceAll(e, "+", "%20")
}

// countOptions asks for the number of rows matching the query's filter only.
func countOptions(q odata.Query) store.ListOptions {
	return store.ListOptions{Filter: q.Filter, Top: 1, Count: true}
}

// lister fetches one page of a collection as an actor: the directory's List* methods.
type lister[T any] func(ctx context.Context, actor domain.Actor, opts store.ListOptions) ([]T, int, error)

// serveCollection answers GET on a collection: OData options, $select checked
// against a sample of the resource, one page and its absolute nextLink.
func serveCollection[T any](h *Handler, w http.ResponseWriter, r *http.Request, c *call,
	set string, sample obj, kind string, fetch lister[T], render func(T) obj) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	sel, err := selection(q.Select, sample, kind)
	if err != nil {
		return err
	}
	var positions [][]byte
	opts, size := listOptions(q, &positions)
	rows, total, err := fetch(r.Context(), c.actor, opts)
	if err != nil {
		return err
	}
	items := make([]obj, len(rows))
	for i, row := range rows {
		items[i] = render(row)
	}
	h.list(w, r, set, q, sel, items, total, size, positions)
	return nil
}

// serveCount answers {collection}/$count with the number of rows matching $filter,
// as plain text.
func serveCount[T any](w http.ResponseWriter, r *http.Request, c *call, fetch lister[T]) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	_, total, err := fetch(r.Context(), c.actor, countOptions(q))
	if err != nil {
		return err
	}
	writeCount(w, total)
	return nil
}

// getter reads one resource by the id in the path, as an actor.
type getter[T any] func(ctx context.Context, actor domain.Actor, id string) (T, error)

// serveEntity answers GET on one resource of a set, with $select.
func serveEntity[T any](h *Handler, w http.ResponseWriter, r *http.Request, c *call,
	set string, sample obj, kind string, fetch getter[T], render func(T) obj) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	sel, err := selection(q.Select, sample, kind)
	if err != nil {
		return err
	}
	v, err := fetch(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, project(render(v), sel).prepend(field{"@odata.context", h.contextURL(set, sel) + "/$entity"}))
	return nil
}
