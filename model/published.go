package model

// Published is everything that is live: each service with the APIs that each
// of its environments runs. One Published compiles into one snapshot.
type Published struct {
	// Revision increases with every change the control plane commits.
	Revision uint64 `json:"Revision"`
	// BaseDomain makes each service's default domain:
	// <ServiceId>.<BaseDomain>.
	BaseDomain string             `json:"BaseDomain"`
	Services   []PublishedService `json:"Services"`
	// Access, Traffic and IPControl are nil when nothing of theirs exists.
	Access    *Access    `json:"Access,omitempty"`
	Traffic   *Traffic   `json:"Traffic,omitempty"`
	IPControl *IPControl `json:"IPControl,omitempty"`
	// Signing is the signature keys bound to APIs (signing.go); nil when
	// none is bound.
	Signing *Signing `json:"Signing,omitempty"`
	// Certificates are the TLS certificates that custom domains (and the
	// default domains) are served with, referenced by CertificateId.
	Certificates []Certificate `json:"Certificates,omitempty"`
}

// Certificate is a TLS certificate chain and its private key, in PEM, as
// the edge serves it (seed 000 独立域名及证书: name, content and private
// key, PEM only). The control plane stores the key encrypted at rest and
// puts it here in the clear: a Published that holds certificates is
// secret material (it only travels over the authenticated sync stream).
type Certificate struct {
	CertificateId string `json:"CertificateId"`
	// CertificateType is what the certificate is for (the Tencent SSL
	// service's CertificateType, plus CLIENT): SVR (or empty) a server
	// certificate and key, served for domains; CA a PEM bundle of CA
	// certificates, no key, that a backend's chain is verified against
	// (ServiceConfig.CaCertificateId); CLIENT a client certificate and key
	// presented to backends (mTLS, ServiceConfig.ClientCertificateId).
	CertificateType string `json:"CertificateType,omitempty"`
	// CertificatePEM is the leaf first, then intermediates (CA: the
	// bundle).
	CertificatePEM string `json:"CertificatePEM"`
	PrivateKeyPEM  string `json:"PrivateKeyPEM,omitempty"`
	// OcspStaple is a DER OCSP response for the leaf (base64 in JSON and
	// in the configuration file), stapled when a client asks (SVR only).
	OcspStaple []byte `json:"OcspStaple,omitempty"`
	// Default serves this certificate to clients whose SNI names no bound
	// domain (and to clients sending no SNI), e.g. a wildcard for the base
	// domain.
	Default bool `json:"Default,omitempty"`
}

// PublishedService is one service and its released environments; none
// when it is released nowhere (its host is known: EnvironmentNotFound).
type PublishedService struct {
	Service Service `json:"Service"`
	// Domains are custom domains bound to the service (seed: BindSubDomain).
	Domains      []CustomDomain         `json:"Domains,omitempty"`
	Environments []PublishedEnvironment `json:"Environments"`
}

// CustomDomain routes a host to a service. When IsDefaultMapping is false,
// PathMappings choose the environment by path prefix instead of the first
// path segment (seed: BindSubDomain, PathMappingSet).
type CustomDomain struct {
	SubDomain        string        `json:"SubDomain"`
	IsDefaultMapping bool          `json:"IsDefaultMapping"`
	PathMappingSet   []PathMapping `json:"PathMappingSet,omitempty"`
	// Protocol is http, https or http&https (seed: BindSubDomain); empty
	// means the service's protocol.
	Protocol string `json:"Protocol,omitempty"`
	// IsForcedHttps redirects plain-HTTP requests on this domain to HTTPS
	// (seed: BindSubDomain IsForcedHttps).
	IsForcedHttps bool `json:"IsForcedHttps,omitempty"`
	// CertificateId names the entry of Published.Certificates served for
	// this domain over HTTPS.
	CertificateId string `json:"CertificateId,omitempty"`
	// NetType is OUTER or INNER (stored; Edgegate serves both alike).
	NetType string `json:"NetType,omitempty"`
}

// PathMapping maps a path prefix on a custom domain to an environment.
type PathMapping struct {
	Path        string `json:"Path"`
	Environment string `json:"Environment"`
}

// PublishedEnvironment is an environment (release, prepub, test or a custom
// name) and the frozen APIs of the version it runs.
type PublishedEnvironment struct {
	EnvironmentName string `json:"EnvironmentName"`
	VersionName     string `json:"VersionName,omitempty"`
	Apis            []API  `json:"Apis"`
}

// Certificate types (Certificate.CertificateType).
const (
	CertServer = "SVR"
	CertCA     = "CA"
	CertClient = "CLIENT"
)

// Type is the certificate's type, SVR when unset.
func (c *Certificate) Type() string {
	if c.CertificateType == "" {
		return CertServer
	}
	return c.CertificateType
}

// Certificate returns the entry with id, or nil.
func (p *Published) Certificate(id string) *Certificate {
	for i := range p.Certificates {
		if p.Certificates[i].CertificateId == id {
			return &p.Certificates[i]
		}
	}
	return nil
}
