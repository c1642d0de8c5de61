// Package console is the admin console at /admin: server-rendered pages for the
// service desk and identity administrators, in the look of the sign-in pages.
//
// Who may use it. The console uses the sign-in pages' browser session (package
// web): a person signs in with a passkey like everyone else and is sent back
// here. A session obtained with a Temporary Access Pass is not enough (the
// console asks for a passkey), and only people holding a directory role get in.
// Every page and form acts as that person (domain.Actor with their current
// roles) through internal/directory, which applies the same rules as the API
// and the CLI: the console hides what the roles do not allow, but never decides
// on its own what is allowed.
//
// Adding a page:
//
//  1. Write the area's handlers in one file named for it (people.go,
//     reports.go, ...) with a mount function: func (h *Handler) mountX(rt router).
//     Register GET pages with rt.page(pattern, action, fn) and POSTed forms with
//     rt.form(pattern, fn) (rt.upload for multipart files). Both wrappers load
//     the signed-in administrator; rt.page also hides the page from people whose
//     roles do not allow action; rt.form checks the CSRF token and the
//     cross-origin headers. Handlers return an error: a *domain.Error is shown
//     as a page in plain words with its status (403, 404, 400, 409), anything
//     else as a 500 that is logged.
//  2. Add one line to the areas table in nav.go: the nav entry (label, path,
//     the action that makes it visible, icon) and the mount function. An area
//     with an empty Label has routes but no nav entry.
//  3. Put each page's template in templates/NAME.html defining "content"
//     (and optionally "title"); it is parsed with templates/layout.html and
//     the shared blocks in templates/_*.html. Render it with
//     h.render(w, r, a, http.StatusOK, "NAME.html", view{Title: ..., Page: data}).
//     Every form carries {{template "csrf" .}} (the layout's view has the token).
//     templates/_forms.html also has "alerts" (the flash and the error of the
//     view), "pager" (give it a pager from pageOf) and "avatar"; {{icon "name"}}
//     draws an icon of icons.go. Put helpers for one area in its own file.
//  4. After a POST, redirect with h.done(w, r, a, "/admin/...", "what happened")
//     so the next page shows a confirmation (a flash bound to the session).
//
// Helpers for browser tests (a role holder signed in to the console with a
// passkey, screenshots at desktop width and 390 px, forged form posts) are in
// internal/browsertest/console_helpers_test.go.
//
// Styles are static/console.css (on top of the sign-in pages' app.css); the
// only script is static/console.js, for progressive enhancement: every page
// works without it. The CSP allows nothing inline.
package console
