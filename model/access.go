package model

// Access is who may call what (issue 5): API keys, usage plans and their
// bindings, and applications. The control plane fills it at publish time;
// snapshot compiles it into the edge's verification tables.
//
// Secrets appear here in clear: a Published value lives in memory and on
// the authenticated admin→edge channel only (see README "Secrets").
type Access struct {
	Keys  []Key       `json:"Keys,omitempty"`
	Plans []UsagePlan `json:"Plans,omitempty"`
	Apps  []App       `json:"Apps,omitempty"`
}

// Key is an API key pair (seed: ApiKey). Status 1 is enabled, 0 disabled.
type Key struct {
	SecretId  string `json:"SecretId"`
	SecretKey string `json:"SecretKey"`
	Status    int    `json:"Status"`
}

// UsagePlan is a usage plan with its keys and bindings (seed: UsagePlan).
// MaxRequestNum -1 means no total quota; MaxRequestNumPreSec -1 no QPS cap.
type UsagePlan struct {
	UsagePlanId         string        `json:"UsagePlanId"`
	MaxRequestNum       int64         `json:"MaxRequestNum"`
	MaxRequestNumPreSec int64         `json:"MaxRequestNumPreSec"`
	SecretIds           []string      `json:"SecretIds,omitempty"`
	Bindings            []PlanBinding `json:"Bindings,omitempty"`
}

// PlanBinding binds a plan to a service environment (ApiId empty) or to
// one API of it (seed: BindEnvironment, BindType SERVICE or API).
type PlanBinding struct {
	ServiceId   string `json:"ServiceId"`
	Environment string `json:"Environment"`
	ApiId       string `json:"ApiId,omitempty"`
}

// App is an application (seed: ApiAppInfo) and the APIs bound to it.
// Status 1 is enabled.
type App struct {
	ApiAppId     string       `json:"ApiAppId"`
	ApiAppKey    string       `json:"ApiAppKey"`
	ApiAppSecret string       `json:"ApiAppSecret"`
	Status       int          `json:"Status"`
	Apis         []AppBinding `json:"Apis,omitempty"`
	// AclType (WHITE or BLACK) and AclData (IPs, CIDRs and ranges
	// separated by ';') restrict where the app may call from: the Huawei
	// REST interface's app ACL (admin/hwappacl.go). Empty: anywhere.
	AclType string `json:"AclType,omitempty"`
	AclData string `json:"AclData,omitempty"`
}

// AppBinding is one API an app may call, in one environment
// (seed: BindApiApp).
type AppBinding struct {
	ServiceId   string `json:"ServiceId"`
	Environment string `json:"Environment"`
	ApiId       string `json:"ApiId"`
}
