package admin

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
)

type createServiceReq struct {
	ServiceName      string   `json:"ServiceName"`
	Protocol         string   `json:"Protocol"`
	ServiceDesc      string   `json:"ServiceDesc"`
	ExclusiveSetName string   `json:"ExclusiveSetName"`
	NetTypes         []string `json:"NetTypes"`
	IpVersion        string   `json:"IpVersion"`
	SetServerName    string   `json:"SetServerName"`
	AppIdType        string   `json:"AppIdType"`
	Tags             []Tag    `json:"Tags"`
	InstanceId       string   `json:"InstanceId"`
	ProjectId        string   `json:"ProjectId"`
	TceArch          string   `json:"TceArch"`
}

// validServiceName: letters and digits, at most 30, compared and stored in
// lower case (seed, 创建服务: 不区分大小写，均以小写体现 … 长度限制为 30 字符).
func validServiceName(n string) bool {
	if n == "" || len(n) > 30 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func checkProtocol(p string) error {
	switch strings.ToLower(p) {
	case "http", "http&https":
		return nil
	case "https":
		return tcapi.Errorf(errUnsupported, "Protocol https needs TLS on the edge, which Edgegate does not have yet; use http or http&https")
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

func checkIPVersion(v string) error {
	if v != "" && v != "IPv4" && v != "IPv6" {
		return tcapi.Errorf(errNotInOptions, "IpVersion %q: want IPv4 or IPv6", v)
	}
	return nil
}

func (a *Admin) createService(_ context.Context, r *tcapi.Request) (any, error) {
	var in createServiceReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.ServiceName == "" {
		return nil, tcapi.Errorf(errMissing, "ServiceName is required")
	}
	name := strings.ToLower(in.ServiceName)
	if !validServiceName(name) {
		return nil, tcapi.Errorf(errInvalidValue, "ServiceName %q: letters and digits only, at most 30 characters", in.ServiceName)
	}
	if err := checkProtocol(in.Protocol); err != nil {
		return nil, err
	}
	if err := checkNetTypes(in.NetTypes); err != nil {
		return nil, err
	}
	if err := checkIPVersion(in.IpVersion); err != nil {
		return nil, err
	}
	if in.TceArch != "" && in.TceArch != "arm" && in.TceArch != "x86" {
		return nil, tcapi.Errorf(errNotInOptions, "TceArch %q: want arm or x86", in.TceArch)
	}
	netTypes := in.NetTypes
	if len(netTypes) == 0 {
		netTypes = []string{"OUTER"}
	}
	ipv := in.IpVersion
	if ipv == "" {
		ipv = "IPv4"
	}
	now := isoTime(a.opts.Now())
	rec := serviceRecord{
		ServiceId: newID("service-"), ServiceName: name, ServiceDesc: in.ServiceDesc,
		Protocol: strings.ToLower(in.Protocol), ExclusiveSetName: in.ExclusiveSetName,
		NetTypes: netTypes, IpVersion: ipv, SetServerName: in.SetServerName, AppIdType: in.AppIdType,
		Tags: in.Tags, InstanceId: in.InstanceId, ProjectId: in.ProjectId, TceArch: in.TceArch,
		CreatedTime: now, ModifiedTime: now,
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		n := 0
		tx.AscendKeys("svc:*", func(string, string) bool { n++; return true })
		if n >= a.opts.Limits.Services {
			return false, tcapi.Errorf("LimitExceeded.ServiceCountLimitExceeded", "at most %d services", a.opts.Limits.Services)
		}
		// Published: the new host answers EnvironmentNotFound until a release.
		return true, store.SetJSON(tx, svcKey(rec.ServiceId), rec)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"ServiceId": rec.ServiceId, "ServiceName": rec.ServiceName, "ServiceDesc": rec.ServiceDesc,
		"OuterSubDomain": a.domain(rec.ServiceId), "InnerSubDomain": a.domain(rec.ServiceId),
		"CreatedTime": rec.CreatedTime, "NetTypes": rec.NetTypes, "IpVersion": rec.IpVersion,
	}, nil
}

type serviceIDReq struct {
	ServiceId string `json:"ServiceId"`
}

// getService loads a service or answers ResourceNotFound.InvalidService.
func getService(tx *buntdb.Tx, id string) (serviceRecord, error) {
	return getRecord[serviceRecord](tx, "ServiceId", id, svcKey(id), "ResourceNotFound.InvalidService", "service "+id+" does not exist")
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
	ServiceId             string   `json:"ServiceId"`
	ServiceName           string   `json:"ServiceName"`
	ServiceDesc           string   `json:"ServiceDesc"`
	Protocol              string   `json:"Protocol"`
	CreatedTime           string   `json:"CreatedTime"`
	ModifiedTime          string   `json:"ModifiedTime"`
	NetTypes              []string `json:"NetTypes"`
	ExclusiveSetName      string   `json:"ExclusiveSetName"`
	IpVersion             string   `json:"IpVersion"`
	AvailableEnvironments []string `json:"AvailableEnvironments"`
	OuterSubDomain        string   `json:"OuterSubDomain"`
	InnerSubDomain        string   `json:"InnerSubDomain"`
	InnerHttpPort         int64    `json:"InnerHttpPort"`
	InnerHttpsPort        int64    `json:"InnerHttpsPort"`
	Tags                  []Tag    `json:"Tags"`
	InstanceId            string   `json:"InstanceId"`
	SetType               string   `json:"SetType"`
	TradeIsolateStatus    int64    `json:"TradeIsolateStatus"`
}

func (a *Admin) serviceView(tx *buntdb.Tx, s serviceRecord) serviceView {
	envs := []string{}
	for _, e := range releasedEnvs(tx, s.ServiceId) {
		envs = append(envs, e.EnvironmentName)
	}
	tags := s.Tags
	if tags == nil {
		tags = []Tag{}
	}
	return serviceView{
		ServiceId: s.ServiceId, ServiceName: s.ServiceName, ServiceDesc: s.ServiceDesc, Protocol: s.Protocol,
		CreatedTime: s.CreatedTime, ModifiedTime: s.ModifiedTime, NetTypes: s.NetTypes,
		ExclusiveSetName: s.ExclusiveSetName, IpVersion: s.IpVersion, AvailableEnvironments: envs,
		OuterSubDomain: a.domain(s.ServiceId), InnerSubDomain: a.domain(s.ServiceId),
		InnerHttpPort: int64(a.opts.Port), Tags: tags, InstanceId: s.InstanceId, SetType: "SHARED",
	}
}

func (a *Admin) describeService(_ context.Context, r *tcapi.Request) (any, error) {
	var in serviceIDReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var out map[string]any
	err := a.db.View(func(tx *buntdb.Tx) error {
		s, err := getService(tx, in.ServiceId)
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
		out = map[string]any{
			"ServiceId": v.ServiceId, "AvailableEnvironments": v.AvailableEnvironments,
			"ServiceName": v.ServiceName, "ServiceDesc": v.ServiceDesc, "Protocol": v.Protocol,
			// The seed names it CreateTime here, the SDK CreatedTime: send both.
			"CreateTime": v.CreatedTime, "CreatedTime": v.CreatedTime, "ModifiedTime": v.ModifiedTime,
			"ExclusiveSetName": v.ExclusiveSetName, "NetTypes": v.NetTypes,
			"InternalSubDomain": v.InnerSubDomain, "OuterSubDomain": v.OuterSubDomain,
			"InnerHttpPort": v.InnerHttpPort, "InnerHttpsPort": 0,
			"ApiTotalCount": len(set), "ApiIdStatusSet": set,
			"UsagePlanTotalCount": len(plans), "UsagePlanList": plans,
			"IpVersion": v.IpVersion, "UserType": "", "SetId": 0, "Tags": v.Tags,
			"InstanceId": v.InstanceId, "InstanceName": "", "SetType": v.SetType,
			"ProjectId": s.ProjectId, "TceArch": s.TceArch,
		}
		return nil
	})
	return out, err
}

type describeServicesReq struct {
	Limit   *int64   `json:"Limit"`
	Offset  *int64   `json:"Offset"`
	Filters []Filter `json:"Filters"`
}

func (a *Admin) describeServicesStatus(_ context.Context, r *tcapi.Request) (any, error) {
	var in describeServicesReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	fs, err := parseFilters(in.Filters, "ServiceId", "ServiceName", "NotUsagePlanId", "Environment", "IpVersion", "InstanceId")
	if err != nil {
		return nil, err
	}
	var set []serviceView
	err = a.db.View(func(tx *buntdb.Tx) error {
		var ferr error
		tx.AscendKeys("svc:*", func(_, v string) bool {
			var s serviceRecord
			if ferr = json.Unmarshal([]byte(v), &s); ferr != nil {
				return false
			}
			view := a.serviceView(tx, s)
			if fs.match("ServiceId", s.ServiceId) && fs.matchSub("ServiceName", s.ServiceName) &&
				fs.match("IpVersion", s.IpVersion) && fs.match("InstanceId", s.InstanceId) &&
				fs.matchAny("Environment", view.AvailableEnvironments) {
				set = append(set, view)
			}
			return true
		})
		return ferr
	})
	if err != nil {
		return nil, err
	}
	total := len(set)
	return map[string]any{"Result": map[string]any{"TotalCount": total, "ServiceSet": page(set, limit, offset)}}, nil
}

type modifyServiceReq struct {
	ServiceId   string   `json:"ServiceId"`
	ServiceName *string  `json:"ServiceName"`
	ServiceDesc *string  `json:"ServiceDesc"`
	Protocol    *string  `json:"Protocol"`
	NetTypes    []string `json:"NetTypes"`
	ProjectId   *string  `json:"ProjectId"`
}

func (a *Admin) modifyService(_ context.Context, r *tcapi.Request) (any, error) {
	var in modifyServiceReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		s, err := getService(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		if in.ServiceName != nil {
			n := strings.ToLower(*in.ServiceName)
			if !validServiceName(n) {
				return false, tcapi.Errorf(errInvalidValue, "ServiceName %q: letters and digits only, at most 30 characters", *in.ServiceName)
			}
			s.ServiceName = n
		}
		if in.ServiceDesc != nil {
			s.ServiceDesc = *in.ServiceDesc
		}
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
				if !contains(in.NetTypes, old) {
					return false, tcapi.Errorf("UnsupportedOperation.ReduceNetTypes", "network types can be added, not removed (%s)", old)
				}
			}
			s.NetTypes = in.NetTypes
		}
		if in.ProjectId != nil {
			s.ProjectId = *in.ProjectId
		}
		s.ModifiedTime = isoTime(a.opts.Now())
		// The name and protocol travel with the snapshot (every service is in it).
		return true, store.SetJSON(tx, svcKey(s.ServiceId), s)
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (a *Admin) deleteService(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId        string `json:"ServiceId"`
		SkipVerification int64  `json:"SkipVerification"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
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
		var keys []string
		for _, p := range []string{apiPrefix(in.ServiceId), verPrefix(in.ServiceId), envPrefix(in.ServiceId), "hist:" + in.ServiceId + ":"} {
			tx.AscendKeys(p+"*", func(k, _ string) bool { keys = append(keys, k); return true })
		}
		keys = append(keys, svcKey(in.ServiceId))
		// The service's IP strategies go with it (ipstrategies.go).
		tx.AscendKeys(ipsPrefix(in.ServiceId)+"*", func(k, _ string) bool { keys = append(keys, k); return true })
		for _, k := range keys {
			if _, err := tx.Delete(k); err != nil {
				return false, err
			}
		}
		return true, nil // its host goes from the edge
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
