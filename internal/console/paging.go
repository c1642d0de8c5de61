package console

import (
	"net/http"
	"net/url"
	"strconv"
)

// pager is one page of a long list, read from ?page= and drawn by the "pager"
// block of templates/_forms.html.
type pager struct {
	Page, Size, Total int
	path              string
	query             url.Values
}

// pageOf reads the page number of a list of size rows a page.
func pageOf(r *http.Request, size int) pager {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 100000 {
		n = 1
	}
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "page" {
			q[k] = v
		}
	}
	return pager{Page: n, Size: size, path: r.URL.Path, query: q}
}

// Skip is how many rows come before this page.
func (p pager) Skip() int { return (p.Page - 1) * p.Size }

// Pages is how many pages there are.
func (p pager) Pages() int {
	if p.Total <= 0 {
		return 1
	}
	return (p.Total + p.Size - 1) / p.Size
}

// First and Last number the rows shown, from 1.
func (p pager) First() int { return min(p.Skip()+1, p.Total) }
func (p pager) Last() int  { return min(p.Skip()+p.Size, p.Total) }

// Prev and Next are the addresses of the neighbouring pages, or "".
func (p pager) Prev() string {
	if p.Page <= 1 {
		return ""
	}
	return p.url(p.Page - 1)
}

func (p pager) Next() string {
	if p.Page >= p.Pages() {
		return ""
	}
	return p.url(p.Page + 1)
}

func (p pager) url(n int) string {
	q := url.Values{}
	for k, v := range p.query {
		q[k] = v
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if len(q) == 0 {
		return p.path
	}
	return p.path + "?" + q.Encode()
}
