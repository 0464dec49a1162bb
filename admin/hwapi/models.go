package hwapi

// The bodies of seed 001's tables, which the server answers and clients
// decode (hwclient). Members are the seed's names and types (Integer and
// Long as int64). The bodies of operations the seed names without tables
// (ACL policies, special throttles) follow Huawei APIG's v2 reference.

// AppAcl is the app ACL (PUT .../apps/{app_id}/app-acl, 表3 and 表4).
type AppAcl struct {
	AppId        string   `json:"app_id,omitempty"`
	AppAclType   string   `json:"app_acl_type"`   // PERMIT, DENY
	AppAclValues []string `json:"app_acl_values"` // IPs, a-b ranges, CIDRs
}

// AclBindApiInfo is an API an ACL is bound to (acl-bindings/binded-apis, 表5).
type AclBindApiInfo struct {
	ApiId     string `json:"api_id"`
	ApiName   string `json:"api_name"`
	ApiType   int64  `json:"api_type"`
	ApiRemark string `json:"api_remark"`
	EnvId     string `json:"env_id"`
	EnvName   string `json:"env_name"`
	BindId    string `json:"bind_id"`
	GroupName string `json:"group_name"`
	BindTime  string `json:"bind_time"`
	PublishId string `json:"publish_id"`
	ReqMethod string `json:"req_method"`
}

// AclBindApis is the binded-apis answer (表4).
type AclBindApis struct {
	Size  int64            `json:"size"`
	Total int64            `json:"total"`
	Apis  []AclBindApiInfo `json:"apis"`
}

// Throttle is a throttle policy: the request (表3) and the answer (表4)
// of PUT .../throttles/{throttle_id}.
type Throttle struct {
	Id                     string `json:"id,omitempty"`
	Name                   string `json:"name"`
	ApiCallLimits          int64  `json:"api_call_limits"`
	UserCallLimits         int64  `json:"user_call_limits,omitempty"`
	AppCallLimits          int64  `json:"app_call_limits,omitempty"`
	IpCallLimits           int64  `json:"ip_call_limits,omitempty"`
	TimeInterval           int64  `json:"time_interval"`
	TimeUnit               string `json:"time_unit"` // SECOND MINUTE HOUR DAY
	Remark                 string `json:"remark,omitempty"`
	Type                   int64  `json:"type,omitempty"` // 1 basic, 2 shared
	EnableAdaptiveControl  string `json:"enable_adaptive_control,omitempty"`
	BindNum                int64  `json:"bind_num,omitempty"`
	IsIncluSpecialThrottle int64  `json:"is_inclu_special_throttle,omitempty"` // 1 has, 2 has not
	CreateTime             string `json:"create_time,omitempty"`
}

// ThrottleForApi is a throttle bound to an API
// (throttle-bindings/binded-throttles, 表5).
type ThrottleForApi struct {
	Throttle
	EnvName  string `json:"env_name"`
	BindId   string `json:"bind_id"`
	BindTime string `json:"bind_time"`
}

// ThrottlesForApi is the binded-throttles answer (表4).
type ThrottlesForApi struct {
	Size      int64            `json:"size"`
	Total     int64            `json:"total"`
	Throttles []ThrottleForApi `json:"throttles"`
}

// Env is an environment (POST .../envs, 表3 and 表4).
type Env struct {
	Id         string `json:"id,omitempty"`
	Name       string `json:"name"`
	Remark     string `json:"remark,omitempty"`
	CreateTime string `json:"create_time,omitempty"`
}

// CertificatesAttach is the body of .../domains/{domain_id}/certificates/
// attach (表3) and detach.
type CertificatesAttach struct {
	CertificateIds                  []string `json:"certificate_ids"`
	VerifiedClientCertificateEnable *bool    `json:"verified_client_certificate_enabled,omitempty"`
}

// AttachOrDetachDomainInfo is one domain of a certificate's domains
// attach or detach (表4).
type AttachOrDetachDomainInfo struct {
	Domain                           string   `json:"domain"`
	InstanceIds                      []string `json:"instance_ids,omitempty"`
	VerifiedClientCertificateEnabled *bool    `json:"verified_client_certificate_enabled,omitempty"`
}

// PluginApiInfo is an API a plugin is attached to
// (plugins/{plugin_id}/attached-apis, 表5).
type PluginApiInfo struct {
	ApiId          string `json:"api_id"`
	ApiName        string `json:"api_name"`
	Type           int64  `json:"type"`
	ReqProtocol    string `json:"req_protocol"` // HTTP HTTPS BOTH
	ReqMethod      string `json:"req_method"`
	ReqUri         string `json:"req_uri"`
	AuthType       string `json:"auth_type"`  // NONE APP IAM AUTHORIZER
	MatchMode      string `json:"match_mode"` // SWA NORMAL
	Remark         string `json:"remark"`
	GroupId        string `json:"group_id"`
	GroupName      string `json:"group_name"`
	RomaAppId      string `json:"roma_app_id"`
	EnvId          string `json:"env_id"`
	EnvName        string `json:"env_name"`
	PublishId      string `json:"publish_id"`
	PluginAttachId string `json:"plugin_attach_id,omitempty"`
	AttachedTime   string `json:"attached_time,omitempty"`
}

// PluginApis is the attached-apis answer (表4).
type PluginApis struct {
	Size  int64           `json:"size"`
	Total int64           `json:"total"`
	Apis  []PluginApiInfo `json:"apis"`
}

// ACL is an ACL policy (.../acls): the request members name, type, value
// and entity type; the answer all.
type ACL struct {
	Id         string `json:"id,omitempty"`
	Name       string `json:"acl_name"`
	Type       string `json:"acl_type"`              // PERMIT, DENY
	Value      string `json:"acl_value"`             // IPs, a-b ranges, CIDRs separated by ','
	EntityType string `json:"entity_type,omitempty"` // IP (DOMAIN is not supported)
	UpdateTime string `json:"update_time,omitempty"`
	BindNum    int64  `json:"bind_num"`
}

// ThrottleSpecial is a special throttle (.../throttles/{throttle_id}/
// throttle-specials): an app's (object_type APP) or a user's (USER: in
// Edgegate an API key) own limit.
type ThrottleSpecial struct {
	Id         string `json:"id"`
	StrategyId string `json:"strategy_id"`
	ObjectId   string `json:"object_id"`
	ObjectType string `json:"object_type"`
	ObjectName string `json:"object_name"`
	CallLimits int64  `json:"call_limits"`
	ApplyTime  string `json:"apply_time"`
	AppId      string `json:"app_id"`
	AppName    string `json:"app_name"`
}
