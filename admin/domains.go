package admin

import (
	"context"
	"slices"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/model"
)

// Custom domains (seed 000: 自定义域名相关接口, lines 6713-7030; guide
// 独立域名及证书, lines 715-745). A domain binds to one service only, at
// most Limits.DomainsPerService (5) per service. Domains are not versioned
// by releases: a bound domain serves at once whatever each environment of
// its service runs, so every change here publishes a new revision.
//
// Codes where the seed lists several for one failure: a service that does
// not exist is ResourceNotFound.InvalidService for BindSubDomain and
// DescribeServiceSubDomains (their lists start with it) and
// FailedOperation.ServiceNotExist for the other four (the only one they
// list); a domain not bound to the service is
// FailedOperation.DomainNotBindService for every Action that names one.

const domainPrefix = "dom:"

// domainKey is a bound domain's store key: dom:<SubDomain>. One key per
// name makes "one domain, one service" a property of the store.
func domainKey(name string) string { return domainPrefix + name }

// domainRecord is a bound custom domain.
type domainRecord struct {
	ServiceId        string              `json:"ServiceId"`
	SubDomain        string              `json:"SubDomain"`
	Protocol         string              `json:"Protocol"`
	NetType          string              `json:"NetType"`
	IsDefaultMapping bool                `json:"IsDefaultMapping"`
	PathMappingSet   []model.PathMapping `json:"PathMappingSet,omitempty"`
	IsForcedHttps    bool                `json:"IsForcedHttps,omitempty"`
	// CertificateId is set when Protocol includes https (certificates.go).
	CertificateId string `json:"CertificateId,omitempty"`
	stamps
}

const (
	errSubDomainFormat = "FailedOperation.SubDomainFormatError"
	errServiceNotExist = "FailedOperation.ServiceNotExist"
	errDomainNotBound  = "FailedOperation.DomainNotBindService"
	errMappingNotNull  = "FailedOperation.DefineMappingNotNull"
)

// normDomain checks a custom domain and returns its stored form: lower
// case, no trailing dot. A host name of RFC 1123 (2.1): labels of 1-63
// letters, digits and '-', not starting or ending with '-', at least two
// labels, 253 characters at most, the last label not all digits (an IPv4
// address is not a domain). No wildcards: the router matches exact names.
// Internationalised names are given in their xn-- form.
func normDomain(s string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(s), ".")
	bad := func(why string) error {
		return tcapi.Errorf(errSubDomainFormat, "SubDomain %q: %s", s, why)
	}
	if d == "" || len(d) > 253 {
		return "", bad("want a domain name of 1 to 253 characters")
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", bad("want at least two labels (www.example.com)")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", bad("each label is 1 to 63 characters, not starting or ending with '-'")
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", bad("letters, digits, '-' and '.' only (no wildcard, port or path)")
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", bad("an IP address is not a domain")
	}
	return d, nil
}

// checkDomainProtocol: http, https or http&https, stored in lower case;
// code is the Action's code for another value.
func checkDomainProtocol(p *string, code string) error {
	v := strings.ToLower(*p)
	if v != "http" && v != "https" && v != "http&https" {
		return tcapi.Errorf(code, "Protocol %q: want http, https or http&https", *p)
	}
	*p = v
	return nil
}

func withHTTPS(protocol string) bool { return strings.Contains(protocol, "https") }

func checkNetType(t string) error {
	if t != "OUTER" && t != "INNER" {
		return tcapi.Errorf(errNotInOptions, "NetType %q: want OUTER or INNER", t)
	}
	return nil
}

// checkMappings validates a PathMappingSet (seed BindSubDomain: at most
// three, Environment test, prepub or release, each once).
func checkMappings(set []model.PathMapping) error {
	if len(set) == 0 {
		return tcapi.Errorf(errMappingNotNull, "IsDefaultMapping false needs a PathMappingSet")
	}
	if len(set) > 3 {
		return tcapi.Errorf("LimitExceeded.ExceededDefineMappingLimit", "at most 3 path mappings, one per environment (%d given)", len(set))
	}
	envs, paths := map[string]bool{}, map[string]bool{}
	for i, m := range set {
		if !validEnvironment(m.Environment) {
			return tcapi.Errorf("FailedOperation.DefineMappingEnvironmentError", "PathMappingSet.%d.Environment %q: want test, prepub or release", i, m.Environment)
		}
		if err := checkMappingPath(i, m.Path); err != nil {
			return err
		}
		p := strings.TrimSuffix(m.Path, "/")
		if envs[m.Environment] || paths[p] {
			return tcapi.Errorf("FailedOperation.DefineMappingParamRepeat", "PathMappingSet.%d: environment %s or path %s mapped twice", i, m.Environment, m.Path)
		}
		envs[m.Environment], paths[p] = true, true
	}
	return nil
}

// checkMappingPath: an absolute path prefix of RFC 3986 segment characters
// (3.3: unreserved, sub-delims, ':' and '@'), no empty, "." or ".."
// segment, at most 200 characters: the router matches it against the
// normalised request path, so it must already be in normal form.
func checkMappingPath(i int, p string) error {
	ok := len(p) <= 200 && strings.HasPrefix(p, "/")
	for _, seg := range strings.Split(strings.TrimSuffix(p, "/"), "/")[1:] {
		ok = ok && seg != "" && seg != "." && seg != ".."
	}
	for j := 0; ok && j < len(p); j++ {
		c := p[j]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~!$&'()*+,;=:@", c) >= 0
	}
	if !ok {
		return tcapi.Errorf("FailedOperation.DefineMappingPathError", "PathMappingSet.%d.Path %q: want an absolute path prefix such as /v1 (letters, digits and -._~!$&'()*+,;=:@, no empty, . or .. segment, at most 200 characters)", i, p)
	}
	return nil
}

// bindSubDomainReq is BindSubDomain's input (seed lines 6715-6795).
type bindSubDomainReq struct {
	ServiceId, SubDomain, Protocol, NetType string `tcapi:"required"`
	IsDefaultMapping                        *bool  `tcapi:"required"`
	NetSubDomain                            string `tcapi:"required"`
	CertificateId                           string
	PathMappingSet                          []model.PathMapping
	IsForcedHttps                           bool
}

func (in *bindSubDomainReq) Check() (err error) {
	if in.SubDomain, err = normDomain(in.SubDomain); err != nil {
		return err
	}
	if err := checkDomainProtocol(&in.Protocol, "InvalidParameterValue.InvalidProcotol"); err != nil {
		return err
	}
	if err := checkNetType(in.NetType); err != nil {
		return err
	}
	if *in.IsDefaultMapping {
		if len(in.PathMappingSet) > 0 {
			return tcapi.Errorf("FailedOperation.IsDefaultMapping", "IsDefaultMapping true takes no PathMappingSet (the first path segment names the environment)")
		}
	} else if err := checkMappings(in.PathMappingSet); err != nil {
		return err
	}
	return checkForcedHTTPS(in.Protocol, in.IsForcedHttps, in.CertificateId)
}

// checkForcedHTTPS: a redirect to HTTPS and a certificate need https in
// the protocol.
func checkForcedHTTPS(protocol string, forced bool, certID string) error {
	if withHTTPS(protocol) {
		return nil
	}
	if forced {
		return tcapi.Errorf("UnsupportedOperation.ForceHttps", "IsForcedHttps needs https in Protocol (it is %s)", protocol)
	}
	if certID != "" {
		return tcapi.Errorf(errCertBind, "Protocol %s serves no certificate; give CertificateId with https or http&https", protocol)
	}
	return nil
}

// BindSubDomain binds a custom domain to a service. Edgegate checks
// neither DNS (the seed: the gateway does not verify the CNAME) nor ICP
// filing.
func (a *Admin) bindSubDomain(_ context.Context, in *bindSubDomainReq) (*result[bool], error) {
	return done(a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		if err := a.checkNotDefaultDomain(in.SubDomain); err != nil {
			return false, err
		}
		if net := strings.TrimSuffix(strings.ToLower(in.NetSubDomain), "."); net != a.domain(in.ServiceId) {
			return false, tcapi.Errorf("FailedOperation.NetSubDomainError", "NetSubDomain %q: the service's default domain is %s", in.NetSubDomain, a.domain(in.ServiceId))
		}
		var old domainRecord
		found, err := store.GetJSON(tx, domainKey(in.SubDomain), &old)
		if err != nil {
			return false, err
		}
		if found && old.ServiceId == in.ServiceId {
			return false, tcapi.Errorf("FailedOperation.DomainAlreadyBindService", "%s is already bound to this service", in.SubDomain)
		}
		if found {
			return false, tcapi.Errorf("FailedOperation.DomainAlreadyBindOtherService", "%s is bound to another service; a domain binds to one service only", in.SubDomain)
		}
		doms, err := serviceDomains(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		if max := a.opts.Limits.DomainsPerService; len(doms) >= max {
			return false, tcapi.Errorf("LimitExceeded.ExceededDomainLimit", "at most %d custom domains per service", max)
		}
		d := domainRecord{ServiceId: in.ServiceId, SubDomain: in.SubDomain, Protocol: in.Protocol, NetType: in.NetType,
			IsDefaultMapping: *in.IsDefaultMapping, PathMappingSet: in.PathMappingSet, IsForcedHttps: in.IsForcedHttps, stamps: a.stamped()}
		if withHTTPS(d.Protocol) {
			if d.CertificateId, err = a.domainCertificate(tx, in.CertificateId, d.SubDomain); err != nil {
				return false, err
			}
		}
		return true, store.SetJSON(tx, domainKey(d.SubDomain), d)
	}))
}

// checkNotDefaultDomain refuses the base domain and the names of its
// default domains (<ServiceId>.<BaseDomain>): they route by ServiceId.
func (a *Admin) checkNotDefaultDomain(d string) error {
	base := strings.ToLower(a.opts.BaseDomain)
	if d == base || strings.HasSuffix(d, "."+base) && !strings.Contains(strings.TrimSuffix(d, "."+base), ".") {
		return tcapi.Errorf(errSubDomainFormat, "%s is the base domain or a default domain (<ServiceId>.%s); bind a domain of your own", d, base)
	}
	return nil
}

// serviceDomains lists the domains bound to a service, by name.
func serviceDomains(tx *buntdb.Tx, svc string) ([]domainRecord, error) {
	all, err := scan[domainRecord](tx, domainPrefix)
	return slices.DeleteFunc(all, func(d domainRecord) bool { return d.ServiceId != svc }), err
}

// boundDomain loads a domain bound to svc (which must exist), for the
// Actions that name one.
func boundDomain(tx *buntdb.Tx, svc, name string) (domainRecord, error) {
	if _, err := getRecord[serviceRecord](tx, "ServiceId", svc, svcKey(svc), errServiceNotExist, "service "+svc+" does not exist"); err != nil {
		return domainRecord{}, err
	}
	d, err := normDomain(name)
	if err != nil {
		return domainRecord{}, err
	}
	var rec domainRecord
	found, err := store.GetJSON(tx, domainKey(d), &rec)
	if err != nil {
		return rec, err
	}
	if !found || rec.ServiceId != svc {
		return rec, tcapi.Errorf(errDomainNotBound, "%s is not bound to service %s", d, svc)
	}
	return rec, nil
}

// inDomain runs fn on a bound domain in one write and stores what fn
// leaves, or deletes it when del is set; every change publishes.
func (a *Admin) inDomain(svc, name string, del bool, fn func(tx *buntdb.Tx, d *domainRecord) error) error {
	return a.write(func(tx *buntdb.Tx) (bool, error) {
		d, err := boundDomain(tx, svc, name)
		if err != nil {
			return false, err
		}
		if err := fn(tx, &d); err != nil {
			return false, err
		}
		if del {
			_, err = tx.Delete(domainKey(d.SubDomain))
			return true, err
		}
		d.ModifiedTime = a.now()
		return true, store.SetJSON(tx, domainKey(d.SubDomain), d)
	})
}

// modifySubDomainReq is ModifySubDomain's input (seed lines 6928-6984).
// Optional members left out keep their stored values.
type modifySubDomainReq struct {
	ServiceId, SubDomain             string `tcapi:"required"`
	IsDefaultMapping                 *bool  `tcapi:"required"`
	CertificateId, Protocol, NetType *string
	PathMappingSet                   []model.PathMapping
	IsForcedHttps                    *bool
}

func (in *modifySubDomainReq) Check() (err error) {
	if in.SubDomain, err = normDomain(in.SubDomain); err != nil {
		return err
	}
	if in.Protocol != nil {
		if err := checkDomainProtocol(in.Protocol, "FailedOperation.UnknownProtocolTypeError"); err != nil {
			return err
		}
	}
	if in.NetType != nil {
		if err := checkNetType(*in.NetType); err != nil {
			return err
		}
	}
	if *in.IsDefaultMapping && len(in.PathMappingSet) > 0 {
		return tcapi.Errorf("FailedOperation.SetCustomPathMappingError", "IsDefaultMapping true takes no PathMappingSet")
	}
	if len(in.PathMappingSet) > 0 {
		return checkMappings(in.PathMappingSet)
	}
	return nil
}

// ModifySubDomain changes a bound domain. Dropping https from the protocol
// drops the certificate and the redirect with it; the certificate is
// checked again when CertificateId is given or https is added.
func (a *Admin) modifySubDomain(_ context.Context, in *modifySubDomainReq) (*result[bool], error) {
	return done(a.inDomain(in.ServiceId, in.SubDomain, false, func(tx *buntdb.Tx, d *domainRecord) error {
		hadHTTPS := withHTTPS(d.Protocol)
		setIf(&d.Protocol, in.Protocol)
		setIf(&d.NetType, in.NetType)
		d.IsDefaultMapping = *in.IsDefaultMapping
		switch {
		case d.IsDefaultMapping:
			d.PathMappingSet = nil
		case len(in.PathMappingSet) > 0:
			d.PathMappingSet = in.PathMappingSet
		case len(d.PathMappingSet) == 0:
			return tcapi.Errorf(errMappingNotNull, "IsDefaultMapping false needs a PathMappingSet (the domain has none)")
		}
		forced, cert := false, ""
		if in.IsForcedHttps != nil {
			forced = *in.IsForcedHttps
		}
		if in.CertificateId != nil {
			cert = *in.CertificateId
		}
		if err := checkForcedHTTPS(d.Protocol, forced, cert); err != nil {
			return err
		}
		if !withHTTPS(d.Protocol) {
			d.IsForcedHttps, d.CertificateId = false, ""
			return nil
		}
		setIf(&d.IsForcedHttps, in.IsForcedHttps)
		if in.CertificateId == nil && hadHTTPS {
			return nil
		}
		var err error
		d.CertificateId, err = a.domainCertificate(tx, cert, d.SubDomain)
		return err
	}))
}

// subDomainReq names a domain of a service.
type subDomainReq struct {
	ServiceId, SubDomain string `tcapi:"required"`
}

func (in *subDomainReq) Check() error {
	_, err := normDomain(in.SubDomain)
	return err
}

// UnBindSubDomain unbinds a domain; the edge stops serving it at once.
func (a *Admin) unBindSubDomain(_ context.Context, in *subDomainReq) (*result[bool], error) {
	return done(a.inDomain(in.ServiceId, in.SubDomain, true, func(*buntdb.Tx, *domainRecord) error { return nil }))
}

// domainSetList is the seed's DomainSetList (lines 7897-7914). Status is
// 1 (the domain is served: Edgegate checks no DNS, the seed says the
// gateway does not verify the CNAME) and RegistrationStatus true
// (Edgegate requires no ICP filing).
type domainSetList struct {
	DomainName         string
	Status             int
	CertificateId      string
	IsDefaultMapping   bool
	Protocol, NetType  string
	IsForcedHttps      bool
	RegistrationStatus bool
}

// domainSets is the seed's DomainSets.
type domainSets struct {
	TotalCount int
	DomainSet  []domainSetList
}

func (a *Admin) describeServiceSubDomains(_ context.Context, in *servicePageReq) (*result[domainSets], error) {
	n, set, err := describeList(a, &in.pageParams, nil, nil, func(tx *buntdb.Tx, _ filters) ([]domainSetList, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return nil, err
		}
		doms, err := serviceDomains(tx, in.ServiceId)
		var set []domainSetList
		for _, d := range doms {
			set = append(set, domainSetList{DomainName: d.SubDomain, Status: 1, CertificateId: d.CertificateId,
				IsDefaultMapping: d.IsDefaultMapping, Protocol: d.Protocol, NetType: d.NetType,
				IsForcedHttps: d.IsForcedHttps, RegistrationStatus: true})
		}
		return set, err
	})
	return resultOf(domainSets{n, set}, err)
}

// serviceSubDomainMappings is the seed's ServiceSubDomainMappings.
type serviceSubDomainMappings struct {
	IsDefaultMapping bool
	PathMappingSet   []model.PathMapping
}

func (a *Admin) describeServiceSubDomainMappings(_ context.Context, in *subDomainReq) (*result[serviceSubDomainMappings], error) {
	var out serviceSubDomainMappings
	err := a.db.View(func(tx *buntdb.Tx) error {
		d, err := boundDomain(tx, in.ServiceId, in.SubDomain)
		out = serviceSubDomainMappings{d.IsDefaultMapping, orEmpty(d.PathMappingSet)}
		return err
	})
	return resultOf(out, err)
}

type deleteSubDomainMappingReq struct {
	subDomainReq
	Environment string `tcapi:"required"`
}

func (in *deleteSubDomainMappingReq) Check() error {
	if !validEnvironment(in.Environment) {
		return tcapi.Errorf(errInvalidValue, "Environment %q: want test, prepub or release", in.Environment)
	}
	return in.subDomainReq.Check()
}

// DeleteServiceSubDomainMapping removes one environment's path mapping;
// the last one cannot go (seed: deleting every environment's mapping
// fails; ModifySubDomain with IsDefaultMapping true returns to the default
// mapping).
func (a *Admin) deleteServiceSubDomainMapping(_ context.Context, in *deleteSubDomainMappingReq) (*result[bool], error) {
	return done(a.inDomain(in.ServiceId, in.SubDomain, false, func(_ *buntdb.Tx, d *domainRecord) error {
		const code = "FailedOperation.DeletePathMappingSetError"
		i := slices.IndexFunc(d.PathMappingSet, func(m model.PathMapping) bool { return m.Environment == in.Environment })
		switch {
		case d.IsDefaultMapping:
			return tcapi.Errorf(code, "%s uses the default path mapping; it has no mapping to delete", d.SubDomain)
		case i < 0:
			return tcapi.Errorf(code, "%s maps no path to %s", d.SubDomain, in.Environment)
		case len(d.PathMappingSet) == 1:
			return tcapi.Errorf(code, "the mapping of %s is the last of %s; use ModifySubDomain with IsDefaultMapping true instead", in.Environment, d.SubDomain)
		}
		d.PathMappingSet = slices.Delete(d.PathMappingSet, i, i+1)
		return nil
	}))
}

// publishDomains adds every bound domain to its service in what is
// published; service(id) returns the service's entry, adding it when it
// runs no environment yet (its domains are known to the edge all the
// same).
func publishDomains(tx *buntdb.Tx, service func(id string) (*model.PublishedService, error)) error {
	doms, err := scan[domainRecord](tx, domainPrefix)
	if err != nil {
		return err
	}
	for _, d := range doms {
		ps, err := service(d.ServiceId)
		if err != nil {
			return err
		}
		ps.Domains = append(ps.Domains, model.CustomDomain{SubDomain: d.SubDomain, IsDefaultMapping: d.IsDefaultMapping,
			PathMappingSet: d.PathMappingSet, Protocol: d.Protocol, IsForcedHttps: d.IsForcedHttps,
			CertificateId: d.CertificateId, NetType: d.NetType})
	}
	return nil
}
