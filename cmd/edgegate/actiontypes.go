package main

// Parameters of the Actions that SDK v1.0.162 lacks, and of the seed
// fields its models lack, typed as seed 000 declares them (English digest:
// spec/ACTIONS.md). Field names are the wire names.

// tag is the seed's Tag structure.
type tag struct{ Key, Value string }

// filter is the seed's Filter structure.
type filter struct {
	Name   string
	Values []string
}

type pagedRequest struct {
	Limit, Offset int64
	Filters       []filter
}

// Apps (seed 应用相关接口).
type createApiAppRequest struct {
	ApiAppName, ApiAppDesc string
	Tags                   []tag
	ProjectId              string
}

type apiAppIDRequest struct{ ApiAppId string }

type modifyApiAppRequest struct{ ApiAppId, ApiAppName, ApiAppDesc, ProjectId string }

type apiAppBindRequest struct{ ApiAppId, Environment, ServiceId, ApiId string }

type apiAppBindApisRequest struct {
	pagedRequest
	ApiAppId string
}

type apiBindApiAppsRequest struct {
	pagedRequest
	ServiceId string
	ApiIds    []string
}

type apiForApiAppRequest struct{ ServiceId, ApiId, ApiRegion string }

type serviceForApiAppRequest struct{ ServiceId, ApiRegion string }

type updateApiAppKeyRequest struct{ ApiAppId, ApiAppKey, ApiAppSecret string }

// Plugins (seed 插件相关接口).
type createPluginRequest struct {
	PluginName, PluginType, Description, PluginData, PluginAttribute string
	Tags                                                             []tag
	ProjectId                                                        string
}

type modifyPluginRequest struct{ PluginId, PluginName, Description, PluginData, ProjectId string }

type pluginIDRequest struct{ PluginId string }

type pluginPagedRequest struct {
	pagedRequest
	PluginId, Order, OrderBy string
}

type attachPluginRequest struct {
	PluginId, ServiceId, EnvironmentName string
	ApiIds                               []string
}

type detachPluginRequest struct{ PluginId, ServiceId, EnvironmentName, ApiId string }

type allPluginApisRequest struct {
	pluginPagedRequest
	ServiceId, EnvironmentName string
}

// EdgeSync is Edgegate's (admin/edges.go).
type edgeSyncRequest struct {
	EdgeId, Address string
	Revision        uint64
	WaitSeconds     int64
	Quotas          map[string]int64
}

// Seed fields the SDK's models lack.
type createServiceExtra struct{ ProjectId, TceArch string }

type modifyServiceExtra struct{ ProjectId string }

type deleteApiExtra struct{ InternalReqSource string }

type describePluginsExtra struct{ Order, OrderBy, PluginAttribute string }

// describeAPIDocsExtra: the seed's DescribeAPIDocs members the SDK lacks.
type describeAPIDocsExtra struct {
	Filters        []filter
	Order, OrderBy string
}

type apiExtra struct {
	EventBusId, InternalReqSource, ServiceScfFunctionType string
	EIAMAppType, EIAMAuthType, EIAMAppId                  string
	TokenTimeout                                          int64
	ServiceConfig                                         struct {
		UpstreamId string
		// TLS to https:// and wss:// backends (README "Backends over TLS").
		TlsServerName, CaCertificateId, ClientCertificateId string
		TlsInsecureSkipVerify                               bool
	}
}
