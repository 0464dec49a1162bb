package main

import (
	"reflect"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"

	"github.com/edgegate/edgegate/admin"
)

// ctlAction is one Action as `edgegate ctl` knows it: its group and one
// line for `ctl --help`, and the declared types of its parameters.
type ctlAction struct {
	name, group, summary string
	// req is the official SDK's request model (v1.0.162) where the SDK has
	// the Action, else a local struct typed from the seed (actiontypes.go).
	req reflect.Type
	// extra holds seed parameters the SDK's model lacks (nil: none).
	extra reflect.Type
}

func sdk[T any]() reflect.Type { return reflect.TypeFor[T]() }

// adm is the admin's own request type of an Edgegate Action (one the SDK
// lacks): the server's declared parameters, so ctl cannot drift from them.
func adm(name string) reflect.Type {
	t, ok := admin.ActionParams(name)
	if !ok {
		panic("ctl: the admin serves no Action " + name)
	}
	return t
}

// Groups, in the README's order.
const (
	gServices   = "Services"
	gAPIs       = "APIs"
	gKeys       = "Keys"
	gPlans      = "Usage plans"
	gApps       = "Apps (AuthType APP)"
	gPlugins    = "Plugins"
	gStrategies = "Environment strategies (QPS caps)"
	gIP         = "IP strategies"
	gDomains    = "Custom domains"
	gLogs       = "Log search"
	gDocs       = "API documents"
	gCerts      = "Certificates (Edgegate extensions)"
	gSplit      = "Split mode (Edgegate extensions)"
)

// ctlActions lists every Action the admin serves (TestCtlActionsMatchAdmin
// holds the two lists equal).
var ctlActions = []ctlAction{
	{"CreateService", gServices, "create a service (answers on <ServiceId>.<base domain>)", sdk[apigw.CreateServiceRequest](), sdk[createServiceExtra]()},
	{"DeleteService", gServices, "delete a service that is released nowhere", sdk[apigw.DeleteServiceRequest](), nil},
	{"DescribeService", gServices, "one service, with its environments and APIs", sdk[apigw.DescribeServiceRequest](), nil},
	{"DescribeServicesStatus", gServices, "list services (Filters: ServiceId, ServiceName)", sdk[apigw.DescribeServicesStatusRequest](), nil},
	{"ModifyService", gServices, "rename a service, change its description, protocol or net types", sdk[apigw.ModifyServiceRequest](), sdk[modifyServiceExtra]()},
	{"ReleaseService", gServices, "freeze the APIs into a version and put an environment on it", sdk[apigw.ReleaseServiceRequest](), nil},
	{"UnReleaseService", gServices, "take an environment offline", sdk[apigw.UnReleaseServiceRequest](), nil},
	{"UpdateService", gServices, "switch an environment to a released version (rollback)", sdk[apigw.UpdateServiceRequest](), nil},
	{"DescribeServiceEnvironmentList", gServices, "the environments of a service and what each runs", sdk[apigw.DescribeServiceEnvironmentListRequest](), nil},
	{"DescribeServiceEnvironmentReleaseHistory", gServices, "the releases of one environment", sdk[apigw.DescribeServiceEnvironmentReleaseHistoryRequest](), nil},
	{"DescribeServiceReleaseVersion", gServices, "the released versions of a service", sdk[apigw.DescribeServiceReleaseVersionRequest](), nil},

	{"CreateApi", gAPIs, "create an API in a service", sdk[apigw.CreateApiRequest](), sdk[apiExtra]()},
	{"DeleteApi", gAPIs, "delete an API", sdk[apigw.DeleteApiRequest](), sdk[deleteApiExtra]()},
	{"DescribeApi", gAPIs, "one API in full", sdk[apigw.DescribeApiRequest](), nil},
	{"DescribeApisStatus", gAPIs, "list the APIs of a service", sdk[apigw.DescribeApisStatusRequest](), nil},
	{"ModifyApi", gAPIs, "replace an API's definition", sdk[apigw.ModifyApiRequest](), sdk[apiExtra]()},
	{"ModifyApiIncrement", gAPIs, "change an OAuth authorization API's public key", sdk[apigw.ModifyApiIncrementRequest](), nil},

	{"CreateApiKey", gKeys, "create a key pair (auto, or manual with your id and secret)", sdk[apigw.CreateApiKeyRequest](), nil},
	{"DeleteApiKey", gKeys, "delete a disabled key that is in no usage plan", sdk[apigw.DeleteApiKeyRequest](), nil},
	{"DescribeApiKey", gKeys, "one key, with its secret", sdk[apigw.DescribeApiKeyRequest](), nil},
	{"DescribeApiKeysStatus", gKeys, "list keys (secrets blank)", sdk[apigw.DescribeApiKeysStatusRequest](), nil},
	{"DisableApiKey", gKeys, "disable a key", sdk[apigw.DisableApiKeyRequest](), nil},
	{"EnableApiKey", gKeys, "enable a key", sdk[apigw.EnableApiKeyRequest](), nil},
	{"UpdateApiKey", gKeys, "rotate a key's secret", sdk[apigw.UpdateApiKeyRequest](), nil},

	{"CreateUsagePlan", gPlans, "create a usage plan (quota, QPS cap)", sdk[apigw.CreateUsagePlanRequest](), nil},
	{"DeleteUsagePlan", gPlans, "delete a plan bound to no environment", sdk[apigw.DeleteUsagePlanRequest](), nil},
	{"DescribeUsagePlan", gPlans, "one usage plan", sdk[apigw.DescribeUsagePlanRequest](), nil},
	{"DescribeUsagePlansStatus", gPlans, "list usage plans", sdk[apigw.DescribeUsagePlansStatusRequest](), nil},
	{"ModifyUsagePlan", gPlans, "change a plan's name, quota or QPS cap", sdk[apigw.ModifyUsagePlanRequest](), nil},
	{"BindSecretIds", gPlans, "put keys in a usage plan", sdk[apigw.BindSecretIdsRequest](), nil},
	{"UnBindSecretIds", gPlans, "take keys out of a usage plan", sdk[apigw.UnBindSecretIdsRequest](), nil},
	{"DescribeUsagePlanSecretIds", gPlans, "the keys of a usage plan", sdk[apigw.DescribeUsagePlanSecretIdsRequest](), nil},
	{"BindEnvironment", gPlans, "bind plans to a service environment or to APIs", sdk[apigw.BindEnvironmentRequest](), nil},
	{"UnBindEnvironment", gPlans, "unbind plans from a service environment or APIs", sdk[apigw.UnBindEnvironmentRequest](), nil},
	{"DescribeUsagePlanEnvironments", gPlans, "where a usage plan is bound", sdk[apigw.DescribeUsagePlanEnvironmentsRequest](), nil},
	{"DescribeApiUsagePlan", gPlans, "the API-level plans of a service", sdk[apigw.DescribeApiUsagePlanRequest](), nil},
	{"DescribeServiceUsagePlan", gPlans, "the service-level plans of a service", sdk[apigw.DescribeServiceUsagePlanRequest](), nil},
	{"DemoteServiceUsagePlan", gPlans, "turn a service binding into bindings to every API", sdk[apigw.DemoteServiceUsagePlanRequest](), nil},

	{"CreateApiApp", gApps, "create an app (key and secret)", sdk[createApiAppRequest](), nil},
	{"DeleteApiApp", gApps, "delete an app bound to no API", sdk[apiAppIDRequest](), nil},
	{"DescribeApiApp", gApps, "one app, with its secret", sdk[apiAppIDRequest](), nil},
	{"DescribeApiAppsStatus", gApps, "list apps (secrets blank)", sdk[pagedRequest](), nil},
	{"ModifyApiApp", gApps, "rename an app or change its description", sdk[modifyApiAppRequest](), nil},
	{"BindApiApp", gApps, "let an app call an API in an environment", sdk[apiAppBindRequest](), nil},
	{"UnbindApiApp", gApps, "take that right back", sdk[apiAppBindRequest](), nil},
	{"DescribeApiAppBindApisStatus", gApps, "the APIs an app is bound to", sdk[apiAppBindApisRequest](), nil},
	{"DescribeApiBindApiAppsStatus", gApps, "the apps bound to APIs of a service", sdk[apiBindApiAppsRequest](), nil},
	{"DescribeApiForApiApp", gApps, "one API as an app sees it", sdk[apiForApiAppRequest](), nil},
	{"DescribeServiceForApiApp", gApps, "one service as an app sees it", sdk[serviceForApiAppRequest](), nil},
	{"UpdateApiAppKey", gApps, "set (or randomise) an app's secret", sdk[updateApiAppKeyRequest](), nil},

	{"CreatePlugin", gPlugins, "create a plugin (IPControl, TrafficControl, TrafficControlByParameter, Cors)", sdk[createPluginRequest](), nil},
	{"ModifyPlugin", gPlugins, "change a plugin; published at once where attached", sdk[modifyPluginRequest](), nil},
	{"DeletePlugin", gPlugins, "delete a plugin, detaching it everywhere", sdk[pluginIDRequest](), nil},
	{"DescribePlugin", gPlugins, "one plugin, with the APIs it is attached to", sdk[pluginPagedRequest](), nil},
	{"DescribePlugins", gPlugins, "list plugins", sdk[apigw.DescribePluginsRequest](), sdk[describePluginsExtra]()},
	{"AttachPlugin", gPlugins, "attach a plugin to APIs in one environment", sdk[attachPluginRequest](), nil},
	{"DetachPlugin", gPlugins, "detach a plugin from an API", sdk[detachPluginRequest](), nil},
	{"DescribePluginApis", gPlugins, "the APIs a plugin is attached to", sdk[pluginPagedRequest](), nil},
	{"DescribeAllPluginApis", gPlugins, "every API of a service, attached or not", sdk[allPluginApisRequest](), nil},

	{"ModifyServiceEnvironmentStrategy", gStrategies, "QPS cap of service environments (-1: none)", sdk[apigw.ModifyServiceEnvironmentStrategyRequest](), nil},
	{"ModifyApiEnvironmentStrategy", gStrategies, "QPS cap of APIs in an environment (-1: none)", sdk[apigw.ModifyApiEnvironmentStrategyRequest](), nil},
	{"DescribeServiceEnvironmentStrategy", gStrategies, "the caps of a service's environments", sdk[apigw.DescribeServiceEnvironmentStrategyRequest](), nil},
	{"DescribeApiEnvironmentStrategy", gStrategies, "the caps of a service's APIs", sdk[apigw.DescribeApiEnvironmentStrategyRequest](), nil},

	{"CreateIPStrategy", gIP, "create a WHITE or BLACK address list in a service", sdk[apigw.CreateIPStrategyRequest](), nil},
	{"ModifyIPStrategy", gIP, "replace a strategy's list", sdk[apigw.ModifyIPStrategyRequest](), nil},
	{"DeleteIPStrategy", gIP, "delete a strategy and its bindings", sdk[apigw.DeleteIPStrategyRequest](), nil},
	{"DescribeIPStrategy", gIP, "one strategy, with its bound APIs", sdk[apigw.DescribeIPStrategyRequest](), nil},
	{"DescribeIPStrategysStatus", gIP, "list a service's strategies", sdk[apigw.DescribeIPStrategysStatusRequest](), nil},
	{"DescribeIPStrategiesStatus", gIP, "the same (the seed overview's spelling)", sdk[apigw.DescribeIPStrategysStatusRequest](), nil},
	{"BindIPStrategy", gIP, "bind a strategy to APIs in an environment", sdk[apigw.BindIPStrategyRequest](), nil},
	{"UnBindIPStrategy", gIP, "unbind it", sdk[apigw.UnBindIPStrategyRequest](), nil},
	{"DescribeIPStrategyApisStatus", gIP, "the APIs a strategy could still bind", sdk[apigw.DescribeIPStrategyApisStatusRequest](), nil},

	{"BindSubDomain", gDomains, "bind a custom domain to a service (Protocol, PathMappingSet, CertificateId)", sdk[apigw.BindSubDomainRequest](), nil},
	{"ModifySubDomain", gDomains, "change a custom domain's protocol, mappings or certificate", sdk[apigw.ModifySubDomainRequest](), nil},
	{"UnBindSubDomain", gDomains, "unbind a custom domain", sdk[apigw.UnBindSubDomainRequest](), nil},
	{"DescribeServiceSubDomains", gDomains, "the custom domains of a service", sdk[apigw.DescribeServiceSubDomainsRequest](), nil},
	{"DescribeServiceSubDomainMappings", gDomains, "a custom domain's path mappings", sdk[apigw.DescribeServiceSubDomainMappingsRequest](), nil},
	{"DeleteServiceSubDomainMapping", gDomains, "delete one environment's path mapping", sdk[apigw.DeleteServiceSubDomainMappingRequest](), nil},

	{"CreateAPIDoc", gDocs, "create a password-protected document over APIs of a service environment (and build it)", sdk[apigw.CreateAPIDocRequest](), nil},
	{"ModifyAPIDoc", gDocs, "change a document's name, service, environment or APIs (and rebuild it)", sdk[apigw.ModifyAPIDocRequest](), nil},
	{"DeleteAPIDoc", gDocs, "delete a document and its page", sdk[apigw.DeleteAPIDocRequest](), nil},
	{"DescribeAPIDocs", gDocs, "list documents", sdk[apigw.DescribeAPIDocsRequest](), sdk[describeAPIDocsExtra]()},
	{"DescribeAPIDocDetail", gDocs, "one document: status, URI, share password, APIs", sdk[apigw.DescribeAPIDocDetailRequest](), nil},
	{"BuildAPIDoc", gDocs, "rebuild a document's page from what its environment runs", sdk[apigw.BuildAPIDocRequest](), nil},
	{"ResetAPIDocPassword", gDocs, "give a document a new share password (ends open sessions)", sdk[apigw.ResetAPIDocPasswordRequest](), nil},
	{"GenerateApiDocument", "Documents and SDK", "OpenAPI 3.1 document and Go, Python or JavaScript SDK links of an environment (ctl sdk downloads them)", sdk[apigw.GenerateApiDocumentRequest](), nil},
	{"DescribeLogSearch", gLogs, "search the access log (time range, LogQuerys, ConText paging)", sdk[apigw.DescribeLogSearchRequest](), nil},

	{"UploadCertificate", gCerts, "store a certificate: SVR chain and key, CA bundle or CLIENT (validated; key sealed at rest)", adm("UploadCertificate"), nil},
	{"DescribeCertificates", gCerts, "list certificates (soonest expiry first)", adm("DescribeCertificates"), nil},
	{"DescribeCertificate", gCerts, "one certificate, with its PEM chain", adm("DescribeCertificate"), nil},
	{"ReplaceCertificate", gCerts, "renew a certificate in place (bound domains follow)", adm("ReplaceCertificate"), nil},
	{"ModifyCertificate", gCerts, "change a certificate's Alias or IsDefault", adm("ModifyCertificate"), nil},
	{"DeleteCertificate", gCerts, "delete a certificate no domain or API uses", adm("DeleteCertificate"), nil},

	{"DescribeEdges", gSplit, "the edges following this admin and their revisions", sdk[struct{}](), nil},
	{"EdgeSync", gSplit, "an edge's long-poll for new revisions", sdk[edgeSyncRequest](), nil},
	{"CreateEdgeCredential", gSplit, "a credential for edges: EdgeSync only (its Result is the edge's --credentials file)", adm("CreateEdgeCredential"), nil},
	{"DeleteEdgeCredential", gSplit, "revoke an edge credential", adm("DeleteEdgeCredential"), nil},
}

// findAction returns the Action named name, or nil.
func findAction(name string) *ctlAction {
	for i := range ctlActions {
		if ctlActions[i].name == name {
			return &ctlActions[i]
		}
	}
	return nil
}
