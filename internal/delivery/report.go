package delivery

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/firstkey/firstkey/internal/clientaddr"
	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// ReportPath is where the links in notices point; the token follows.
const ReportPath = "/report/"

// ReportHandler serves the links in notices: GET asks for confirmation (mail
// scanners follow links, so a GET never changes anything), POST revokes the
// pass or passkey and flags it in the audit log.
func ReportHandler(dir *directory.Service, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+ReportPath+"{token}", func(w http.ResponseWriter, r *http.Request) {
		rep, err := dir.OpenReport(r.Context(), r.PathValue("token"))
		showReport(w, r, log, rep, err, false)
	})
	mux.HandleFunc("POST "+ReportPath+"{token}", func(w http.ResponseWriter, r *http.Request) {
		rep, err := dir.ConfirmReport(r.Context(), r.PathValue("token"), clientaddr.FromRequest(r))
		showReport(w, r, log, rep, err, true)
	})
	return mux
}

type reportPage struct {
	Error     string
	What      string
	Issued    string
	IssuedBy  string
	Gone      bool
	Reported  bool
	Confirmed bool
}

var reportTmpl = template.Must(template.New("").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="no-referrer"><title>Report a sign-in method — firstkey</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto">
<h1>Report a sign-in method</h1>
{{if .Error}}<p role="alert">{{.Error}}</p>
{{else if .Confirmed}}<p role="status">Thank you. {{if not .Gone}}The {{.What}} was removed and y{{else}}Y{{end}}our report was recorded; your help desk can see it in the audit log.</p>
{{else if .Reported}}<p role="status">This {{.What}} was reported already; your report was recorded. If you think someone obtained access to your account, tell your help desk.</p>
{{else}}{{if .Gone}}<p>A {{.What}} was added to your account; it no longer exists (it was used up or removed).</p>
{{else}}<p>A {{.What}} was added to your account by {{.IssuedBy}} at {{.Issued}}.</p>{{end}}
<p>If you did not ask for it, report it: {{if not .Gone}}it is removed at once and {{end}}your help desk is told.</p>
<form method="post"><button type="submit">I did not ask for this — report it</button></form>
{{end}}
</body></html>`))

func showReport(w http.ResponseWriter, r *http.Request, log *slog.Logger, rep directory.Report, err error, confirmed bool) {
	p := reportPage{What: "Temporary Access Pass", Gone: rep.Gone, Reported: rep.Reported, Confirmed: confirmed && !rep.Reported,
		IssuedBy: rep.IssuedBy, Issued: stamp(rep.Issued)}
	if rep.IsPasskey {
		p.What = "passkey"
	}
	status := http.StatusOK
	if err != nil {
		var de *domain.Error
		switch {
		case domain.KindOf(err) == domain.KindUnavailable:
			p.Error, status = domain.ErrUnavailable.Message, http.StatusServiceUnavailable
		case errors.As(err, &de) && de.Kind == domain.KindInvalid:
			p.Error, status = de.Message, http.StatusBadRequest
		default:
			log.ErrorContext(r.Context(), "report link", "err", err)
			p.Error, status = "Something went wrong; please try again later.", http.StatusInternalServerError
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	reportTmpl.Execute(w, p)
}
