package admin

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/tlsterm"
)

// Certificates. The seed's CertificateId names a certificate of Tencent's
// SSL service; Edgegate holds its own: UploadCertificate, DescribeCertificates,
// DescribeCertificate, ReplaceCertificate, ModifyCertificate and
// DeleteCertificate (Edgegate Actions; SDK v1.0.162's apigateway has none).
// Inputs use the Tencent SSL service's spellings (UploadCertificate:
// CertificatePublicKey, CertificatePrivateKey, Alias); the answers carry
// the Huawei seed's certificate fields in CamelCase (CommonName, Sans,
// NotBefore, NotAfter, SignatureAlgorithm, Issuer).
//
// An upload or replacement is validated by tlsterm.ParseKeyPair at the
// current time: the chain in order (each certificate signed by the next),
// the key matching the leaf, every certificate valid now, the leaf naming
// at least one DNS name. Its codes map to the seed's:
//
//	CertificateMissing, CertificateMalformed, CertificateNoNames  FailedOperation.CertificateIdInfoError
//	KeyMissing, KeyMalformed, KeyUnsupported                      InvalidParameterValue.InvalidPrivateKey
//	KeyMismatch, ChainInvalid, CertificateNotYetValid             FailedOperation.CertificateIdVerifyFail
//	CertificateExpired                                            FailedOperation.CertificateIdExpired
//
// The private key is stored sealed under --secret-key-file like the API
// key secrets (secrets.go; its store key cert:<id> is the additional
// data), goes to the edge only inside the published value, and is never
// answered nor logged.

const certPrefix = "cert:"

func certKey(id string) string { return certPrefix + id }

// certRecord is a stored certificate.
type certRecord struct {
	CertificateId string `json:"CertificateId"`
	Alias         string `json:"Alias"`
	// Chain is the PEM chain, leaf first, re-encoded from what parsed.
	Chain string `json:"Chain"`
	// Secret is the PKCS #8 PEM private key, sealed (secrets.go); empty
	// for a CA certificate.
	Secret    string `json:"Secret"`
	IsDefault bool   `json:"IsDefault,omitempty"`
	// CertificateType is SVR (empty in records from before it existed),
	// CA or CLIENT (backendcerts.go).
	CertificateType string `json:"CertificateType,omitempty"`
	// OcspStaple is the DER OCSP response stapled with it (SVR).
	OcspStaple []byte `json:"OcspStaple,omitempty"`
	certFacts
	stamps
}

// certFacts are what the chain says, kept for the answers and the expiry
// warning.
type certFacts struct {
	CommonName         string   `json:"CommonName"`
	Sans               []string `json:"Sans"`
	NotBefore          string   `json:"NotBefore"`
	NotAfter           string   `json:"NotAfter"` // the earliest expiry in the chain
	SignatureAlgorithm string   `json:"SignatureAlgorithm"`
	Issuer             string   `json:"Issuer"`
	KeyType            string   `json:"KeyType"`
}

const (
	errCertID      = "FailedOperation.CertificateIdError"
	errCertBind    = "FailedOperation.CertificateIdBindError"
	errCertExpired = "FailedOperation.CertificateIdExpired"
	errCertInfo    = "FailedOperation.CertificateIdInfoError"
	errCertVerify  = "FailedOperation.CertificateIdVerifyFail"
	errBadStaple   = "InvalidParameterValue.InvalidOcspStaple"
	errBadKey      = "InvalidParameterValue.InvalidPrivateKey"
)

func (c *certRecord) certType() string { return or(c.CertificateType, model.CertServer) }

var certificates = kind[certRecord]{prefix: certPrefix, field: "CertificateId", notFound: errCertID,
	what: "certificate", id: func(c *certRecord) string { return c.CertificateId }}

// certCodes maps tlsterm.ParseKeyPair's codes to the Action codes.
var certCodes = map[string]string{
	tlsterm.CodeCertificateMissing:   errCertInfo,
	tlsterm.CodeCertificateMalformed: errCertInfo,
	tlsterm.CodeNoNames:              errCertInfo,
	tlsterm.CodeKeyMissing:           errBadKey,
	tlsterm.CodeKeyMalformed:         errBadKey,
	tlsterm.CodeKeyUnsupported:       errBadKey,
	tlsterm.CodeKeyMismatch:          errCertVerify,
	tlsterm.CodeChainInvalid:         errCertVerify,
	tlsterm.CodeCertificateNotYet:    errCertVerify,
	tlsterm.CodeCertificateExpired:   errCertExpired,
}

// certPEMs are an upload's certificate: its type (the Tencent SSL
// service's CertificateType: SVR, the default, or CA; Edgegate adds
// CLIENT), its PEM (a chain, or a CA bundle), the key (none for CA) and an
// optional OCSP staple (base64 DER, SVR only).
type certPEMs struct {
	CertificatePublicKey  string `tcapi:"required"`
	CertificatePrivateKey string
	CertificateType       string
	OcspStaple            string
}

// parsedCert is a validated upload, as stored: the chain re-encoded from
// what parsed, the clear PKCS #8 key (none for CA), the staple, the facts.
type parsedCert struct {
	typ, chain, key string
	staple          []byte
	facts           certFacts
}

// parse validates the upload as a certificate of type typ at now.
func (in *certPEMs) parse(now time.Time, typ string) (parsedCert, error) {
	p := parsedCert{typ: typ}
	if in.OcspStaple != "" && typ != model.CertServer {
		return p, tcapi.Errorf(errBadStaple, "an OcspStaple goes with an SVR certificate, not %s", typ)
	}
	if typ != model.CertCA && in.CertificatePrivateKey == "" {
		return p, tcapi.Errorf(errMissing, "CertificatePrivateKey is required for an %s certificate", typ)
	}
	var kp *tlsterm.KeyPair
	var err error
	switch typ {
	case model.CertCA:
		if in.CertificatePrivateKey != "" {
			return p, tcapi.Errorf(errBadKey, "%v", errNoKeyForCA)
		}
		p.chain, p.facts, err = parseCABundle(in.CertificatePublicKey, now)
		return p, err
	case model.CertClient:
		kp, err = in.parseClient(now)
	default:
		kp, err = tlsterm.ParseKeyPair([]byte(in.CertificatePublicKey), []byte(in.CertificatePrivateKey), tlsterm.VerifyOptions{Now: now})
		err = certError(err)
	}
	if err != nil {
		return p, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(kp.Cert.PrivateKey)
	if err != nil {
		return p, tcapi.Errorf(errBadKey, "private key: %v", err)
	}
	var b strings.Builder
	for _, c := range kp.Cert.Certificate {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c})
	}
	leaf := kp.Cert.Leaf
	sans := make([]string, len(kp.Names))
	for i, n := range kp.Names {
		sans[i] = strings.ToLower(n)
	}
	p.facts = certFacts{CommonName: leaf.Subject.CommonName, Sans: sans, NotBefore: isoTime(leaf.NotBefore),
		NotAfter: isoTime(kp.NotAfter), SignatureAlgorithm: leaf.SignatureAlgorithm.String(),
		Issuer: leaf.Issuer.String(), KeyType: kp.KeyType}
	p.chain, p.key = b.String(), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if in.OcspStaple != "" {
		if p.staple, err = checkOCSP(in.OcspStaple, p.chain, now); err != nil {
			return p, err
		}
	}
	return p, nil
}

// store puts what parsed into c, the key sealed.
func (a *Admin) store(c *certRecord, p parsedCert) {
	c.Chain, c.certFacts, c.OcspStaple = p.chain, p.facts, p.staple
	c.CertificateType = p.typ
	c.Secret = ""
	if p.key != "" {
		c.Secret = a.sealSecret(certKey(c.CertificateId), p.key)
	}
}

// covers: one of the certificate's DNS names is host, or a wildcard
// standing for host's first label (RFC 6125 6.4.3, the form browsers
// accept: "*." and one whole label).
func (f *certFacts) covers(host string) bool {
	for _, n := range f.Sans {
		if n == host {
			return true
		}
		if rest, ok := strings.CutPrefix(n, "*."); ok {
			if _, after, ok := strings.Cut(host, "."); ok && after == rest {
				return true
			}
		}
	}
	return false
}

func (f *certFacts) notAfter() time.Time {
	t, _ := time.Parse(time.RFC3339, f.NotAfter)
	return t
}

// domainCertificate returns the certificate a domain with https is served
// with: id when given, else the default certificate when it covers the
// domain. Either must exist, be unexpired and cover the domain.
func (a *Admin) domainCertificate(tx *buntdb.Tx, id, host string) (string, error) {
	var c certRecord
	if id == "" {
		all, err := certificates.all(tx)
		if err != nil {
			return "", err
		}
		i := slices.IndexFunc(all, func(c certRecord) bool { return c.IsDefault })
		if i < 0 || !all[i].covers(host) {
			return "", tcapi.Errorf("FailedOperation.CertificateIsNull", "Protocol with https needs a CertificateId: no default certificate covers %s (UploadCertificate first)", host)
		}
		c = all[i]
	} else {
		var err error
		if c, err = certificates.get(tx, id); err != nil {
			return "", err
		}
		if c.certType() != model.CertServer {
			return "", tcapi.Errorf(errCertBind, "certificate %s is of type %s; a domain is served with an SVR certificate", id, c.certType())
		}
	}
	if a.opts.Now().After(c.notAfter()) {
		return "", tcapi.Errorf(errCertExpired, "certificate %s expired %s; ReplaceCertificate with a renewed one", c.CertificateId, c.NotAfter)
	}
	if !c.covers(host) {
		return "", tcapi.Errorf(errCertBind, "certificate %s (%s) does not cover %s", c.CertificateId, strings.Join(c.Sans, ", "), host)
	}
	return c.CertificateId, nil
}

// certificateInfo describes a certificate; the private key is never in it.
// BindDomains are the custom domains served with it.
type certificateInfo struct {
	CertificateId, Alias string
	CertificateType      string
	certFacts
	IsDefault                 bool
	BindDomains               []string
	CreatedTime, ModifiedTime string
}

// certificateDetail is DescribeCertificate's answer: the info and the PEM
// chain (public).
type certificateDetail struct {
	certificateInfo
	CertificatePublicKey string
}

func certInfo(c certRecord, domains []string) certificateInfo {
	f := c.certFacts
	f.Sans = orEmpty(f.Sans)
	return certificateInfo{CertificateId: c.CertificateId, Alias: c.Alias, CertificateType: c.certType(), certFacts: f,
		IsDefault: c.IsDefault, BindDomains: orEmpty(domains), CreatedTime: c.CreatedTime, ModifiedTime: c.ModifiedTime}
}

// certDomains maps certificate ids to the domains bound with them.
func certDomains(tx *buntdb.Tx) (map[string][]string, error) {
	doms, err := scan[domainRecord](tx, domainPrefix)
	m := map[string][]string{}
	for _, d := range doms {
		if d.CertificateId != "" {
			m[d.CertificateId] = append(m[d.CertificateId], d.SubDomain)
		}
	}
	return m, err
}

// setDefault makes c the only default certificate when it is one.
func setDefault(tx *buntdb.Tx, c *certRecord) error {
	if !c.IsDefault {
		return nil
	}
	all, err := certificates.all(tx)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.IsDefault && o.CertificateId != c.CertificateId {
			o.IsDefault = false
			if err := certificates.put(tx, &o); err != nil {
				return err
			}
		}
	}
	return nil
}

type uploadCertificateReq struct {
	certPEMs
	Alias     string `tcapi:"required"`
	IsDefault bool
}

func (in *uploadCertificateReq) Check() error { return checkName("Alias", in.Alias, 50) }

// checkDefault refuses IsDefault on a certificate that is not served.
func checkDefault(typ string, isDefault bool) error {
	if isDefault && typ != model.CertServer {
		return tcapi.Errorf(errCertBind, "IsDefault: a %s certificate is not served to clients; only SVR certificates can be the default", typ)
	}
	return nil
}

// UploadCertificate stores a validated certificate and its key. IsDefault
// makes it the default certificate (the former one stops being it): the
// edge serves it for the default domains and for clients whose SNI names
// no bound domain.
func (a *Admin) uploadCertificate(_ context.Context, in *uploadCertificateReq) (*result[certificateInfo], error) {
	typ, err := certType(in.CertificateType)
	if err != nil {
		return nil, err
	}
	if err := checkDefault(typ, in.IsDefault); err != nil {
		return nil, err
	}
	parsed, err := in.parse(a.opts.Now(), typ)
	if err != nil {
		return nil, err
	}
	c := certRecord{CertificateId: newID("cert-"), Alias: in.Alias, IsDefault: in.IsDefault, stamps: a.stamped()}
	a.store(&c, parsed)
	err = a.write(func(tx *buntdb.Tx) (bool, error) {
		l := limit{prefix: certPrefix, max: a.opts.Limits.Certificates, code: "LimitExceeded.CertificateCountLimitExceeded", what: "certificates"}
		if err := l.check(tx); err != nil {
			return false, err
		}
		if err := setDefault(tx, &c); err != nil {
			return false, err
		}
		// Only a default certificate reaches the edge before a domain uses it.
		return c.IsDefault, certificates.put(tx, &c)
	})
	return resultOf(certInfo(c, nil), err)
}

type certIDReq struct {
	CertificateId string `tcapi:"required"`
}

// certChangeReq names a certificate and its optional new Alias and
// IsDefault (ModifyCertificate; ReplaceCertificate adds the PEMs).
type certChangeReq struct {
	certIDReq
	Alias     *string
	IsDefault *bool
}

func (in *certChangeReq) Check() error {
	if in.Alias != nil {
		return checkName("Alias", *in.Alias, 50)
	}
	return nil
}

type replaceCertificateReq struct {
	certChangeReq
	certPEMs
}

// ReplaceCertificate renews a certificate under the same CertificateId
// and type (CertificateType, if given, must be the stored one): the
// domains bound with it are served with the new one from the next
// revision on, without a rebind (the edge swaps it for new handshakes),
// and the backends that name it use it for their next connections. The
// new certificate must cover every domain bound with the old one.
func (a *Admin) replaceCertificate(_ context.Context, in *replaceCertificateReq) (*result[certificateInfo], error) {
	if _, err := certType(in.CertificateType); err != nil {
		return nil, err
	}
	var info certificateInfo
	err := certificates.update(a, in.CertificateId, func(tx *buntdb.Tx, c *certRecord) (bool, error) {
		typ := c.certType()
		if in.CertificateType != "" && !strings.EqualFold(in.CertificateType, typ) {
			return false, tcapi.Errorf(errUnsupported, "certificate %s is of type %s; ReplaceCertificate keeps the type (upload a new certificate of type %s)", c.CertificateId, typ, strings.ToUpper(in.CertificateType))
		}
		parsed, err := in.parse(a.opts.Now(), typ)
		if err != nil {
			return false, err
		}
		used, err := certDomains(tx)
		if err != nil {
			return false, err
		}
		for _, d := range used[c.CertificateId] {
			if !parsed.facts.covers(d) {
				return false, tcapi.Errorf(errCertBind, "the new certificate (%s) does not cover %s, which is bound with %s", strings.Join(parsed.facts.Sans, ", "), d, c.CertificateId)
			}
		}
		apis, err := certAPIs(tx)
		if err != nil {
			return false, err
		}
		wasDefault := c.IsDefault
		a.store(c, parsed)
		if err := a.modifyCert(tx, c, in.Alias, in.IsDefault); err != nil {
			return false, err
		}
		info = certInfo(*c, used[c.CertificateId])
		return wasDefault || c.IsDefault || len(used[c.CertificateId]) > 0 || len(apis[c.CertificateId]) > 0, nil
	})
	return resultOf(info, err)
}

// modifyCert applies the optional Alias and IsDefault.
func (a *Admin) modifyCert(tx *buntdb.Tx, c *certRecord, alias *string, isDefault *bool) error {
	setIf(&c.Alias, alias)
	setIf(&c.IsDefault, isDefault)
	if err := checkDefault(c.certType(), c.IsDefault); err != nil {
		return err
	}
	c.ModifiedTime = a.now()
	return setDefault(tx, c)
}

// ModifyCertificate renames a certificate or sets or clears its default
// flag.
func (a *Admin) modifyCertificate(_ context.Context, in *certChangeReq) (*result[certificateInfo], error) {
	var info certificateInfo
	err := certificates.update(a, in.CertificateId, func(tx *buntdb.Tx, c *certRecord) (bool, error) {
		wasDefault := c.IsDefault
		if err := a.modifyCert(tx, c, in.Alias, in.IsDefault); err != nil {
			return false, err
		}
		used, err := certDomains(tx)
		info = certInfo(*c, used[c.CertificateId])
		return wasDefault != c.IsDefault, err
	})
	return resultOf(info, err)
}

// DeleteCertificate deletes a certificate no domain is bound with and no
// API's backend names, in its working copy or a released version
// (ResourceInUse otherwise: unbind or rebind the domains, or modify and
// release the APIs, first).
func (a *Admin) deleteCertificate(_ context.Context, in *certIDReq) (*result[bool], error) {
	return done(certificates.remove(a, in.CertificateId, func(tx *buntdb.Tx, c *certRecord) (bool, error) {
		used, err := certDomains(tx)
		if err != nil {
			return false, err
		}
		if d := used[c.CertificateId]; len(d) > 0 {
			return false, tcapi.Errorf("ResourceInUse", "certificate %s serves %s; unbind those domains or bind them with another certificate first", c.CertificateId, strings.Join(d, ", "))
		}
		apis, err := certAPIs(tx)
		if err != nil {
			return false, err
		}
		if d := apis[c.CertificateId]; len(d) > 0 {
			return false, tcapi.Errorf("ResourceInUse", "certificate %s is named by the backends of %s (in the APIs or their released versions); change those APIs and release them first", c.CertificateId, strings.Join(slices.Compact(slices.Sorted(slices.Values(d))), ", "))
		}
		return c.IsDefault, nil
	}))
}

func (a *Admin) describeCertificate(_ context.Context, in *certIDReq) (*result[certificateDetail], error) {
	var out certificateDetail
	err := a.db.View(func(tx *buntdb.Tx) error {
		c, err := certificates.get(tx, in.CertificateId)
		if err != nil {
			return err
		}
		used, err := certDomains(tx)
		out = certificateDetail{certInfo(c, used[c.CertificateId]), c.Chain}
		return err
	})
	return resultOf(out, err)
}

// certificateSet is DescribeCertificates' answer.
type certificateSet struct {
	TotalCount     int
	CertificateSet []certificateInfo
}

// DescribeCertificates lists certificates, the soonest to expire first
// (NotAfter is what a monitor watches). Filters: CertificateId, Alias
// (substring), Domain (substring of a DNS name or a bound domain).
func (a *Admin) describeCertificates(_ context.Context, in *listParams) (*result[certificateSet], error) {
	n, set, err := describeList(a, &in.pageParams, in.Filters, []string{"CertificateId", "Alias", "Domain"},
		func(tx *buntdb.Tx, fs filters) ([]certificateInfo, error) {
			all, err := certificates.all(tx)
			if err != nil {
				return nil, err
			}
			used, err := certDomains(tx)
			var set []certificateInfo
			for _, c := range all {
				d := used[c.CertificateId]
				if fs.match("CertificateId", c.CertificateId) && fs.matchSub("Alias", c.Alias) &&
					fs.matchSub("Domain", append(slices.Clone(c.Sans), d...)...) {
					set = append(set, certInfo(c, d))
				}
			}
			sort.SliceStable(set, func(i, j int) bool { return set[i].NotAfter < set[j].NotAfter })
			return set, err
		})
	return resultOf(certificateSet{n, set}, err)
}

// publishCertificates adds to what is published the certificates the
// bound domains use, the default one and those the released backends
// name, with their keys opened (a CA certificate has none).
func (a *Admin) publishCertificates(tx *buntdb.Tx, p *model.Published) error {
	want := backendRefs(p)
	for _, s := range p.Services {
		for _, d := range s.Domains {
			if d.CertificateId != "" {
				want[d.CertificateId] = true
			}
		}
	}
	all, err := certificates.all(tx)
	if err != nil {
		return err
	}
	for _, c := range all {
		if !want[c.CertificateId] && !c.IsDefault {
			continue
		}
		var key string
		if c.Secret != "" {
			var err error
			if key, err = a.openSecret(certKey(c.CertificateId), c.Secret); err != nil {
				return err
			}
		}
		p.Certificates = append(p.Certificates, model.Certificate{CertificateId: c.CertificateId, CertificateType: c.CertificateType,
			CertificatePEM: c.Chain, PrivateKeyPEM: key, Default: c.IsDefault, OcspStaple: c.OcspStaple})
	}
	return nil
}

// CertificateExpiry is when a stored certificate expires (for metrics).
type CertificateExpiry struct {
	CertificateId, Alias string
	NotAfter             time.Time
}

// CertificateExpiries lists every stored certificate's expiry (the
// earliest in its chain), soonest first.
func (a *Admin) CertificateExpiries() ([]CertificateExpiry, error) {
	var out []CertificateExpiry
	err := a.db.View(func(tx *buntdb.Tx) error {
		all, err := certificates.all(tx)
		for _, c := range all {
			out = append(out, CertificateExpiry{c.CertificateId, c.Alias, c.notAfter()})
		}
		return err
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].NotAfter.Before(out[j].NotAfter) })
	return out, err
}

// warnExpiring logs each certificate that expires within
// Options.CertExpiryWarning (or has expired); New calls it at start and
// then daily.
func (a *Admin) warnExpiring() {
	exp, err := a.CertificateExpiries()
	if err != nil {
		a.log.Error("admin: reading certificates for the expiry check", "err", err)
		return
	}
	now := a.opts.Now()
	for _, e := range exp {
		left := e.NotAfter.Sub(now)
		if left > a.opts.CertExpiryWarning {
			break
		}
		msg := "admin: certificate expires soon; renew it with ReplaceCertificate"
		if left <= 0 {
			msg = "admin: certificate has expired; renew it with ReplaceCertificate"
		}
		a.log.Warn(msg, "certificate_id", e.CertificateId, "alias", e.Alias,
			"not_after", isoTime(e.NotAfter), "days_left", int(left.Hours()/24))
	}
}

// expiryLoop runs warnExpiring daily until Close.
func (a *Admin) expiryLoop() {
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			a.warnExpiring()
		case <-a.closed:
			return
		}
	}
}
