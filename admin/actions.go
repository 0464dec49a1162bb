package admin

import (
	"context"
	"reflect"
	"sort"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// action is one entry of the Action table: its wire name, its typed
// request and response, and how to bind it to an Admin.
type action struct {
	name      string
	req, resp reflect.Type
	bind      func(*Admin) tcapi.Handler
}

// act declares an Action by a method expression ((*Admin).createService):
// the request and response types come from its signature.
func act[Req, Resp any](name string, fn func(*Admin, context.Context, *Req) (*Resp, error)) action {
	return action{name: name, req: reflect.TypeFor[Req](), resp: reflect.TypeFor[Resp](),
		bind: func(a *Admin) tcapi.Handler {
			return tcapi.Action(func(ctx context.Context, in *Req) (*Resp, error) {
				// Custom environments exist in the store (hwenvs.go).
				if err := a.checkEnvNames(in); err != nil {
					return nil, err
				}
				return fn(a, ctx, in)
			})
		}}
}

// actionTable is every Action, by the seed's wire names (seed 000, API 概览,
// lines 1947-2000), grouped as the seed groups them.
var actionTable = []action{
	// API documents (API文档相关接口; apidocs.go).
	act("BuildAPIDoc", (*Admin).buildAPIDoc),
	act("CreateAPIDoc", (*Admin).createAPIDoc),
	act("DeleteAPIDoc", (*Admin).deleteAPIDoc),
	act("DescribeAPIDocDetail", (*Admin).describeAPIDocDetail),
	act("DescribeAPIDocs", (*Admin).describeAPIDocs),
	act("ModifyAPIDoc", (*Admin).modifyAPIDoc),
	act("ResetAPIDocPassword", (*Admin).resetAPIDocPassword),
	// Services (服务相关接口; services.go, releases.go).
	act("CreateService", (*Admin).createService),
	act("DeleteService", (*Admin).deleteService),
	act("DescribeService", (*Admin).describeService),
	act("DescribeServicesStatus", (*Admin).describeServicesStatus),
	act("ModifyService", (*Admin).modifyService),
	act("ReleaseService", (*Admin).releaseService),
	act("UnReleaseService", (*Admin).unReleaseService),
	act("UpdateService", (*Admin).updateService),
	act("DescribeServiceEnvironmentList", (*Admin).describeServiceEnvironmentList),
	act("DescribeServiceEnvironmentReleaseHistory", (*Admin).describeServiceEnvironmentReleaseHistory),
	act("DescribeServiceReleaseVersion", (*Admin).describeServiceReleaseVersion),
	// APIs (API相关接口; apis.go).
	act("CreateApi", (*Admin).createAPI),
	act("DeleteApi", (*Admin).deleteAPI),
	act("DescribeApi", (*Admin).describeAPI),
	act("DescribeApisStatus", (*Admin).describeAPIsStatus),
	act("ModifyApi", (*Admin).modifyAPI),
	act("ModifyApiIncrement", (*Admin).modifyAPIIncrement),
	// Keys (密钥相关接口; keys.go).
	act("CreateApiKey", (*Admin).createApiKey),
	act("DeleteApiKey", (*Admin).deleteApiKey),
	act("DescribeApiKey", (*Admin).describeApiKey),
	act("DescribeApiKeysStatus", (*Admin).describeApiKeysStatus),
	act("DisableApiKey", (*Admin).disableApiKey),
	act("EnableApiKey", (*Admin).enableApiKey),
	act("UpdateApiKey", (*Admin).updateApiKey),
	// Usage plans (使用计划相关接口, and two in 服务/API相关接口; usageplans.go,
	// planbind.go).
	act("CreateUsagePlan", (*Admin).createUsagePlan),
	act("DeleteUsagePlan", (*Admin).deleteUsagePlan),
	act("DescribeUsagePlan", (*Admin).describeUsagePlan),
	act("DescribeUsagePlansStatus", (*Admin).describeUsagePlansStatus),
	act("ModifyUsagePlan", (*Admin).modifyUsagePlan),
	act("BindSecretIds", (*Admin).bindSecretIds),
	act("UnBindSecretIds", (*Admin).unBindSecretIds),
	act("DescribeUsagePlanSecretIds", (*Admin).describeUsagePlanSecretIds),
	act("BindEnvironment", (*Admin).bindEnvironment),
	act("UnBindEnvironment", (*Admin).unBindEnvironment),
	act("DescribeUsagePlanEnvironments", (*Admin).describeUsagePlanEnvironments),
	act("DescribeApiUsagePlan", (*Admin).describeApiUsagePlan),
	act("DescribeServiceUsagePlan", (*Admin).describeServiceUsagePlan),
	act("DemoteServiceUsagePlan", (*Admin).demoteServiceUsagePlan),
	// Apps (应用相关接口; apps.go).
	act("CreateApiApp", (*Admin).createApiApp),
	act("DeleteApiApp", (*Admin).deleteApiApp),
	act("DescribeApiApp", (*Admin).describeApiApp),
	act("DescribeApiAppsStatus", (*Admin).describeApiAppsStatus),
	act("ModifyApiApp", (*Admin).modifyApiApp),
	act("BindApiApp", (*Admin).bindApiApp),
	act("UnbindApiApp", (*Admin).unbindApiApp),
	act("DescribeApiAppBindApisStatus", (*Admin).describeApiAppBindApisStatus),
	act("DescribeApiBindApiAppsStatus", (*Admin).describeApiBindApiAppsStatus),
	act("DescribeApiForApiApp", (*Admin).describeApiForApiApp),
	act("DescribeServiceForApiApp", (*Admin).describeServiceForApiApp),
	act("UpdateApiAppKey", (*Admin).updateApiAppKey),
	// Plugins (插件相关接口; plugins.go).
	act("CreatePlugin", (*Admin).createPlugin),
	act("ModifyPlugin", (*Admin).modifyPlugin),
	act("DeletePlugin", (*Admin).deletePlugin),
	act("DescribePlugin", (*Admin).describePlugin),
	act("DescribePlugins", (*Admin).describePlugins),
	act("AttachPlugin", (*Admin).attachPlugin),
	act("DetachPlugin", (*Admin).detachPlugin),
	act("DescribePluginApis", (*Admin).describePluginApis),
	act("DescribeAllPluginApis", (*Admin).describeAllPluginApis),
	// Custom domains (自定义域名相关接口; domains.go).
	act("BindSubDomain", (*Admin).bindSubDomain),
	act("UnBindSubDomain", (*Admin).unBindSubDomain),
	act("ModifySubDomain", (*Admin).modifySubDomain),
	act("DescribeServiceSubDomains", (*Admin).describeServiceSubDomains),
	act("DescribeServiceSubDomainMappings", (*Admin).describeServiceSubDomainMappings),
	act("DeleteServiceSubDomainMapping", (*Admin).deleteServiceSubDomainMapping),
	// Environment strategies (限流策略相关接口; strategies.go).
	act("ModifyServiceEnvironmentStrategy", (*Admin).modifyServiceEnvironmentStrategy),
	act("DescribeServiceEnvironmentStrategy", (*Admin).describeServiceEnvironmentStrategy),
	act("ModifyApiEnvironmentStrategy", (*Admin).modifyApiEnvironmentStrategy),
	act("DescribeApiEnvironmentStrategy", (*Admin).describeApiEnvironmentStrategy),
	// IP strategies (IP策略相关接口; ipstrategies.go).
	act("CreateIPStrategy", (*Admin).createIPStrategy),
	act("ModifyIPStrategy", (*Admin).modifyIPStrategy),
	act("DeleteIPStrategy", (*Admin).deleteIPStrategy),
	act("DescribeIPStrategy", (*Admin).describeIPStrategy),
	// The Action's own spelling (and the SDK's), and the seed's overview
	// spelling (line 1987).
	act("DescribeIPStrategysStatus", (*Admin).describeIPStrategiesStatus),
	act("DescribeIPStrategiesStatus", (*Admin).describeIPStrategiesStatus),
	act("BindIPStrategy", (*Admin).bindIPStrategy),
	act("UnBindIPStrategy", (*Admin).unBindIPStrategy),
	act("DescribeIPStrategyApisStatus", (*Admin).describeIPStrategyApisStatus),
	// Documents and SDK (文档和SDK; gendoc.go).
	act("GenerateApiDocument", (*Admin).generateApiDocument),
	// Log search (日志相关接口; logsearch.go).
	act("DescribeLogSearch", (*Admin).describeLogSearch),
	// Edgegate extensions: certificates for custom domains
	// (certificates.go), in the Tencent SSL service's spellings.
	act("UploadCertificate", (*Admin).uploadCertificate),
	act("DescribeCertificates", (*Admin).describeCertificates),
	act("DescribeCertificate", (*Admin).describeCertificate),
	act("ReplaceCertificate", (*Admin).replaceCertificate),
	act("ModifyCertificate", (*Admin).modifyCertificate),
	act("DeleteCertificate", (*Admin).deleteCertificate),
	// Edgegate extensions for split mode (edges.go).
	act("EdgeSync", (*Admin).edgeSync),
	act("DescribeEdges", (*Admin).describeEdges),
	act("CreateEdgeCredential", (*Admin).createEdgeCredential),
	act("DeleteEdgeCredential", (*Admin).deleteEdgeCredential),
}

// actions binds the Action table to a.
func (a *Admin) actions() map[string]tcapi.Handler {
	m := make(map[string]tcapi.Handler, len(actionTable))
	for _, x := range actionTable {
		if _, dup := m[x.name]; dup {
			panic("admin: Action registered twice: " + x.name)
		}
		m[x.name] = x.bind(a)
		if !edgeActions[x.name] {
			m[x.name] = a.adminOnly(x.name, m[x.name]) // edgecreds.go
		}
	}
	return m
}

// ActionNames lists the Actions the Action API serves, sorted.
func ActionNames() []string {
	out := make([]string, len(actionTable))
	for i, x := range actionTable {
		out[i] = x.name
	}
	sort.Strings(out)
	return out
}

// ActionParams returns the Go type an Action decodes its business
// parameters into: a struct whose members tcapi.Params lists with their
// wire names, Go types and whether they are required (embedded structs
// flattened). Clients such as `edgegate ctl` type their parameters from it.
// ok is false for an unknown Action.
func ActionParams(name string) (t reflect.Type, ok bool) {
	for _, x := range actionTable {
		if x.name == name {
			return x.req, true
		}
	}
	return nil, false
}
