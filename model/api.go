package model

// Service is a service as CreateService and DescribeService describe it
// (seed 000, 服务相关接口).
type Service struct {
	ServiceId   string `json:"ServiceId"`
	ServiceName string `json:"ServiceName,omitempty"`
	ServiceDesc string `json:"ServiceDesc,omitempty"`
	// Protocol is the front-end protocol: http, https or http&https.
	Protocol string `json:"Protocol,omitempty"`
}

// API is one API definition (seed 000, CreateApi / ApiInfo). Only the
// fields that change traffic are interpreted by the data plane; the
// control plane stores the rest.
type API struct {
	ServiceId string `json:"ServiceId,omitempty"`
	ApiId     string `json:"ApiId"`
	ApiName   string `json:"ApiName,omitempty"`
	ApiDesc   string `json:"ApiDesc,omitempty"`
	// ApiType is NORMAL or TSF.
	ApiType string `json:"ApiType,omitempty"`
	// Protocol is the front-end protocol: HTTP or WEBSOCKET.
	Protocol string `json:"Protocol,omitempty"`
	// AuthType is SECRET, NONE, OAUTH or APP (default NONE).
	AuthType          string       `json:"AuthType,omitempty"`
	ApiBusinessType   string       `json:"ApiBusinessType,omitempty"`
	AuthRelationApiId string       `json:"AuthRelationApiId,omitempty"`
	OauthConfig       *OauthConfig `json:"OauthConfig,omitempty"`
	EnableCORS        bool         `json:"EnableCORS,omitempty"`

	RequestConfig     RequestConfig      `json:"RequestConfig"`
	RequestParameters []RequestParameter `json:"RequestParameters,omitempty"`

	// ServiceType is the backend type: HTTP, MOCK, TSF, SCF, WEBSOCKET or
	// TARGET.
	ServiceType string `json:"ServiceType"`
	// ServiceTimeout is the backend timeout in seconds (seed: at most 30 for
	// HTTP backends).
	ServiceTimeout     int64               `json:"ServiceTimeout,omitempty"`
	ServiceConfig      ServiceConfig       `json:"ServiceConfig"`
	ServiceParameters  []ServiceParameter  `json:"ServiceParameters,omitempty"`
	ConstantParameters []ConstantParameter `json:"ConstantParameters,omitempty"`

	// ServiceMockReturnMessage is the mock body (ServiceType MOCK).
	ServiceMockReturnMessage string `json:"ServiceMockReturnMessage,omitempty"`
	// ServiceMockStatusCode and ServiceMockHeaders are Edgegate extensions:
	// the seed's mock has a body only; the status defaults to 200.
	ServiceMockStatusCode int  `json:"ServiceMockStatusCode,omitempty"`
	ServiceMockHeaders    []KV `json:"ServiceMockHeaders,omitempty"`

	// TargetServices lists backend instances (ServiceType TARGET, and TSF
	// served from a static list).
	TargetServices                []TargetServicesReq `json:"TargetServices,omitempty"`
	TargetServicesLoadBalanceConf int64               `json:"TargetServicesLoadBalanceConf,omitempty"`
	TargetServicesHealthCheckConf *HealthCheckConf    `json:"TargetServicesHealthCheckConf,omitempty"`
	MicroServices                 []MicroServiceReq   `json:"MicroServices,omitempty"`
	ServiceTsfLoadBalanceConf     *TsfLoadBalanceConf `json:"ServiceTsfLoadBalanceConf,omitempty"`
	ServiceTsfHealthCheckConf     *HealthCheckConf    `json:"ServiceTsfHealthCheckConf,omitempty"`
}

// RequestConfig is the front-end path and method (seed: RequestConfig and
// ApiRequestConfig). Path uses the seed's match syntax: "=/x" exact,
// "^~/x" priority prefix (a plain path, no regex), "~/re" and "~*/re"
// regex (RE2, case-insensitive with "~*", anchored at the start of the
// normalised, percent-encoded path), "/a/{name}" variables (each one whole
// segment; the pattern covers the whole path; every {name} must be a
// RequestParameter with Position path), anything else a plain prefix.
// Method is GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS or ANY (empty
// means ANY). The router package documents matching in full.
type RequestConfig struct {
	Path   string `json:"Path"`
	Method string `json:"Method"`
}

// RequestParameter declares one front-end parameter (seed: RequestParameter
// and ReqParameter). Position is header (or "head"), query, path or body
// (a field of an application/x-www-form-urlencoded body). Type is string
// (the default), int, double or boolean, case-insensitive: int is
// [+-]digits within int64, double a decimal number with an optional
// exponent (no NaN, Inf or hex), boolean true or false in any case. A
// missing Required parameter, or a value of the wrong type, is answered
// 400; DefaultValue fills in an absent optional one. Query and body
// parameters are read from their first occurrence.
type RequestParameter struct {
	Name         string `json:"Name"`
	Desc         string `json:"Desc,omitempty"`
	Position     string `json:"Position"`
	Type         string `json:"Type,omitempty"`
	DefaultValue string `json:"DefaultValue,omitempty"`
	Required     bool   `json:"Required,omitempty"`
}

// ServiceConfig is the backend address (seed: ServiceConfig). Url is
// scheme://host[:port] (http, https, ws or wss); Path is the backend path, which may hold {name}
// variables.
type ServiceConfig struct {
	Product    string `json:"Product,omitempty"`
	UniqVpcId  string `json:"UniqVpcId,omitempty"`
	Url        string `json:"Url,omitempty"`
	Path       string `json:"Path,omitempty"`
	Method     string `json:"Method,omitempty"`
	UpstreamId string `json:"UpstreamId,omitempty"`

	// TLS to an https:// or wss:// Url (Edgegate extensions; the seeds
	// have no backend TLS options; README "Backends over TLS"). The
	// backend's certificate is verified against the system roots by
	// default. TlsServerName is sent as SNI and verified (default: the
	// Url's host). CaCertificateId names a CA certificate (CertificateType
	// CA) the chain must lead to instead of the system roots.
	// ClientCertificateId names a client certificate (CertificateType
	// CLIENT) presented when the backend asks (mTLS).
	// TlsInsecureSkipVerify accepts any certificate for any name: the
	// traffic is encrypted but the backend is NOT authenticated.
	TlsServerName         string `json:"TlsServerName,omitempty"`
	CaCertificateId       string `json:"CaCertificateId,omitempty"`
	ClientCertificateId   string `json:"ClientCertificateId,omitempty"`
	TlsInsecureSkipVerify bool   `json:"TlsInsecureSkipVerify,omitempty"`
}

// ServiceParameter maps a front-end parameter (RelevantRequestParameterName
// and RelevantRequestParameterPosition, which must be declared in
// RequestParameters) to a backend Name and Position (seed:
// ServiceParameter). Positions are header (the seed also writes "head"),
// query, path and body; a path target fills {Name} in ServiceConfig.Path.
// A declared parameter without a ServiceParameter is forwarded with the
// same name and position (seed: 映射参数默认会将入参以相同名字和参数位置进行
// 映射); one mapped elsewhere is removed from where it came (a header renamed
// X → Y: X dropped, Y added). DefaultValue is sent when the front-end
// parameter is absent and has no default of its own.
type ServiceParameter struct {
	Name                             string `json:"Name,omitempty"`
	Position                         string `json:"Position,omitempty"`
	RelevantRequestParameterPosition string `json:"RelevantRequestParameterPosition,omitempty"`
	RelevantRequestParameterName     string `json:"RelevantRequestParameterName,omitempty"`
	DefaultValue                     string `json:"DefaultValue,omitempty"`
	RelevantRequestParameterDesc     string `json:"RelevantRequestParameterDesc,omitempty"`
	RelevantRequestParameterType     string `json:"RelevantRequestParameterType,omitempty"`
}

// ConstantParameter is a header or query value added to every backend call
// (seed: ConstantParameter, 常量和系统参数); Position is header (or "head")
// or query. A client value of the same name is dropped, so a client cannot
// override a constant.
//
// DefaultValue is the literal value, except that a value starting with "$"
// must be exactly one of SystemParameters and sends that system value
// instead, and a value starting with "$$" is a literal starting with one
// "$" ("$$5" sends "$5", "$$" sends "$"). Any other "$..." is refused when
// the API is compiled.
type ConstantParameter struct {
	Name         string `json:"Name,omitempty"`
	Desc         string `json:"Desc,omitempty"`
	Position     string `json:"Position,omitempty"`
	DefaultValue string `json:"DefaultValue,omitempty"`
}

// SystemParameters are the values a ConstantParameter may carry to the
// backend by naming them in DefaultValue (seed: 常量和系统参数):
//
//	$client_ip   the client's address as the edge saw it
//	$request_id  the request id the edge assigned (X-Request-ID)
//	$api_id      the matched API's ApiId
//	$service_id  its ServiceId
//	$environment the environment that served it (release, test, ...)
//	$api_name    the API's ApiName
//	$host        the request's Host, as sent
//	$time_unix   the time the request arrived, in Unix seconds
var SystemParameters = []string{
	"$client_ip", "$request_id", "$api_id", "$service_id", "$environment",
	"$api_name", "$host", "$time_unix",
}

// TargetServicesReq is one backend instance (seed: TargetServicesReq).
// Weight is an Edgegate extension for weighted selection (default 1).
type TargetServicesReq struct {
	VmIp     string `json:"VmIp"`
	VpcId    string `json:"VpcId,omitempty"`
	VmPort   int64  `json:"VmPort"`
	HostIp   string `json:"HostIp,omitempty"`
	DockerIp string `json:"DockerIp,omitempty"`
	Weight   int64  `json:"Weight,omitempty"`
}

// HealthCheckConf configures passive and active health checks (seed:
// HealthCheckConf). RequestVolumeThreshold is the number of consecutive
// failures that eject a target, SleepWindowInMilliseconds the cool-down
// before it is tried again. HealthCheckPath and HealthCheckIntervalMs are
// Edgegate extensions that turn on an active HTTP check.
type HealthCheckConf struct {
	IsHealthCheck             bool   `json:"IsHealthCheck,omitempty"`
	RequestVolumeThreshold    int64  `json:"RequestVolumeThreshold,omitempty"`
	SleepWindowInMilliseconds int64  `json:"SleepWindowInMilliseconds,omitempty"`
	ErrorThresholdPercentage  int64  `json:"ErrorThresholdPercentage,omitempty"`
	HealthCheckPath           string `json:"HealthCheckPath,omitempty"`
	HealthCheckIntervalMs     int64  `json:"HealthCheckIntervalMs,omitempty"`
}

// MicroServiceReq names a TSF microservice (seed: MicroServiceReq).
type MicroServiceReq struct {
	ClusterId        string `json:"ClusterId"`
	NamespaceId      string `json:"NamespaceId"`
	MicroServiceName string `json:"MicroServiceName"`
}

// TsfLoadBalanceConf is the TSF load-balancing config (seed:
// TsfLoadBalanceConfResp). Method is "RoundRobin" or "Weighted".
type TsfLoadBalanceConf struct {
	IsLoadBalance        bool   `json:"IsLoadBalance,omitempty"`
	Method               string `json:"Method,omitempty"`
	SessionStickRequired bool   `json:"SessionStickRequired,omitempty"`
	SessionStickTimeout  int64  `json:"SessionStickTimeout,omitempty"`
}

// OauthConfig carries the authorization API's key and token location
// (seed: OauthConfig).
type OauthConfig struct {
	PublicKey        string `json:"PublicKey"`
	TokenLocation    string `json:"TokenLocation"`
	LoginRedirectUrl string `json:"LoginRedirectUrl,omitempty"`
}

// KV is a name and a value.
type KV struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}
