package snapshot

import (
	"net"
	"strings"

	"github.com/edgegate/edgegate/model"
)

// backendTLS is the TLS configuration for a backend URL's scheme and
// host: nil for http and ws, where no TLS option may be set.
func backendTLS(sc *model.ServiceConfig, scheme, host string, p *model.Published) (*TLS, *Error) {
	if scheme != "https" && scheme != "wss" {
		if sc.TlsServerName != "" || sc.CaCertificateId != "" || sc.ClientCertificateId != "" || sc.TlsInsecureSkipVerify {
			return nil, &Error{Field: "ServiceConfig", Msg: "TlsServerName, CaCertificateId, ClientCertificateId and TlsInsecureSkipVerify need an https:// or wss:// Url"}
		}
		return nil, nil
	}
	t, err := compileTLS(sc, host, p)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// compileTLS builds the TLS configuration of an https:// or wss://
// backend whose URL authority is host (README "Backends over TLS"): the
// verification name defaults to the URL's host, and the certificates the
// backend references must be in the Published with the right type.
func compileTLS(sc *model.ServiceConfig, host string, p *model.Published) (*TLS, *Error) {
	t := &TLS{InsecureSkipVerify: sc.TlsInsecureSkipVerify}
	name := sc.TlsServerName
	if name == "" {
		name = host
		if h, _, err := net.SplitHostPort(host); err == nil {
			name = h
		}
		name = strings.Trim(name, "[]")
	} else if !validServerName(name) {
		return nil, &Error{Field: "ServiceConfig.TlsServerName", Msg: "\"" + name + "\" is not a host name or IP address"}
	}
	t.ServerName = strings.ToLower(name)
	if id := sc.CaCertificateId; id != "" {
		c, err := certOf(p, id, model.CertCA, "ServiceConfig.CaCertificateId")
		if err != nil {
			return nil, err
		}
		t.CABundlePEM = c.CertificatePEM
	}
	if id := sc.ClientCertificateId; id != "" {
		c, err := certOf(p, id, model.CertClient, "ServiceConfig.ClientCertificateId")
		if err != nil {
			return nil, err
		}
		t.ClientCertPEM, t.ClientKeyPEM = c.CertificatePEM, c.PrivateKeyPEM
	}
	return t, nil
}

func certOf(p *model.Published, id, typ, field string) (*model.Certificate, *Error) {
	var c *model.Certificate
	if p != nil {
		c = p.Certificate(id)
	}
	switch {
	case c == nil:
		return nil, &Error{Field: field, Msg: "certificate " + id + " does not exist"}
	case c.Type() != typ:
		return nil, &Error{Field: field, Msg: "certificate " + id + " is of type " + c.Type() + ", not " + typ}
	}
	return c, nil
}

// validServerName accepts an IP address or a DNS name (letters, digits,
// '-', '_' and dots; RFC 1123 labels of at most 63 bytes).
func validServerName(s string) bool {
	if net.ParseIP(s) != nil {
		return true
	}
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if l == "" || len(l) > 63 || strings.IndexFunc(l, notNameChar) >= 0 {
			return false
		}
	}
	return true
}

func notNameChar(r rune) bool {
	return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_')
}
