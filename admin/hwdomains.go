package admin

import (
	"context"
	"net/http"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/admin/store"
)

// Domain certificates of the REST interface (seed 001: POST
// .../api-groups/{group_id}/domains/{domain_id}/certificates/attach with
// certificate_ids and verified_client_certificate_enabled; the
// AttachOrDetachDomainInfo table of a certificate's domains), over the
// custom domains (domains.go) and the certificate store
// (certificates.go). domain_id is the domain name, bound to the group
// (service) with BindSubDomain. A domain serves one certificate
// (Edgegate holds one per domain): attaching it adds https to the
// domain's protocols, detaching it leaves http. Client certificate
// verification is not something Edgegate's domains do, so
// verified_client_certificate_enabled true is refused.

func init() { registerHW(hwDomainRoutes) }

func hwDomainRoutes(a *Admin) []hwapi.Route {
	d := hwapi.Instance + "/api-groups/{group_id}/domains/{domain_id}/certificates"
	c := "/certificates/{certificate_id}/domains"
	return []hwapi.Route{
		{Method: "POST", Pattern: d + "/attach", Handle: a.hwAttachDomainCerts},
		{Method: "POST", Pattern: d + "/detach", Handle: a.hwDetachDomainCerts},
		{Method: "POST", Pattern: c + "/attach", Handle: a.hwAttachCertDomains},
		{Method: "POST", Pattern: c + "/detach", Handle: a.hwDetachCertDomains},
	}
}

func noClientVerification(v *bool) error {
	if v != nil && *v {
		return hwapi.Errorf(http.StatusBadRequest, hwapi.CodeUnsupportedValue,
			"verified_client_certificate_enabled true is not supported: Edgegate's custom domains do not verify client certificates")
	}
	return nil
}

// attachCert serves d with certificate id: the certificate checks of
// BindSubDomain and ModifySubDomain (type SVR, not expired, covering the
// name), https added to the protocols.
func (a *Admin) attachCert(tx *buntdb.Tx, d *domainRecord, id string) error {
	cert, err := a.domainCertificate(tx, id, d.SubDomain)
	if err != nil {
		return err
	}
	d.CertificateId = cert
	if !withHTTPS(d.Protocol) {
		d.Protocol = "http&https"
	}
	return nil
}

// detachCert stops serving certificate id on d: the domain serves http
// only (a detached https-only domain becomes http), without the redirect.
func detachCert(d *domainRecord, id string) error {
	if d.CertificateId != id {
		return hwapi.NotFound(hwapi.CodeNoCertificate, "Certificate %s is not attached to domain %s", id, d.SubDomain)
	}
	d.CertificateId, d.Protocol, d.IsForcedHttps = "", "http", false
	return nil
}

type hwCertIDsReq struct {
	CertificateIds []string `json:"certificate_ids"`
	VerifyClient   *bool    `json:"verified_client_certificate_enabled"`
}

func (in *hwCertIDsReq) check() error {
	switch len(in.CertificateIds) {
	case 0:
		return hwapi.BadParameter("certificate_ids", "the parameter is required")
	case 1:
		return noClientVerification(in.VerifyClient)
	}
	return hwapi.BadParameter("certificate_ids", "a domain serves one certificate: give one ID")
}

// domainCerts answers attach or detach of a group's domain.
func (a *Admin) domainCerts(c *hwapi.Call, attach bool) (hwapi.Reply, error) {
	var in hwCertIDsReq
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	if err := in.check(); err != nil {
		return hwapi.Reply{}, err
	}
	err := a.inDomain(c.Path("group_id"), c.Path("domain_id"), false, func(tx *buntdb.Tx, d *domainRecord) error {
		if attach {
			return a.attachCert(tx, d, in.CertificateIds[0])
		}
		return detachCert(d, in.CertificateIds[0])
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.NoContent(), nil
}

func (a *Admin) hwAttachDomainCerts(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return a.domainCerts(c, true)
}

func (a *Admin) hwDetachDomainCerts(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return a.domainCerts(c, false)
}

// certDomains answers attach or detach of a certificate to domains (the
// AttachOrDetachDomainInfo table: domain, instance_ids,
// verified_client_certificate_enabled), all in one write.
func (a *Admin) certDomains(c *hwapi.Call, attach bool) (hwapi.Reply, error) {
	var in struct {
		Domains []struct {
			Domain       string   `json:"domain"`
			InstanceIds  []string `json:"instance_ids"`
			VerifyClient *bool    `json:"verified_client_certificate_enabled"`
		} `json:"domains"`
	}
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	if len(in.Domains) == 0 {
		return hwapi.Reply{}, hwapi.BadParameter("domains", "the parameter is required")
	}
	for _, d := range in.Domains {
		if d.Domain == "" {
			return hwapi.Reply{}, hwapi.BadParameter("domain", "the parameter is required")
		}
		if err := noClientVerification(d.VerifyClient); err != nil {
			return hwapi.Reply{}, err
		}
	}
	id := c.Path("certificate_id")
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := certificates.get(tx, id); err != nil {
			return false, err
		}
		for _, want := range in.Domains {
			name, err := normDomain(want.Domain)
			if err != nil {
				return false, err
			}
			var d domainRecord
			found, err := store.GetJSON(tx, domainKey(name), &d)
			if err != nil {
				return false, err
			}
			if !found {
				return false, hwapi.NotFound(hwapi.CodeNoDomain, "The URL domain does not exist: %s is bound to no group", name)
			}
			if attach {
				err = a.attachCert(tx, &d, id)
			} else {
				err = detachCert(&d, id)
			}
			if err != nil {
				return false, err
			}
			d.ModifiedTime = a.now()
			if err := store.SetJSON(tx, domainKey(d.SubDomain), d); err != nil {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.NoContent(), nil
}

func (a *Admin) hwAttachCertDomains(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return a.certDomains(c, true)
}

func (a *Admin) hwDetachCertDomains(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return a.certDomains(c, false)
}
