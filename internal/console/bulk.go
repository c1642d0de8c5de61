package console

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// Bulk issuance in the console: upload a CSV file, see every row checked (the
// engine's dry run, the same as `firstkey tap bulk --dry-run`), run it as a job
// on the server while a progress bar follows it, then download the report
// with the passes, once.
//
// A job lives in this process's memory, bound to the administrator who
// uploaded the file, and is forgotten an hour after it was uploaded or
// finished; the passes it holds are dropped as soon as the report with them
// has been downloaded. Behind a load balancer, the status page must reach the
// replica that runs the job (sticky sessions), like the CLI's progress bar
// belongs to its terminal.

func (h *Handler) mountBulk(rt router) {
	h.bulk = &bulkJobs{jobs: map[string]*bulkJob{}}
	rt.page(Prefix+"/bulk", domain.ActWriteMethods, h.bulkStart)
	rt.page(Prefix+"/bulk/template.csv", domain.ActWriteMethods, h.bulkTemplate)
	rt.upload(Prefix+"/bulk", bulkFileLimit, h.bulkUpload)
	rt.page(Prefix+"/bulk/{id}", domain.ActWriteMethods, h.bulkJobPage)
	rt.page(Prefix+"/bulk/{id}/status", domain.ActWriteMethods, h.bulkStatus)
	rt.form(Prefix+"/bulk/{id}/run", h.bulkRun)
	rt.page(Prefix+"/bulk/{id}/results.csv", domain.ActWriteMethods, h.bulkResults)
}

// bulkFileLimit bounds an uploaded file (a row is about 100 bytes: 50,000 rows fit).
const bulkFileLimit = 8 << 20

// bulkJobTTL is how long a job is kept after its upload or its end.
const bulkJobTTL = time.Hour

// bulkRunLimit bounds one run (10,000 rows take about two minutes on two cores).
const bulkRunLimit = 2 * time.Hour

// Job states.
const (
	jobPreviewed = "previewed"
	jobRunning   = "running"
	jobDone      = "done"
)

type bulkJob struct {
	ID, Owner, File string
	SkipExisting    bool
	Rows            []directory.BulkRow
	Preview         []directory.BulkResult

	mu         sync.Mutex
	state      string
	done       int
	results    []directory.BulkResult
	touched    time.Time
	started    time.Time
	finished   time.Time
	downloaded bool
}

type bulkJobs struct {
	mu   sync.Mutex
	jobs map[string]*bulkJob
}

// add keeps a new job, forgetting the ones past their time.
func (b *bulkJobs) add(j *bulkJob) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	for id, old := range b.jobs {
		old.mu.Lock()
		expired := old.state != jobRunning && now.Sub(old.touched) > bulkJobTTL
		old.mu.Unlock()
		if expired {
			delete(b.jobs, id)
		}
	}
	b.jobs[j.ID] = j
}

// get finds a's job id. Another administrator's job is not found: its passes
// are for the one who uploaded it.
func (b *bulkJobs) get(a *Admin, id string) (*bulkJob, error) {
	b.mu.Lock()
	j, ok := b.jobs[id]
	b.mu.Unlock()
	if !ok || j.Owner != a.User.ID {
		return nil, &domain.Error{Kind: domain.KindNotFound, Message: "This bulk upload no longer exists: uploads are kept for an hour. Upload the file again."}
	}
	return j, nil
}

// bulkRowView is one row of the preview or the report.
type bulkRowView struct {
	Line           int
	UPN, Name      string
	Start          string
	Status, Reason string
	Columns        []string
	NewUser        bool
	Code           string
	StartsAt, Ends string
}

// Bad reports whether the row failed on column c (or at all, for c == "").
func (r bulkRowView) Bad(c string) bool {
	if r.Status != directory.BulkFailed {
		return false
	}
	if c == "" {
		return true
	}
	for _, x := range r.Columns {
		if x == c {
			return true
		}
	}
	return false
}

// bulkPage is bulk.html's data.
type bulkPage struct {
	Step                        string // upload, preview, running, done
	Job                         *bulkJob
	Rows                        []bulkRowView
	Total, Good, Bad, Skip, New int
	Done                        int
	Percent                     int
	Downloaded                  bool
	Columns                     []string
	FileError                   string
}

func (h *Handler) bulkStart(w http.ResponseWriter, r *http.Request, a *Admin) error {
	h.render(w, r, a, http.StatusOK, "bulk.html", view{Title: "Bulk passes", Page: bulkPage{Step: "upload", Columns: directory.BulkColumns}})
	return nil
}

// bulkTemplate is an example file with every column.
func (h *Handler) bulkTemplate(w http.ResponseWriter, r *http.Request, a *Admin) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="new-joiners.csv"`)
	fmt.Fprintln(w, "userPrincipalName,displayName,mail,manager,employeeHireDate,startDateTime,lifetimeInMinutes,isUsableOnce")
	fmt.Fprintln(w, "ada.lovelace@example.com,Ada Lovelace,ada.lovelace@example.com,,2026-09-01,,480,true")
	return nil
}

// bulkUpload reads the file and checks every row without changing anything.
func (h *Handler) bulkUpload(w http.ResponseWriter, r *http.Request, a *Admin) error {
	if err := a.Actor.Require(domain.ActWriteMethods); err != nil {
		return err
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return h.bulkFileError(w, r, a, "Choose a CSV file to upload.")
	}
	defer f.Close()
	rows, err := directory.ReadBulkCSV(f)
	var fe *directory.BulkFileError
	if errors.As(err, &fe) {
		return h.bulkFileError(w, r, a, "The file "+hdr.Filename+" cannot be used: "+fe.Message+".")
	}
	if err != nil {
		return err
	}
	skip := r.FormValue("skipExisting") == "true"
	preview := h.dir.BulkIssue(r.Context(), a.Actor, rows, directory.BulkOptions{DryRun: true, SkipExisting: skip})
	j := &bulkJob{ID: newJobID(), Owner: a.User.ID, File: hdr.Filename, SkipExisting: skip, Rows: rows, Preview: preview,
		state: jobPreviewed, touched: time.Now()}
	h.bulk.add(j)
	http.Redirect(w, r, Prefix+"/bulk/"+j.ID, http.StatusSeeOther)
	return nil
}

func (h *Handler) bulkFileError(w http.ResponseWriter, r *http.Request, a *Admin, msg string) error {
	h.render(w, r, a, http.StatusBadRequest, "bulk.html", view{Title: "Bulk passes", Error: msg,
		Page: bulkPage{Step: "upload", Columns: directory.BulkColumns, FileError: msg}})
	return nil
}

func newJobID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// bulkRun starts the previewed job.
func (h *Handler) bulkRun(w http.ResponseWriter, r *http.Request, a *Admin) error {
	if err := a.Actor.Require(domain.ActWriteMethods); err != nil {
		return err
	}
	j, err := h.bulk.get(a, r.PathValue("id"))
	if err != nil {
		return err
	}
	j.mu.Lock()
	if j.state != jobPreviewed {
		j.mu.Unlock()
		http.Redirect(w, r, Prefix+"/bulk/"+j.ID, http.StatusSeeOther)
		return nil
	}
	j.state, j.started, j.touched = jobRunning, time.Now(), time.Now()
	j.mu.Unlock()
	actor := a.Actor
	go func() {
		// The run outlives the request that started it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), bulkRunLimit)
		defer cancel()
		res := h.dir.BulkIssue(ctx, actor, j.Rows, directory.BulkOptions{SkipExisting: j.SkipExisting, Progress: func(done int) {
			j.mu.Lock()
			j.done = max(j.done, done)
			j.mu.Unlock()
		}})
		j.mu.Lock()
		j.results, j.state, j.finished, j.touched = res, jobDone, time.Now(), time.Now()
		j.mu.Unlock()
		h.log.InfoContext(ctx, "console: bulk run finished", "job", j.ID, "rows", len(res), "user_id", actor.UserID)
	}()
	http.Redirect(w, r, Prefix+"/bulk/"+j.ID, http.StatusSeeOther)
	return nil
}

// bulkJobPage is the preview, the progress or the report, as the job stands.
func (h *Handler) bulkJobPage(w http.ResponseWriter, r *http.Request, a *Admin) error {
	j, err := h.bulk.get(a, r.PathValue("id"))
	if err != nil {
		return err
	}
	j.mu.Lock()
	p := bulkPage{Step: j.state, Job: j, Total: len(j.Rows), Done: j.done, Downloaded: j.downloaded}
	results := j.Preview
	if j.state == jobDone {
		results = j.results
	}
	j.mu.Unlock()
	if p.Step == jobPreviewed {
		p.Step = "preview"
	}
	if p.Total > 0 {
		p.Percent = 100 * p.Done / p.Total
	}
	if p.Step != jobRunning {
		for i, res := range results {
			v := bulkRowView{Line: res.Line, UPN: res.UserPrincipalName, Status: res.Status, Reason: res.Error, NewUser: res.UserCreated}
			if i < len(j.Rows) {
				row := j.Rows[i]
				v.Name = row.DisplayName
				switch {
				case row.StartDateTime != nil:
					v.Start = row.StartDateTime.UTC().Format("2 Jan 2006, 15:04 UTC")
				case row.EmployeeHireDate != nil:
					v.Start = "First day, " + row.EmployeeHireDate.Format("2 Jan 2006")
				default:
					v.Start = "Now"
				}
				if v.UPN == "" {
					v.UPN = row.UserPrincipalName
				}
			}
			if res.Status == directory.BulkFailed {
				v.Columns = directory.BulkColumnsOf(res.Error)
				p.Bad++
			} else if res.Status == directory.BulkSkipped {
				p.Skip++
			} else {
				p.Good++
			}
			if res.UserCreated {
				p.New++
			}
			if ps := res.Pass; ps != nil {
				v.StartsAt, v.Ends = ps.StartDateTime.UTC().Format("2 Jan 2006, 15:04 UTC"), ps.End().UTC().Format("2 Jan 2006, 15:04 UTC")
			}
			p.Rows = append(p.Rows, v)
		}
	}
	// The rows with problems first: they are what the administrator has to read.
	slices.SortStableFunc(p.Rows, func(x, y bulkRowView) int {
		return cmp.Compare(boolRank(!x.Bad("")), boolRank(!y.Bad("")))
	})
	h.render(w, r, a, http.StatusOK, "bulk.html", view{Title: "Bulk passes", Page: p})
	return nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// bulkStatus is the job's progress for the page's script, which polls it.
func (h *Handler) bulkStatus(w http.ResponseWriter, r *http.Request, a *Admin) error {
	j, err := h.bulk.get(a, r.PathValue("id"))
	if err != nil {
		return err
	}
	j.mu.Lock()
	st := struct {
		State string `json:"state"`
		Done  int    `json:"done"`
		Total int    `json:"total"`
	}{j.state, j.done, len(j.Rows)}
	j.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(st)
}

// bulkResults downloads the report. The first download holds the passes and
// drops them from memory; later ones hold the rest of the report.
func (h *Handler) bulkResults(w http.ResponseWriter, r *http.Request, a *Admin) error {
	j, err := h.bulk.get(a, r.PathValue("id"))
	if err != nil {
		return err
	}
	j.mu.Lock()
	if j.state != jobDone {
		j.mu.Unlock()
		return &domain.Error{Kind: domain.KindConflict, Message: "The run has not finished yet; the report can be downloaded when it has."}
	}
	withCodes := !j.downloaded
	var buf bytes.Buffer
	err = directory.WriteBulkResultsCSV(&buf, j.results, withCodes)
	if err == nil && withCodes {
		j.downloaded, j.touched = true, time.Now()
		for i := range j.results {
			if p := j.results[i].Pass; p != nil {
				cp := *p
				cp.Code = ""
				j.results[i].Pass = &cp
			}
		}
	}
	j.mu.Unlock()
	if err != nil {
		return err
	}
	name := "bulk-passes-" + j.ID[:8] + ".csv"
	if !withCodes {
		name = "bulk-report-" + j.ID[:8] + ".csv"
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err = w.Write(buf.Bytes())
	return err
}
