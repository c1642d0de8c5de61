package cli

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/smtp"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/server"
)

// Levels of a doctor finding.
const (
	levelOK   = "OK"
	levelWarn = "WARN"
	levelFail = "FAIL"
)

// finding is one thing doctor checked: how it stands, what is wrong and how
// to put it right.
type finding struct {
	Level   string `json:"level"`
	Check   string `json:"check"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

type doctorReport struct{ Findings []finding }

func (d *doctorReport) add(level, check, msg, fix string) {
	d.Findings = append(d.Findings, finding{Level: level, Check: check, Message: msg, Fix: fix})
}

func (d *doctorReport) failures() int {
	n := 0
	for _, f := range d.Findings {
		if f.Level == levelFail {
			n++
		}
	}
	return n
}

func newDoctorCmd(g *globals) *cobra.Command {
	sf := newServeFlags()
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check the configuration serve would run with, and say how to fix what is wrong",
		Long: `Check the configuration that 'firstkey serve' would run with (the same flags and
FIRSTKEY_* environment): the issuer, the database (reachable, its migrations, its
clock), the master key, the trusted proxies and the SMTP server. Nothing is
changed: no migration runs, no mail is sent.

Each finding is OK, WARN or FAIL, with the fix for the last two. The exit status
is 1 when any finding is FAIL.`,
		Example: "  firstkey doctor --listen 0.0.0.0:8080 --issuer https://id.example.com --database postgres://firstkey@db/firstkey",
		Args:    cobra.NoArgs,
	}
	sf.register(c)
	c.RunE = g.run(func(cmd *cobra.Command, _ []string) error { return g.doctor(cmd.Context(), sf) })
	return c
}

func (g *globals) doctor(ctx context.Context, sf *serveFlags) error {
	cfg := g.config(sf.issuer)
	cfg.Listen = sf.listen
	if err := sf.o.apply(&cfg); err != nil {
		return err
	}
	d := &doctorReport{}
	checkIssuer(d, cfg, sf.listen)
	state, dbErr := server.InspectDatabase(ctx, cfg)
	checkDatabase(d, state, dbErr)
	checkClock(d, state, dbErr)
	checkMasterKey(ctx, d, cfg, state, dbErr)
	checkProxies(d, cfg)
	checkSMTP(ctx, d, cfg.Delivery.SMTPURL)
	if err := g.printDoctor(d); err != nil {
		return err
	}
	if n := d.failures(); n > 0 {
		return fmt.Errorf("doctor found %d problem(s) that keep firstkey from working as configured", n)
	}
	return nil
}

func (g *globals) printDoctor(d *doctorReport) error {
	if g.output == "json" {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"findings": d.Findings, "ok": d.failures() == 0})
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	for _, f := range d.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Level, f.Check, f.Message)
		if f.Fix != "" {
			fmt.Fprintf(tw, "\t\tfix: %s\n", f.Fix)
		}
	}
	return tw.Flush()
}

// loopbackHost says whether host names this machine only.
func loopbackHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkIssuer(d *doctorReport, cfg server.Config, listen string) {
	issuer := cfg.PublicIssuer()
	if err := server.CheckIssuer(issuer); err != nil {
		d.add(levelFail, "issuer", err.Error(), "--issuer https://<the host name people use> (env FIRSTKEY_ISSUER)")
		return
	}
	u, _ := url.Parse(issuer)
	host := u.Hostname()
	listenHost, listenPort, _ := net.SplitHostPort(listen)
	proxied := len(cfg.TrustedProxies) > 0
	tlsHere := cfg.TLSCertFile != "" || cfg.TLSKeyFile != ""
	production := !loopbackHost(listenHost) || proxied || strings.HasPrefix(cfg.DatabaseURL, "postgres")
	problems := 0
	switch {
	case u.Scheme != "https" && proxied:
		d.add(levelFail, "issuer", fmt.Sprintf("firstkey is behind a proxy (--trusted-proxy) but the issuer %s is http: browsers reach the proxy over https, and tokens, redirects and passkeys must name that URL", issuer),
			"--issuer https://"+u.Host+" (the proxy's public URL)")
		problems++
	case u.Scheme != "https" && !loopbackHost(host):
		d.add(levelFail, "issuer", fmt.Sprintf("the issuer %s is http on a host other than this machine: browsers allow passkeys only over https (localhost aside), and passes, tokens and session cookies would cross the network in clear", issuer),
			"--issuer https://"+u.Host+", and serve TLS with --tls-cert/--tls-key or behind a TLS-terminating proxy (--trusted-proxy)")
		problems++
	case tlsHere && u.Scheme != "https":
		d.add(levelFail, "issuer", "firstkey serves HTTPS (--tls-cert) but the issuer "+issuer+" is http", "--issuer https://"+u.Host)
		problems++
	}
	if loopbackHost(host) && production {
		d.add(levelWarn, "issuer", fmt.Sprintf("the issuer %s names this machine only, yet firstkey listens on %s or runs behind a proxy or on PostgreSQL: nobody on another machine can sign in", issuer, listen),
			"--issuer https://<the host name people use>")
		problems++
	} else if !loopbackHost(host) && !strings.Contains(host, ".") {
		d.add(levelWarn, "issuer", "the issuer's host "+host+" is a single-label name: it resolves only inside some networks, and passkeys registered for it cannot move to a real domain later",
			"--issuer https://<a fully qualified host name, such as id.example.com>")
		problems++
	}
	issuerPort := u.Port()
	if issuerPort == "" {
		issuerPort = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	if !proxied && listenPort != "" && listenPort != "0" && issuerPort != listenPort {
		d.add(levelWarn, "issuer", fmt.Sprintf("the issuer's port %s is not the port firstkey listens on (%s), and no proxy is declared: unless a port mapping forwards it, every link and redirect points nowhere", issuerPort, listenPort),
			fmt.Sprintf("--issuer %s://%s, or --listen :%s, or --trusted-proxy <the proxy in front>", u.Scheme, net.JoinHostPort(host, listenPort), issuerPort))
		problems++
	}
	if !proxied && !tlsHere && u.Scheme == "https" {
		d.add(levelWarn, "issuer", "the issuer is https but firstkey serves plain http and trusts no proxy: whatever terminates TLS in front is not declared, so the client addresses in logs, lock-outs and rate limits are the proxy's",
			"--trusted-proxy <the proxy's address or subnet>, or --tls-cert and --tls-key to serve HTTPS here")
		problems++
	}
	if problems == 0 {
		d.add(levelOK, "issuer", issuer+": its host, scheme and port agree with how firstkey is served", "")
	}
}

func checkDatabase(d *doctorReport, st server.DatabaseState, err error) {
	if err != nil {
		d.add(levelFail, "database", "cannot reach the database: "+err.Error(),
			"check --database (env FIRSTKEY_DATABASE), that the server runs and accepts this user; for PostgreSQL: psql \"<the URL>\" -c 'SELECT 1'")
		return
	}
	latest := "none"
	if len(st.Known) > 0 {
		latest = st.Known[len(st.Known)-1]
	}
	current := "none"
	if len(st.Applied) > 0 {
		current = st.Applied[len(st.Applied)-1]
	}
	switch unknown := st.Unknown(); {
	case st.Missing:
		d.add(levelOK, "database", "there is no SQLite database at "+st.Where+" yet: serve creates it on first start", "")
	case len(unknown) > 0:
		d.add(levelFail, "database", fmt.Sprintf("the database (%s) was migrated by a newer firstkey: it has %s, which this version does not know", st.Where, strings.Join(unknown, ", ")),
			"run the firstkey version that migrated it (or newer); never an older one")
	case len(st.Applied) == 0:
		d.add(levelWarn, "database", "the database "+st.Where+" is reachable but empty: this is a new directory", "firstkey serve (or firstkey init) creates the schema and the first administrator")
	case st.Pending() > 0:
		d.add(levelWarn, "database", fmt.Sprintf("the schema is at %s; this version's latest is %s (%d migration(s) pending)", current, latest, st.Pending()),
			"take a backup, then start firstkey serve: it applies pending migrations on start")
	default:
		d.add(levelOK, "database", fmt.Sprintf("%s database %s reachable, schema at the latest migration %s", st.Kind, st.Where, current), "")
	}
}

// Clock skew between firstkey and PostgreSQL beyond which doctor warns, and
// fails: tokens, passes and lock-outs compare times that different machines
// wrote.
const (
	skewWarn = 2 * time.Second
	skewFail = 30 * time.Second
)

func checkClock(d *doctorReport, st server.DatabaseState, err error) {
	switch {
	case err != nil:
		d.add(levelWarn, "clock", "not checked: the database could not be reached", "")
		return
	case st.Kind == "sqlite":
		d.add(levelOK, "clock", "SQLite has no server clock to compare with; keep this machine's clock synchronised (NTP)", "")
		return
	}
	skew := st.ServerTime.Sub(st.LocalTime)
	if skew < 0 {
		skew = -skew
	}
	skew = skew.Round(time.Millisecond)
	fix := "synchronise the clocks of this host and the database server with NTP (timedatectl set-ntp true)"
	switch {
	case skew > skewFail:
		d.add(levelFail, "clock", fmt.Sprintf("this machine's clock is %s off the database's: tokens and passes would start or end at the wrong time, and replicas disagree", skew), fix)
	case skew > skewWarn:
		d.add(levelWarn, "clock", fmt.Sprintf("this machine's clock is %s off the database's", skew), fix)
	default:
		d.add(levelOK, "clock", fmt.Sprintf("within %s of the database's clock (round trip %s)", skew, st.RoundTrip.Round(time.Millisecond)), "")
	}
}

func checkMasterKey(ctx context.Context, d *doctorReport, cfg server.Config, st server.DatabaseState, dbErr error) {
	var key []byte
	var err error
	source := "FIRSTKEY_MASTER_KEY"
	if cfg.MasterKey != "" {
		if key, err = seal.ParseKey(cfg.MasterKey); err != nil {
			d.add(levelFail, "master key", "FIRSTKEY_MASTER_KEY: "+err.Error(), "export FIRSTKEY_MASTER_KEY=\"$(openssl rand -base64 32)\" for a new directory, or the key this database was initialised with")
			return
		}
	} else {
		path := cfg.MasterKeyFile
		if path == "" {
			path = filepath.Join(cfg.DataDir, "master.key")
		}
		source = path
		if key, err = readMasterKeyFile(d, path, st, dbErr); key == nil || err != nil {
			return
		}
	}
	if dbErr != nil || st.Missing || len(st.Applied) == 0 || st.Pending() > 0 || len(st.Unknown()) > 0 {
		d.add(levelOK, "master key", fmt.Sprintf("a %d-byte key from %s; not compared with the database, which is not at this version's schema", len(key), source), "")
		return
	}
	switch err := server.VerifyMasterKey(ctx, cfg, key); {
	case errors.Is(err, seal.ErrKeyMismatch):
		d.add(levelFail, "master key", "the key from "+source+" is not the one the database was initialised with: its sealed signing keys and delivery secrets cannot be opened",
			"give the original key (--master-key-file or FIRSTKEY_MASTER_KEY); if it is lost, the directory's signing keys must be replaced")
	case errors.Is(err, seal.ErrNoKeyCheck):
		d.add(levelOK, "master key", "a valid key from "+source+"; the database has not seen a master key yet", "")
	case err != nil:
		d.add(levelWarn, "master key", "a valid key from "+source+", but it could not be compared with the database: "+err.Error(), "")
	default:
		d.add(levelOK, "master key", "the key from "+source+" matches the database", "")
	}
}

// readMasterKeyFile checks the key file and returns the key, or nil after
// adding a finding that says why not.
func readMasterKeyFile(d *doctorReport, path string, st server.DatabaseState, dbErr error) ([]byte, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if dbErr == nil && len(st.Applied) > 0 {
			d.add(levelFail, "master key", "there is no master key at "+path+", but the database already holds a directory sealed with one",
				"restore the key file to "+path+" (mode 0600), or point --master-key-file or FIRSTKEY_MASTER_KEY at it")
			return nil, nil
		}
		d.add(levelOK, "master key", "no key at "+path+" yet: serve creates one there on first start; back it up", "")
		return nil, nil
	}
	if err != nil {
		d.add(levelFail, "master key", "cannot read "+path+": "+err.Error(), "run firstkey as the user that owns "+path)
		return nil, err
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		d.add(levelFail, "master key", fmt.Sprintf("%s is readable by others (mode %04o): whoever reads it can open every sealed secret", path, mode), "chmod 600 "+path)
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		d.add(levelFail, "master key", "cannot read "+path+": "+err.Error(), "run firstkey as the user that owns "+path+" (chown it to that user)")
		return nil, err
	}
	key, err := seal.ParseKey(string(raw))
	if err != nil {
		d.add(levelFail, "master key", path+": "+err.Error(), "restore the key this database was initialised with; for a new directory: openssl rand -base64 32 > "+path+" && chmod 600 "+path)
		return nil, err
	}
	return key, nil
}

func checkProxies(d *doctorReport, cfg server.Config) {
	if len(cfg.TrustedProxies) == 0 {
		d.add(levelOK, "trusted proxies", "none: client addresses are the connections' own (right unless a proxy or load balancer is in front)", "")
		return
	}
	var names []string
	problems := 0
	for _, p := range cfg.TrustedProxies {
		names = append(names, p.String())
		wide := (p.Addr().Is4() && p.Bits() < 8) || (p.Addr().Is6() && !p.Addr().Is4In6() && p.Bits() < 16)
		switch {
		case p.Bits() == 0:
			d.add(levelFail, "trusted proxies", p.String()+" trusts every client to name its own address in X-Forwarded-For: anyone escapes lock-outs and rate limits and writes any address into the sign-in log",
				"--trusted-proxy <the proxy's own address or subnet> (env FIRSTKEY_TRUSTED_PROXIES)")
			problems++
		case wide:
			d.add(levelWarn, "trusted proxies", p.String()+" is a very wide range to trust as proxies", "--trusted-proxy <the proxy's own address or subnet>")
			problems++
		}
	}
	if problems == 0 {
		d.add(levelOK, "trusted proxies", strings.Join(names, ", "), "")
	}
}

// smtpTimeout bounds doctor's whole conversation with the SMTP server.
const smtpTimeout = 10 * time.Second

func checkSMTP(ctx context.Context, d *doctorReport, raw string) {
	if raw == "" {
		d.add(levelOK, "smtp", "not configured: passes can only be shown to whoever issues them, and users are not notified", "")
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		d.add(levelFail, "smtp", "--smtp-url is not smtp://host:port or smtps://host:port", "--smtp-url smtp://user:password@mail.example.com:587")
		return
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"smtp": "587", "smtps": "465"}[u.Scheme]
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	greeting, tlsOffered, err := probeSMTP(ctx, u.Scheme == "smtps", u.Hostname(), addr)
	if err != nil {
		d.add(levelFail, "smtp", "the SMTP server "+addr+" does not answer: "+err.Error(),
			"check the host and port of --smtp-url (env FIRSTKEY_SMTP_URL) and that this machine may connect to it")
		return
	}
	_, hasPassword := u.User.Password()
	if u.Scheme == "smtp" && !tlsOffered && hasPassword {
		d.add(levelWarn, "smtp", addr+" answered but offers no STARTTLS: the password and every pass would cross the network in clear", "--smtp-url smtps://…:465, or enable STARTTLS on the mail server")
		return
	}
	d.add(levelOK, "smtp", addr+" answered EHLO ("+greeting+"); no mail was sent", "")
}

// probeSMTP connects, says EHLO and quits, reporting whether STARTTLS is offered.
func probeSMTP(ctx context.Context, implicitTLS bool, host, addr string) (string, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, smtpTimeout)
	defer cancel()
	var conn net.Conn
	var err error
	if implicitTLS {
		conn, err = (&tls.Dialer{Config: &tls.Config{ServerName: host}}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return "", false, err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return "", false, fmt.Errorf("greeting: %w", err)
	}
	if err := c.Hello("firstkey-doctor"); err != nil {
		return "", false, fmt.Errorf("EHLO: %w", err)
	}
	tlsOffered, _ := c.Extension("STARTTLS")
	_ = c.Quit()
	greeting := "plain"
	if implicitTLS {
		greeting = "TLS"
	} else if tlsOffered {
		greeting = "STARTTLS offered"
	}
	return greeting, tlsOffered, nil
}
