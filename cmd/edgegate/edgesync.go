package main

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/internal/syncseal"
)

// Split mode security on the edge side (issue 14): the edge credential,
// the pinned control-plane certificate, opening the sealed document, and
// the rule that a revision never goes backwards.

// edgeCredentialsFile is the default --credentials file in the data
// directory: CreateEdgeCredential's Result, {"SecretId": ..., "SecretKey": ...}.
const edgeCredentialsFile = "edge-credentials.json"

// edgeCredentials returns the credential the edge signs EdgeSync with:
// EDGEGATE_SECRET_ID/EDGEGATE_SECRET_KEY, else the --credentials file (by
// default DATA/edge-credentials.json), else the admin's own credentials
// file copied into DATA (full rights: warned).
func edgeCredentials(data, file string, log *slog.Logger) (id, key string, err error) {
	id, key = os.Getenv("EDGEGATE_SECRET_ID"), os.Getenv("EDGEGATE_SECRET_KEY")
	if id != "" && key != "" {
		return id, key, nil
	}
	explicit := file != ""
	if !explicit {
		file = filepath.Join(data, edgeCredentialsFile)
	}
	b, err := os.ReadFile(file)
	if err == nil {
		var d struct{ SecretId, SecretKey string }
		if json.Unmarshal(b, &d) != nil || d.SecretId == "" || d.SecretKey == "" {
			return "", "", fmt.Errorf("%s is damaged (want CreateEdgeCredential's Result: {\"SecretId\": ..., \"SecretKey\": ...})", file)
		}
		return d.SecretId, d.SecretKey, nil
	}
	if explicit || !errors.Is(err, os.ErrNotExist) {
		return "", "", err
	}
	if id, key, err = admin.ReadCredentials(data); err != nil {
		return "", "", fmt.Errorf("create one with `edgegate ctl CreateEdgeCredential` and save its Result as %s (or set EDGEGATE_SECRET_ID/EDGEGATE_SECRET_KEY): %w", file, err)
	}
	log.Warn("edge: signing EdgeSync with the admin's credentials (every Action allowed); use an edge credential (CreateEdgeCredential, --credentials)", "file", filepath.Join(data, admin.CredentialsFile))
	return id, key, nil
}

// controlClients returns one signed client per --control URL (a
// comma-separated list: the primary admin first, then standbys); the edge
// moves to the next when a call fails.
func controlClients(control, caFile, pins string, id, key string) ([]*tcapi.Client, error) {
	hc, err := controlHTTPClient(caFile, pins)
	if err != nil {
		return nil, fmt.Errorf("--control-ca/--control-pin: %w", err)
	}
	var out []*tcapi.Client
	for _, u := range strings.Split(control, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if pins != "" && !strings.HasPrefix(u, "https://") {
			return nil, fmt.Errorf("--control-pin needs https:// control URLs, not %s", u)
		}
		out = append(out, &tcapi.Client{Endpoint: u, SecretId: id, SecretKey: key, Region: defaultRegion, Version: "2018-08-08", Service: "apigateway", HTTP: hc})
	}
	if len(out) == 0 {
		return nil, errors.New("--control names no URL")
	}
	return out, nil
}

// controlHTTPClient is the HTTP client that calls an admin. For an https
// endpoint it verifies the admin's certificate against caFile's PEM
// certificates (the system's roots when empty). pins, when set, is a
// comma-separated list of "sha256/BASE64" SHA-256 hashes of a
// SubjectPublicKeyInfo (the HPKP form, RFC 7469 section 2.4): the
// connection is refused unless the admin's leaf certificate has one of
// them — or, with caFile, unless one of them is in the verified chain.
// Without caFile a pin replaces the name and chain check (the pin is the
// trust: a self-signed admin certificate works).
func controlHTTPClient(caFile, pins string) (*http.Client, error) {
	if caFile == "" && pins == "" {
		return nil, nil // http.DefaultClient: system roots
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate in it", caFile)
		}
		cfg.RootCAs = pool
	}
	if pins != "" {
		want, err := parsePins(pins)
		if err != nil {
			return nil, err
		}
		cfg.InsecureSkipVerify = caFile == "" // the pin replaces the chain check
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			certs := cs.PeerCertificates[:min(1, len(cs.PeerCertificates))]
			if caFile != "" {
				certs = nil
				for _, chain := range cs.VerifiedChains {
					certs = append(certs, chain...)
				}
			}
			for _, c := range certs {
				if want[spkiPin(c)] {
					return nil
				}
			}
			return errors.New("the admin's certificate matches no --control-pin")
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr}, nil
}

// spkiPin is "sha256/" + base64 of the SHA-256 of c's SubjectPublicKeyInfo.
func spkiPin(c *x509.Certificate) string {
	h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return "sha256/" + base64.StdEncoding.EncodeToString(h[:])
}

func parsePins(s string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(p, "sha256/"))
		if !strings.HasPrefix(p, "sha256/") || err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("--control-pin %q: want sha256/ and the base64 of a 32-byte SHA-256 (see README \"Securing the split\")", p)
		}
		out[p] = true
	}
	return out, nil
}

// syncAnswer is EdgeSync's Response.
type syncAnswer struct {
	Revision        uint64 `json:"Revision"`
	SealedPublished string `json:"SealedPublished"`
}

// errBackwards: the admin offers a revision below the edge's own.
var errBackwards = errors.New("the admin offers an older revision than this edge has; keeping the newer one")

// openSync returns the Published document an EdgeSync answer carries for
// an edge at revision have: nil when there is nothing new, errBackwards
// for an older revision (a stale or restored admin, or a replay: never
// applied), an error when the document does not open with key.
func openSync(raw json.RawMessage, have uint64, key string) (uint64, json.RawMessage, error) {
	var a syncAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return 0, nil, fmt.Errorf("EdgeSync answer: %w", err)
	}
	switch {
	case a.Revision == have || a.SealedPublished == "":
		return a.Revision, nil, nil
	case a.Revision < have:
		return a.Revision, nil, fmt.Errorf("%w (admin %d, edge %d)", errBackwards, a.Revision, have)
	}
	doc, err := syncseal.Open(key, a.Revision, a.SealedPublished)
	if err != nil {
		return a.Revision, nil, fmt.Errorf("revision %d: %w", a.Revision, err)
	}
	return a.Revision, doc, nil
}
