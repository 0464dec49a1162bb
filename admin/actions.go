package admin

import "github.com/edgegate/edgegate/admin/tcapi"

// actions is the Action table. Names are the seed's wire names.
func (a *Admin) actions() map[string]tcapi.Handler {
	m := a.coreActions()
	// Each capability's Actions live in its own file.
	for _, more := range []map[string]tcapi.Handler{a.accessActions(), a.trafficActions(), a.ipActions()} {
		for name, h := range more {
			if _, dup := m[name]; dup {
				panic("admin: Action registered twice: " + name)
			}
			m[name] = h
		}
	}
	return m
}

// coreActions are the services, APIs and releases Actions.
func (a *Admin) coreActions() map[string]tcapi.Handler {
	return map[string]tcapi.Handler{
		// Services (seed: 服务相关接口).
		"CreateService":                            a.createService,
		"DeleteService":                            a.deleteService,
		"DescribeService":                          a.describeService,
		"DescribeServicesStatus":                   a.describeServicesStatus,
		"ModifyService":                            a.modifyService,
		"ReleaseService":                           a.releaseService,
		"UnReleaseService":                         a.unReleaseService,
		"UpdateService":                            a.updateService,
		"DescribeServiceEnvironmentList":           a.describeServiceEnvironmentList,
		"DescribeServiceEnvironmentReleaseHistory": a.describeServiceEnvironmentReleaseHistory,
		"DescribeServiceReleaseVersion":            a.describeServiceReleaseVersion,
		// APIs (seed: API相关接口).
		"CreateApi":          a.createAPI,
		"DeleteApi":          a.deleteAPI,
		"DescribeApi":        a.describeAPI,
		"DescribeApisStatus": a.describeAPIsStatus,
		"ModifyApi":          a.modifyAPI,
		"ModifyApiIncrement": a.modifyAPIIncrement,
		// Edgegate extensions for split mode.
		"EdgeSync":      a.edgeSync,
		"DescribeEdges": a.describeEdges,
	}
}
