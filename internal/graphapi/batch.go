package graphapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxBatchRequests is Graph's limit on the requests of one JSON batch.
const maxBatchRequests = 20

// batchRequest is one request of a JSON batch, as the Graph SDKs send it.
type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

// batchResponse is one answer of a JSON batch: status an integer, headers an
// object of strings, body the inner answer's JSON.
type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// batch serves POST /v1.0/$batch (Graph JSON batching): each inner request runs
// through the API's own routes with the caller's credentials, exactly as if it
// had been sent alone, so it is authorised, throttled and logged on its own.
func (h *Handler) batch(w http.ResponseWriter, r *http.Request, _ *call) error {
	b, err := readBody(w, r, false)
	if err != nil {
		return err
	}
	raw, ok := b["requests"]
	if !ok {
		return badRequest("The batch request must have a 'requests' property.")
	}
	var reqs []batchRequest
	if err := json.Unmarshal(raw, &reqs); err != nil {
		return badRequest("The batch's 'requests' must be an array of requests with string ids: %s.", err.Error())
	}
	order, err := batchOrder(reqs)
	if err != nil {
		return err
	}
	results := make(map[string]batchResponse, len(reqs))
	for _, i := range order {
		br := reqs[i]
		if dep, failed := failedDependency(br, results); failed {
			results[br.ID] = errorResponse(br.ID, http.StatusFailedDependency, "failedDependency",
				fmt.Sprintf("The request depends on request '%s', which failed.", dep))
			continue
		}
		results[br.ID] = h.runBatchRequest(r, br)
	}
	out := make([]batchResponse, len(reqs))
	for i, br := range reqs {
		out[i] = results[br.ID]
	}
	writeJSON(w, http.StatusOK, map[string]any{"responses": out})
	return nil
}

// batchOrder checks a batch as a whole (any fault fails all of it, as in Graph)
// and returns the order to run it in: the given order, except that a request
// runs after the requests it depends on.
func batchOrder(reqs []batchRequest) ([]int, error) {
	switch {
	case len(reqs) == 0:
		return nil, badRequest("The batch has no requests.")
	case len(reqs) > maxBatchRequests:
		return nil, badRequest("Number of batch request steps exceeds the maximum of %d.", maxBatchRequests)
	}
	index := make(map[string]int, len(reqs))
	for i, br := range reqs {
		switch {
		case strings.TrimSpace(br.ID) == "":
			return nil, badRequest("Request %d of the batch has no id.", i+1)
		case br.Method == "" || br.URL == "":
			return nil, badRequest("Request '%s' of the batch needs a method and a url.", truncate(br.ID))
		}
		if _, dup := index[br.ID]; dup {
			return nil, badRequest("The batch has more than one request with the id '%s'.", truncate(br.ID))
		}
		index[br.ID] = i
	}
	for _, br := range reqs {
		for _, d := range br.DependsOn {
			if _, ok := index[d]; !ok || d == br.ID {
				return nil, badRequest("Request '%s' depends on '%s', which is not another request of the batch.", truncate(br.ID), truncate(d))
			}
		}
	}
	const (
		unseen = iota
		visiting
		done
	)
	state := make([]int, len(reqs))
	order := make([]int, 0, len(reqs))
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case done:
			return nil
		case visiting:
			return badRequest("The batch's dependsOn form a cycle through request '%s'.", truncate(reqs[i].ID))
		}
		state[i] = visiting
		for _, d := range reqs[i].DependsOn {
			if err := visit(index[d]); err != nil {
				return err
			}
		}
		state[i] = done
		order = append(order, i)
		return nil
	}
	for i := range reqs {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// failedDependency names a dependency of br that did not succeed.
func failedDependency(br batchRequest, results map[string]batchResponse) (string, bool) {
	for _, d := range br.DependsOn {
		if s := results[d].Status; s < 200 || s > 299 {
			return d, true
		}
	}
	return "", false
}

// runBatchRequest runs one inner request through the API's routes.
func (h *Handler) runBatchRequest(outer *http.Request, br batchRequest) batchResponse {
	target, err := batchTarget(br.URL)
	if err != nil {
		return errorResponse(br.ID, http.StatusBadRequest, "BadRequest", err.Error())
	}
	method := strings.ToUpper(br.Method)
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
	default:
		return errorResponse(br.ID, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The method '%s' is not allowed in a batch.", truncate(br.Method)))
	}
	var body []byte
	if len(br.Body) > 0 && !bytes.Equal(br.Body, []byte("null")) {
		body = br.Body
	}
	inner, err := http.NewRequestWithContext(outer.Context(), method, target, bytes.NewReader(body))
	if err != nil {
		return errorResponse(br.ID, http.StatusBadRequest, "BadRequest", "The request's url cannot be read.")
	}
	for k, v := range br.Headers {
		inner.Header.Set(k, v)
	}
	if body != nil && inner.Header.Get("Content-Type") == "" {
		inner.Header.Set("Content-Type", "application/json")
	}
	// The same credentials and correlation as the batch: authorised as if alone.
	for _, k := range []string{"Authorization", "client-request-id"} {
		if v := outer.Header.Get(k); v != "" && inner.Header.Get(k) == "" {
			inner.Header.Set(k, v)
		}
	}
	inner.RemoteAddr, inner.Host = outer.RemoteAddr, outer.Host
	rec := &recorder{header: http.Header{}}
	h.mux.ServeHTTP(rec, inner)
	resp := batchResponse{ID: br.ID, Status: rec.status, Headers: map[string]string{}}
	if resp.Status == 0 {
		resp.Status = http.StatusOK
	}
	for k, v := range rec.header {
		resp.Headers[http.CanonicalHeaderKey(k)] = strings.Join(v, ", ")
	}
	if b := bytes.TrimSpace(rec.body.Bytes()); len(b) > 0 {
		if json.Valid(b) {
			resp.Body = b
		} else {
			resp.Body, _ = json.Marshal(string(b))
		}
	}
	return resp
}

// batchTarget turns an inner url, relative to /v1.0 (the SDKs send "/users?…" and
// may percent-encode $ as %24), into the API path it names.
func batchTarget(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "", fmt.Errorf("The url '%s' must be relative to /v1.0, for example /users.", truncate(raw))
	}
	p := "/" + strings.TrimPrefix(u.EscapedPath(), "/")
	p = strings.TrimPrefix(p, "/v1.0")
	if unescaped, err := url.PathUnescape(p); err == nil && (unescaped == "/$batch" || strings.HasPrefix(unescaped, "/$batch/")) {
		return "", fmt.Errorf("A batch cannot contain another batch.")
	}
	target := "/v1.0" + p
	if u.RawQuery != "" {
		target += "?" + u.RawQuery
	}
	return target, nil
}

// errorResponse is an inner answer in the Graph error envelope.
func errorResponse(id string, status int, code, message string) batchResponse {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": message}})
	return batchResponse{ID: id, Status: status, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}
}

// recorder keeps an inner answer in memory.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}
