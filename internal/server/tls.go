package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
)

// certSource serves the certificate in a pair of PEM files and picks up a new
// one when the files change (a renewal by certbot or cert-manager), so a
// renewed certificate needs no restart. It looks at the files on every
// handshake: two stat calls cost nothing beside a handshake's signature.
type certSource struct {
	certFile, keyFile string
	log               *slog.Logger

	mu     sync.Mutex
	cert   *tls.Certificate
	loaded fileStamps // the files' stamps when cert was read from them
	warned string     // the last problem logged, so that it is logged once, not per handshake
}

// fileStamps tells whether a certificate file or its key has changed: another
// file (renamed over it, or a symbolic link switched, as renewals do), another
// modification time or another size.
type fileStamps struct{ cert, key os.FileInfo }

func stampFiles(certFile, keyFile string) (fileStamps, error) {
	c, err := os.Stat(certFile)
	if err != nil {
		return fileStamps{}, err
	}
	k, err := os.Stat(keyFile)
	if err != nil {
		return fileStamps{}, err
	}
	return fileStamps{cert: c, key: k}, nil
}

func (a fileStamps) same(b fileStamps) bool {
	same := func(x, y os.FileInfo) bool {
		return x != nil && y != nil && os.SameFile(x, y) && x.ModTime().Equal(y.ModTime()) && x.Size() == y.Size()
	}
	return same(a.cert, b.cert) && same(a.key, b.key)
}

// newCertSource reads the pair once, so that a wrong path or a key that does
// not match its certificate stops firstkey at start-up with the reason.
func newCertSource(certFile, keyFile string, log *slog.Logger) (*certSource, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("TLS needs both a certificate file (--tls-cert) and its private key file (--tls-key)")
	}
	s := &certSource{certFile: certFile, keyFile: keyFile, log: log}
	stamps, err := stampFiles(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s with key %s: %w", certFile, keyFile, err)
	}
	s.cert, s.loaded = &cert, stamps
	return s, nil
}

// GetCertificate is tls.Config.GetCertificate. While a renewal is half written
// (a new certificate beside the old key) the pair does not load: the last good
// certificate keeps being served and the next handshake tries again.
func (s *certSource) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	stamps, err := stampFiles(s.certFile, s.keyFile)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && stamps.same(s.loaded) {
		return s.cert, nil
	}
	var cert tls.Certificate
	if err == nil {
		cert, err = tls.LoadX509KeyPair(s.certFile, s.keyFile)
	}
	if err != nil {
		if msg := err.Error(); msg != s.warned {
			s.warned = msg
			s.log.Warn("TLS certificate files changed but do not load; serving the certificate loaded before",
				"cert_file", s.certFile, "key_file", s.keyFile, "err", err)
		}
		return s.cert, nil
	}
	s.cert, s.loaded, s.warned = &cert, stamps, ""
	s.log.Info("TLS certificate reloaded", "cert_file", s.certFile, "not_after", cert.Leaf.NotAfter.UTC())
	return s.cert, nil
}

// tlsConfig is the server side of TLS: TLS 1.2 or later, Go's default cipher
// suites, and the certificate from the files.
func (s *certSource) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: s.GetCertificate}
}
