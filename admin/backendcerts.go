package admin

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"time"

	"github.com/tidwall/buntdb"
	"golang.org/x/crypto/ocsp"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/tlsterm"
)

// Certificates for backends (README "Backends over TLS"): an API's
// ServiceConfig.CaCertificateId names a CA certificate (CertificateType
// CA: a PEM bundle of CA certificates, no key) that its https:// backend's
// chain must lead to, and ServiceConfig.ClientCertificateId a client
// certificate (CertificateType CLIENT: chain and key, validated as a
// client certificate) presented to it. CreateApi and ModifyApi check the
// references with the seed's certificate codes; a certificate an API or a
// released version names cannot be deleted (ResourceInUse).

// certType checks an upload's CertificateType (SVR when empty).
func certType(t string) (string, error) {
	switch u := strings.ToUpper(t); u {
	case "":
		return model.CertServer, nil
	case model.CertServer, model.CertCA, model.CertClient:
		return u, nil
	}
	return "", tcapi.Errorf(errNotInOptions, "CertificateType %q: want SVR, CA or CLIENT", t)
}

// parseCABundle validates a CA certificate's PEM: one or more
// certificates, each a CA (basic constraints), each valid now. It
// returns the bundle re-encoded and its facts (the first certificate's
// names; the earliest expiry).
func parseCABundle(bundle string, now time.Time) (string, certFacts, error) {
	var f certFacts
	var b strings.Builder
	rest := []byte(bundle)
	n := 0
	for {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			return "", f, tcapi.Errorf(errCertInfo, "a CA certificate holds CERTIFICATE blocks only, not %s", blk.Type)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return "", f, tcapi.Errorf(errCertInfo, "certificate %d: %v", n, err)
		}
		if !c.BasicConstraintsValid || !c.IsCA {
			return "", f, tcapi.Errorf(errCertInfo, "certificate %d (%s) is not a CA certificate", n, c.Subject)
		}
		if now.Before(c.NotBefore) {
			return "", f, tcapi.Errorf(errCertVerify, "certificate %d (%s) valid from %s", n, c.Subject, isoTime(c.NotBefore))
		}
		if now.After(c.NotAfter) {
			return "", f, tcapi.Errorf(errCertExpired, "certificate %d (%s) expired %s", n, c.Subject, isoTime(c.NotAfter))
		}
		if n == 0 {
			f = certFacts{CommonName: c.Subject.CommonName, Sans: []string{}, NotBefore: isoTime(c.NotBefore),
				NotAfter: isoTime(c.NotAfter), SignatureAlgorithm: c.SignatureAlgorithm.String(), Issuer: c.Issuer.String(),
				KeyType: c.PublicKeyAlgorithm.String()}
		} else if isoTime(c.NotAfter) < f.NotAfter {
			f.NotAfter = isoTime(c.NotAfter)
		}
		pem.Encode(&b, blk)
		n++
	}
	if n == 0 {
		return "", f, tcapi.Errorf(errCertInfo, "CertificatePublicKey holds no PEM certificate")
	}
	return b.String(), f, nil
}

// checkOCSP decodes an OcspStaple (base64 DER) and checks that it is a
// good OCSP response for the chain's leaf (RFC 6960), signed by its
// issuer when the chain holds it, and not past its NextUpdate.
func checkOCSP(staple, chain string, now time.Time) ([]byte, error) {
	der, err := base64.StdEncoding.DecodeString(staple)
	if err != nil {
		return nil, tcapi.Errorf(errBadStaple, "OcspStaple is not base64: %v", err)
	}
	var certs []*x509.Certificate
	for rest := []byte(chain); ; {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			break
		}
		if c, err := x509.ParseCertificate(blk.Bytes); err == nil {
			certs = append(certs, c)
		}
	}
	var issuer *x509.Certificate
	if len(certs) > 1 {
		issuer = certs[1]
	}
	r, err := ocsp.ParseResponseForCert(der, certs[0], issuer)
	if err != nil {
		return nil, tcapi.Errorf(errBadStaple, "OcspStaple is not an OCSP response for this certificate: %v", err)
	}
	switch {
	case r.SerialNumber == nil || r.SerialNumber.Cmp(certs[0].SerialNumber) != 0:
		return nil, tcapi.Errorf(errBadStaple, "OcspStaple answers for serial %v, not the certificate's %v", r.SerialNumber, certs[0].SerialNumber)
	case r.Status != ocsp.Good:
		return nil, tcapi.Errorf(errBadStaple, "OcspStaple says the certificate is not good (status %d)", r.Status)
	case !r.NextUpdate.IsZero() && now.After(r.NextUpdate):
		return nil, tcapi.Errorf(errBadStaple, "OcspStaple expired %s", isoTime(r.NextUpdate))
	}
	return der, nil
}

// backendCertificates checks the certificates an API's backend names
// and returns them as the compile check needs them (no key).
func backendCertificates(tx *buntdb.Tx, sc *model.ServiceConfig, now time.Time) ([]model.Certificate, error) {
	var out []model.Certificate
	for _, ref := range []struct{ field, id, typ string }{
		{"CaCertificateId", sc.CaCertificateId, model.CertCA},
		{"ClientCertificateId", sc.ClientCertificateId, model.CertClient},
	} {
		if ref.id == "" {
			continue
		}
		c, err := certificates.get(tx, ref.id)
		if err != nil {
			return nil, err
		}
		if c.certType() != ref.typ {
			return nil, tcapi.Errorf(errCertBind, "ServiceConfig.%s: certificate %s is of type %s; it takes a %s certificate", ref.field, ref.id, c.certType(), ref.typ)
		}
		if now.After(c.notAfter()) {
			return nil, tcapi.Errorf(errCertExpired, "ServiceConfig.%s: certificate %s expired %s; ReplaceCertificate with a renewed one", ref.field, ref.id, c.NotAfter)
		}
		out = append(out, model.Certificate{CertificateId: c.CertificateId, CertificateType: ref.typ, CertificatePEM: c.Chain})
	}
	return out, nil
}

// certAPIs maps certificate ids to the APIs whose backends name them:
// stored APIs and the frozen copies of released versions ("svc/api").
func certAPIs(tx *buntdb.Tx) (map[string][]string, error) {
	m := map[string][]string{}
	add := func(a *apiRecord) {
		for _, id := range []string{a.ServiceConfig.CaCertificateId, a.ServiceConfig.ClientCertificateId} {
			if id != "" {
				m[id] = append(m[id], a.ServiceId+"/"+a.ApiId)
			}
		}
	}
	apis, err := scan[storedAPI](tx, "api:")
	if err != nil {
		return nil, err
	}
	for i := range apis {
		add(&apis[i].Api)
	}
	vers, err := scan[versionRecord](tx, "ver:")
	for i := range vers {
		for j := range vers[i].Apis {
			add(&vers[i].Apis[j])
		}
	}
	return m, err
}

// backendRefs are the certificate ids the published APIs' backends name.
func backendRefs(p *model.Published) map[string]bool {
	want := map[string]bool{}
	for _, s := range p.Services {
		for _, e := range s.Environments {
			for _, a := range e.Apis {
				for _, id := range []string{a.ServiceConfig.CaCertificateId, a.ServiceConfig.ClientCertificateId} {
					if id != "" {
						want[id] = true
					}
				}
			}
		}
	}
	return want
}

// parseClient validates a client certificate (mTLS to backends): chain
// order, key match, validity; no DNS name needed.
func (in *certPEMs) parseClient(now time.Time) (*tlsterm.KeyPair, error) {
	kp, err := tlsterm.ParseKeyPair([]byte(in.CertificatePublicKey), []byte(in.CertificatePrivateKey), tlsterm.VerifyOptions{Now: now, ClientCertificate: true})
	if err != nil {
		return nil, certError(err)
	}
	return kp, nil
}

// certError gives tlsterm's certificate errors their Action codes.
func certError(err error) error {
	code := certCodes[tlsterm.CertCode(err)]
	if code == "" {
		return err
	}
	return tcapi.Errorf(code, "%s", strings.TrimPrefix(err.Error(), "tlsterm: "))
}

var errNoKeyForCA = errors.New("a CA certificate takes no CertificatePrivateKey")

// dedupCerts keeps the first certificate of each id.
func dedupCerts(cs []model.Certificate) []model.Certificate {
	seen := map[string]bool{}
	out := cs[:0]
	for _, c := range cs {
		if !seen[c.CertificateId] {
			seen[c.CertificateId] = true
			out = append(out, c)
		}
	}
	return out
}
