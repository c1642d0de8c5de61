package delivery

import (
	"bytes"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"text/template"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
)

// message is one mail: subject, plain text and HTML, from the same data.
type message struct{ subject, text, html string }

type mailData struct {
	User      string
	Name      string
	Code      string
	Start     string
	End       string
	OneTime   bool
	SignInURL string
	By        string
	At        string
	ReportURL string
	Passkey   string
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") }

var (
	passText = template.Must(template.New("").Parse(`A Temporary Access Pass was created for {{.Name}} ({{.User}}).
Please hand it over to them in person or by another trusted channel.

Temporary Access Pass: {{.Code}}
Valid from {{.Start}} until {{.End}}{{if .OneTime}}, for one sign-in{{end}}.
Sign in at: {{.SignInURL}}

Created by {{.By}} at {{.At}}.
`))
	passHTML = htmltemplate.Must(htmltemplate.New("").Parse(`<!doctype html><html><body>
<p>A Temporary Access Pass was created for <b>{{.Name}}</b> ({{.User}}).
Please hand it over to them in person or by another trusted channel.</p>
<p style="font-size:1.4em;font-family:monospace">{{.Code}}</p>
<p>Valid from {{.Start}} until {{.End}}{{if .OneTime}}, for one sign-in{{end}}.<br>
Sign in at: <a href="{{.SignInURL}}">{{.SignInURL}}</a></p>
<p>Created by {{.By}} at {{.At}}.</p>
</body></html>`))
	noticeText = template.Must(template.New("").Parse(`Hello {{.Name}},

{{if .Passkey}}A passkey ("{{.Passkey}}") was added to your account {{.User}} at {{.At}}.{{else}}A Temporary Access Pass was created for your account {{.User}} by {{.By}} at {{.At}}.{{end}}

If you did not ask for it, report it here; this also removes it:
{{.ReportURL}}

If you did ask for it, there is nothing to do.
`))
	noticeHTML = htmltemplate.Must(htmltemplate.New("").Parse(`<!doctype html><html><body>
<p>Hello {{.Name}},</p>
<p>{{if .Passkey}}A passkey (&ldquo;{{.Passkey}}&rdquo;) was added to your account {{.User}} at {{.At}}.{{else}}A Temporary Access Pass was created for your account {{.User}} by {{.By}} at {{.At}}.{{end}}</p>
<p>If you did not ask for it, <a href="{{.ReportURL}}">report it</a>; this also removes it.</p>
<p>If you did ask for it, there is nothing to do.</p>
</body></html>`))
)

func render(o directory.Outgoing) (message, error) {
	d := o.Delivery
	data := mailData{User: o.User.UserPrincipalName, Name: o.User.DisplayName, Code: o.Code, SignInURL: o.SignInURL,
		By: d.Initiator, At: stamp(d.InitiatedDateTime), ReportURL: o.ReportURL}
	var m message
	tt, ht := noticeText, noticeHTML
	switch d.Kind {
	case domain.DeliveryPass:
		data.Start, data.End, data.OneTime = stamp(o.Pass.StartDateTime), stamp(o.Pass.End()), o.Pass.IsUsableOnce
		m.subject = "Temporary Access Pass for " + o.User.DisplayName
		tt, ht = passText, passHTML
	case domain.DeliveryPassNotice:
		m.subject = "A Temporary Access Pass was created for your account"
	case domain.DeliveryPasskeyNotice:
		data.Passkey = o.Passkey.DisplayName
		if data.Passkey == "" {
			data.Passkey = "passkey"
		}
		m.subject = "A passkey was added to your account"
	default:
		return m, fmt.Errorf("no message for delivery kind %q", d.Kind)
	}
	var tb, hb bytes.Buffer
	if err := tt.Execute(&tb, data); err != nil {
		return m, fmt.Errorf("render mail: %w", err)
	}
	if err := ht.Execute(&hb, data); err != nil {
		return m, fmt.Errorf("render mail: %w", err)
	}
	m.text, m.html = tb.String(), hb.String()
	return m, nil
}

// WebhookPass is the JSON body a webhook receives for a pass.
type WebhookPass struct {
	DeliveryID          string    `json:"deliveryId"`
	Type                string    `json:"type"`
	UserID              string    `json:"userId"`
	UserPrincipalName   string    `json:"userPrincipalName"`
	Mail                string    `json:"mail,omitempty"`
	PassID              string    `json:"temporaryAccessPassId"`
	TemporaryAccessPass string    `json:"temporaryAccessPass"`
	StartDateTime       time.Time `json:"startDateTime"`
	LifetimeInMinutes   int       `json:"lifetimeInMinutes"`
	IsUsableOnce        bool      `json:"isUsableOnce"`
	SignInURL           string    `json:"signInUrl"`
	CreatedBy           string    `json:"createdBy"`
}

func webhookBody(o directory.Outgoing) ([]byte, error) {
	return json.Marshal(WebhookPass{DeliveryID: o.Delivery.ID, Type: domain.DeliveryPass, UserID: o.User.ID,
		UserPrincipalName: o.User.UserPrincipalName, Mail: o.User.Mail, PassID: o.Pass.ID, TemporaryAccessPass: o.Code,
		StartDateTime: o.Pass.StartDateTime, LifetimeInMinutes: o.Pass.LifetimeInMinutes, IsUsableOnce: o.Pass.IsUsableOnce,
		SignInURL: o.SignInURL, CreatedBy: o.Delivery.Initiator})
}
