package admin

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
)

func (in *serviceFields) Check() error {
	if err := checkServiceName(in.ServiceName); err != nil {
		return err
	}
	if err := checkProtocol(in.Protocol); err != nil {
		return err
	}
	if err := checkNetTypes(in.NetTypes); err != nil {
		return err
	}
	if in.IpVersion != "" && in.IpVersion != "IPv4" && in.IpVersion != "IPv6" {
		return tcapi.Errorf(errNotInOptions, "IpVersion %q: want IPv4 or IPv6", in.IpVersion)
	}
	if in.TceArch != "" && in.TceArch != "arm" && in.TceArch != "x86" {
		return tcapi.Errorf(errNotInOptions, "TceArch %q: want arm or x86", in.TceArch)
	}
	return nil
}

// checkServiceName: letters and digits, at most 30, compared and stored in
// lower case (seed, 创建服务: 不区分大小写，均以小写体现 … 长度限制为 30 字符).
func checkServiceName(n string) error {
	ok := n != "" && len(n) <= 30
	for i := 0; ok && i < len(n); i++ {
		c := n[i] | 0x20
		ok = c >= 'a' && c <= 'z' || n[i] >= '0' && n[i] <= '9'
	}
	if !ok {
		return tcapi.Errorf(errInvalidValue, "ServiceName %q: letters and digits only, at most 30 characters", n)
	}
	return nil
}

// checkProtocol: the service's front-end protocol (seed CreateService),
// which the edge enforces.
func checkProtocol(p string) error {
	switch strings.ToLower(p) {
	case "http", "https", "http&https":
		return nil
	case "":
		return tcapi.Errorf(errMissing, "Protocol is required (http, https or http&https)")
	}
	return tcapi.Errorf(errNotInOptions, "Protocol %q: want http, https or http&https", p)
}

func checkNetTypes(nt []string) error {
	for _, t := range nt {
		if t != "INNER" && t != "OUTER" {
			return tcapi.Errorf(errNotInOptions, "NetTypes: %q is not INNER or OUTER", t)
		}
	}
	return nil
}

// createServiceResp is CreateService's output.
type createServiceResp struct {
	ServiceId, ServiceName, ServiceDesc, OuterSubDomain, InnerSubDomain, CreatedTime string
	NetTypes                                                                         []string
	IpVersion                                                                        string
}

func (a *Admin) createService(_ context.Context, in *serviceFields) (*createServiceResp, error) {
	rec := serviceRecord{ServiceId: newID("service-"), serviceFields: *in, stamps: a.stamped()}
	rec.ServiceName, rec.Protocol = strings.ToLower(in.ServiceName), strings.ToLower(in.Protocol)
	// NetTypes default OUTER, IpVersion IPv4 (seed CreateService).
	if len(rec.NetTypes) == 0 {
		rec.NetTypes = []string{"OUTER"}
	}
	rec.IpVersion = or(rec.IpVersion, "IPv4")
	// Published: the new host answers EnvironmentNotFound until a release.
	err := a.insert(serviceLimit(a.opts.Limits.Services), svcKey(rec.ServiceId), rec, true)
	if err != nil {
		return nil, err
	}
	return &createServiceResp{ServiceId: rec.ServiceId, ServiceName: rec.ServiceName, ServiceDesc: rec.ServiceDesc,
		OuterSubDomain: a.domain(rec.ServiceId), InnerSubDomain: a.domain(rec.ServiceId),
		CreatedTime: rec.CreatedTime, NetTypes: rec.NetTypes, IpVersion: rec.IpVersion}, nil
}

func serviceLimit(max int) limit {
	return limit{prefix: "svc:", max: max, code: "LimitExceeded.ServiceCountLimitExceeded", what: "services"}
}

// serviceIDReq names a service.
type serviceIDReq struct {
	ServiceId string
}

// getService loads a service or answers ResourceNotFound.InvalidService.
func getService(tx *buntdb.Tx, id string) (serviceRecord, error) {
	return getRecord[serviceRecord](tx, "ServiceId", id, svcKey(id), "ResourceNotFound.InvalidService", "service "+id+" does not exist")
}

// inService runs fn in a write (Admin.write) on service id, which must
// exist.
func (a *Admin) inService(id string, fn func(tx *buntdb.Tx, svc serviceRecord) (publish bool, err error)) error {
	return a.write(func(tx *buntdb.Tx) (bool, error) {
		svc, err := getService(tx, id)
		if err != nil {
			return false, err
		}
		return fn(tx, svc)
	})
}

// releasedEnvs lists the environments a service is released to.
func releasedEnvs(tx *buntdb.Tx, svc string) []envRecord {
	var out []envRecord
	tx.AscendKeys(envPrefix(svc)+"*", func(_, v string) bool {
		var e envRecord
		if json.Unmarshal([]byte(v), &e) == nil && e.Status == 1 {
			out = append(out, e)
		}
		return true
	})
	return out
}

// serviceView is the seed's Service structure (DescribeServicesStatus).
type serviceView struct {
	ServiceId, ServiceName, ServiceDesc, Protocol, CreatedTime, ModifiedTime string
	NetTypes                                                                 []string
	ExclusiveSetName, IpVersion                                              string
	AvailableEnvironments                                                    []string
	OuterSubDomain, InnerSubDomain                                           string
	InnerHttpPort, InnerHttpsPort                                            int64
	Tags                                                                     []Tag
	InstanceId, SetType                                                      string
	TradeIsolateStatus                                                       int64
}

func (a *Admin) serviceView(tx *buntdb.Tx, s serviceRecord) serviceView {
	envs := []string{}
	for _, e := range releasedEnvs(tx, s.ServiceId) {
		envs = append(envs, e.EnvironmentName)
	}
	return serviceView{
		ServiceId: s.ServiceId, ServiceName: s.ServiceName, ServiceDesc: s.ServiceDesc, Protocol: s.Protocol,
		CreatedTime: s.CreatedTime, ModifiedTime: s.ModifiedTime, NetTypes: s.NetTypes,
		ExclusiveSetName: s.ExclusiveSetName, IpVersion: s.IpVersion, AvailableEnvironments: envs,
		OuterSubDomain: a.domain(s.ServiceId), InnerSubDomain: a.domain(s.ServiceId),
		InnerHttpPort: int64(a.opts.Port), Tags: orEmpty(s.Tags), InstanceId: s.InstanceId, SetType: "SHARED",
	}
}

// serviceDetail is the output of DescribeServiceForApiApp: a service's
// fields at the top level of Response, with its APIs and service-level
// usage plans.
type serviceDetail struct {
	ServiceId                                                                       string
	AvailableEnvironments                                                           []string
	ServiceName, ServiceDesc, Protocol, CreatedTime, ModifiedTime, ExclusiveSetName string
	NetTypes                                                                        []string
	InternalSubDomain, OuterSubDomain                                               string
	InnerHttpPort, InnerHttpsPort                                                   int64
	ApiTotalCount                                                                   int
	ApiIdStatusSet                                                                  []apiIdStatus
	UsagePlanTotalCount                                                             int
	UsagePlanList                                                                   []usagePlanSummary
	IpVersion, UserType                                                             string
	SetId                                                                           int64
	Tags                                                                            []Tag
}

// serviceDetailsResp is DescribeService's output: the seed names the
// creation time CreateTime here, the SDK CreatedTime; both are sent.
type serviceDetailsResp struct {
	serviceDetail
	CreateTime, InstanceId, InstanceName, SetType, ProjectId, TceArch string
}

// serviceDetails describes service id for DescribeService and
// DescribeServiceForApiApp.
func (a *Admin) serviceDetails(id string) (*serviceDetailsResp, error) {
	var out *serviceDetailsResp
	err := a.db.View(func(tx *buntdb.Tx) error {
		s, err := getService(tx, id)
		if err != nil {
			return err
		}
		v := a.serviceView(tx, s)
		apis, err := listAPIs(tx, s.ServiceId)
		if err != nil {
			return err
		}
		set := make([]apiIdStatus, 0, len(apis))
		for i := range apis {
			set = append(set, apiIDStatus(&apis[i].Api))
		}
		plans, err := servicePlanList(tx, s.ServiceId)
		if err != nil {
			return err
		}
		out = &serviceDetailsResp{serviceDetail: serviceDetail{
			ServiceId: v.ServiceId, AvailableEnvironments: v.AvailableEnvironments,
			ServiceName: v.ServiceName, ServiceDesc: v.ServiceDesc, Protocol: v.Protocol,
			CreatedTime: v.CreatedTime, ModifiedTime: v.ModifiedTime,
			ExclusiveSetName: v.ExclusiveSetName, NetTypes: v.NetTypes,
			InternalSubDomain: v.InnerSubDomain, OuterSubDomain: v.OuterSubDomain, InnerHttpPort: v.InnerHttpPort,
			ApiTotalCount: len(set), ApiIdStatusSet: set, UsagePlanTotalCount: len(plans), UsagePlanList: plans,
			IpVersion: v.IpVersion, Tags: v.Tags,
		}, CreateTime: v.CreatedTime, InstanceId: v.InstanceId, SetType: v.SetType, ProjectId: s.ProjectId, TceArch: s.TceArch}
		return nil
	})
	return out, err
}

func (a *Admin) describeService(_ context.Context, in *serviceIDReq) (*serviceDetailsResp, error) {
	return a.serviceDetails(in.ServiceId)
}

// servicesStatus is the seed's ServicesStatus.
type servicesStatus struct {
	TotalCount int
	ServiceSet []serviceView
}

func (a *Admin) describeServicesStatus(_ context.Context, in *listParams) (*result[servicesStatus], error) {
	n, set, err := describeList(a, &in.pageParams, in.Filters,
		[]string{"ServiceId", "ServiceName", "NotUsagePlanId", "Environment", "IpVersion", "InstanceId"},
		func(tx *buntdb.Tx, fs filters) ([]serviceView, error) {
			all, err := scan[serviceRecord](tx, "svc:")
			var set []serviceView
			for _, s := range all {
				view := a.serviceView(tx, s)
				if fs.match("ServiceId", s.ServiceId) && fs.matchSub("ServiceName", s.ServiceName) &&
					fs.match("IpVersion", s.IpVersion) && fs.match("InstanceId", s.InstanceId) &&
					fs.matchAny("Environment", view.AvailableEnvironments) {
					set = append(set, view)
				}
			}
			return set, err
		})
	return resultOf(servicesStatus{n, set}, err)
}

type modifyServiceReq struct {
	ServiceId                          string
	ServiceName, ServiceDesc, Protocol *string
	NetTypes                           []string
	ProjectId                          *string
}

func (a *Admin) modifyService(_ context.Context, in *modifyServiceReq) (*none, error) {
	return nil, a.write(func(tx *buntdb.Tx) (bool, error) {
		s, err := getService(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		if in.ServiceName != nil {
			if err := checkServiceName(*in.ServiceName); err != nil {
				return false, err
			}
			s.ServiceName = strings.ToLower(*in.ServiceName)
		}
		setIf(&s.ServiceDesc, in.ServiceDesc)
		if in.Protocol != nil {
			if err := checkProtocol(*in.Protocol); err != nil {
				return false, err
			}
			s.Protocol = strings.ToLower(*in.Protocol)
		}
		if in.NetTypes != nil {
			if err := checkNetTypes(in.NetTypes); err != nil {
				return false, err
			}
			for _, old := range s.NetTypes {
				if !slices.Contains(in.NetTypes, old) {
					return false, tcapi.Errorf("UnsupportedOperation.ReduceNetTypes", "network types can be added, not removed (%s)", old)
				}
			}
			s.NetTypes = in.NetTypes
		}
		setIf(&s.ProjectId, in.ProjectId)
		s.ModifiedTime = a.now()
		// The name and protocol travel with the snapshot (every service is in it).
		return true, store.SetJSON(tx, svcKey(s.ServiceId), s)
	})
}

type deleteServiceReq struct {
	ServiceId        string
	SkipVerification int64
}

func (a *Admin) deleteService(_ context.Context, in *deleteServiceReq) (*result[bool], error) {
	return done(a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		if envs := releasedEnvs(tx, in.ServiceId); len(envs) > 0 {
			names := make([]string, len(envs))
			for i, e := range envs {
				names[i] = e.EnvironmentName
			}
			return false, tcapi.Errorf("UnsupportedOperation.UnsupportedDeleteService",
				"the service is released to %s; take it offline with UnReleaseService first", strings.Join(names, ", "))
		}
		// Custom domains are unbound first, as the seed's guide says
		// (独立域名及证书: unbind in the service, then remove the CNAME).
		doms, err := serviceDomains(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		if len(doms) > 0 {
			return false, tcapi.Errorf("UnsupportedOperation.UnsupportedDeleteService",
				"custom domains are bound to the service (%s); unbind them with UnBindSubDomain first", doms[0].SubDomain)
		}
		// Its APIs, versions, environments, history and IP strategies
		// (ipstrategies.go) go with it.
		for _, p := range []string{apiPrefix(in.ServiceId), verPrefix(in.ServiceId), envPrefix(in.ServiceId), "hist:" + in.ServiceId + ":", ipsPrefix(in.ServiceId)} {
			if err := deletePrefix(tx, p); err != nil {
				return false, err
			}
		}
		_, err = tx.Delete(svcKey(in.ServiceId))
		return true, err // its host goes from the edge
	}))
}
