package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// TestSDKServicesAPIsReleases drives every service, API and release Action
// with the official Go SDK against a real process, and checks that the
// edge follows.
func TestSDKServicesAPIsReleases(t *testing.T) {
	up := startUpstream(t)
	cp := startControlPlane(t)
	for _, method := range []string{"POST", "GET"} {
		t.Run(method, func(t *testing.T) {
			sdkLifecycle(t, cp, cp.sdk("", method), up)
		})
	}
}

func sdkLifecycle(t *testing.T, cp *controlPlane, c *apigw.Client, up *upstreamProc) {
	defer catchSDK(t)
	// CreateService
	cs := apigw.NewCreateServiceRequest()
	cs.ServiceName = common.StringPtr("Shop1")
	cs.Protocol = common.StringPtr("http")
	cs.ServiceDesc = common.StringPtr("the shop")
	cs.NetTypes = common.StringPtrs([]string{"OUTER"})
	csr := mustSDK(c.CreateService(cs))
	svc := *csr.Response.ServiceId
	if len(svc) != len("service-")+8 || svc[:8] != "service-" || *csr.Response.ServiceName != "shop1" ||
		*csr.Response.OuterSubDomain != svc+".localhost" || *csr.Response.RequestId == "" || *csr.Response.CreatedTime == "" {
		t.Fatalf("CreateService: %s", csr.ToJsonString())
	}

	// DescribeService
	ds := apigw.NewDescribeServiceRequest()
	ds.ServiceId = common.StringPtr(svc)
	dsr := mustSDK(c.DescribeService(ds))
	if *dsr.Response.ServiceDesc != "the shop" || *dsr.Response.Protocol != "http" || *dsr.Response.ApiTotalCount != 0 ||
		*dsr.Response.CreatedTime != *csr.Response.CreatedTime || len(dsr.Response.AvailableEnvironments) != 0 {
		t.Errorf("DescribeService: %s", dsr.ToJsonString())
	}

	// ModifyService
	ms := apigw.NewModifyServiceRequest()
	ms.ServiceId = common.StringPtr(svc)
	ms.ServiceDesc = common.StringPtr("renamed")
	mustSDK(c.ModifyService(ms))
	dsr = mustSDK(c.DescribeService(ds))
	if *dsr.Response.ServiceDesc != "renamed" {
		t.Errorf("ModifyService did not stick: %s", dsr.ToJsonString())
	}

	// CreateApi: an HTTP API with parameters and a mock.
	ca := apigw.NewCreateApiRequest()
	ca.ServiceId = common.StringPtr(svc)
	ca.ApiName = common.StringPtr("orders")
	ca.ServiceType = common.StringPtr("HTTP")
	ca.ServiceTimeout = common.Int64Ptr(10)
	ca.Protocol = common.StringPtr("HTTP")
	ca.RequestConfig = &apigw.ApiRequestConfig{Path: common.StringPtr("/orders/{id}"), Method: common.StringPtr("GET")}
	ca.RequestParameters = []*apigw.RequestParameter{{Name: common.StringPtr("id"), Position: common.StringPtr("path"), Type: common.StringPtr("int"), Required: common.BoolPtr(true)}}
	ca.ServiceConfig = &apigw.ServiceConfig{Url: common.StringPtr("http://" + up.HTTP), Path: common.StringPtr("/echo/{id}"), Method: common.StringPtr("GET")}
	ca.ConstantParameters = []*apigw.ConstantParameter{{Name: common.StringPtr("X-From"), Position: common.StringPtr("header"), DefaultValue: common.StringPtr("gateway")}}
	ca.ResponseType = common.StringPtr("JSON")
	ca.ResponseErrorCodes = []*apigw.ResponseErrorCodeReq{{Code: common.Int64Ptr(1001), Msg: common.StringPtr("bad"), Desc: common.StringPtr("d")}}
	car := mustSDK(c.CreateApi(ca))
	apiID := *car.Response.Result.ApiId
	if apiID[:4] != "api-" || *car.Response.Result.Path != "/orders/{id}" || *car.Response.Result.Method != "GET" {
		t.Fatalf("CreateApi: %s", car.ToJsonString())
	}
	pingID := sdkAPI(c, svc, "=/ping", func(ca *apigw.CreateApiRequest) { ca.ServiceMockReturnMessage = common.StringPtr("pong-v1") })

	// DescribeApi round-trips what was stored.
	da := apigw.NewDescribeApiRequest()
	da.ServiceId, da.ApiId = common.StringPtr(svc), common.StringPtr(apiID)
	dar := mustSDK(c.DescribeApi(da))
	r := dar.Response.Result
	if *r.ApiName != "orders" || *r.ServiceTimeout != 10 || *r.ServiceConfig.Url != "http://"+up.HTTP ||
		*r.RequestParameters[0].Type != "int" || *r.ConstantParameters[0].DefaultValue != "gateway" ||
		*r.ResponseType != "JSON" || *r.ResponseErrorCodes[0].Code != 1001 || *r.ServiceName != "shop1" {
		t.Errorf("DescribeApi: %s", dar.ToJsonString())
	}

	// DescribeApisStatus with a filter and paging.
	das := apigw.NewDescribeApisStatusRequest()
	das.ServiceId = common.StringPtr(svc)
	dasr := mustSDK(c.DescribeApisStatus(das))
	if *dasr.Response.Result.TotalCount != 2 {
		t.Errorf("DescribeApisStatus: %s", dasr.ToJsonString())
	}
	das.Filters = []*apigw.Filter{{Name: common.StringPtr("ApiName"), Values: common.StringPtrs([]string{"ping"})}}
	dasr = mustSDK(c.DescribeApisStatus(das))
	if *dasr.Response.Result.TotalCount != 1 || *dasr.Response.Result.ApiIdStatusSet[0].ApiId != pingID {
		t.Errorf("DescribeApisStatus filtered: %s", dasr.ToJsonString())
	}
	das.Filters = []*apigw.Filter{{Name: common.StringPtr("Bogus"), Values: common.StringPtrs([]string{"x"})}}
	if _, err := c.DescribeApisStatus(das); sdkCode(err) != "InvalidParameterValue.InvalidFilterNotSupportedName" {
		t.Errorf("bad filter: %v", err)
	}

	// ModifyApiIncrement only applies to OAuth authorization APIs.
	mi := apigw.NewModifyApiIncrementRequest()
	mi.ServiceId, mi.ApiId = common.StringPtr(svc), common.StringPtr(apiID)
	mi.BusinessType = common.StringPtr("OAUTH")
	mi.PublicKey = common.StringPtr("key")
	if _, err := c.ModifyApiIncrement(mi); sdkCode(err) != "InvalidParameterValue.InvalidApiBusinessType" {
		t.Errorf("ModifyApiIncrement on a NORMAL API: %v", err)
	}

	// Nothing is served before a release.
	edge := cp.edge(svc)
	if a := edge.get("/ping"); a.status != 404 {
		t.Errorf("before release: %v", a)
	}

	// ReleaseService: the edge serves within 100 ms of the answer.
	rs := apigw.NewReleaseServiceRequest()
	rs.ServiceId, rs.EnvironmentName, rs.ReleaseDesc = common.StringPtr(svc), common.StringPtr("release"), common.StringPtr("first")
	rsr := mustSDK(c.ReleaseService(rs))
	v1 := *rsr.Response.Result.ReleaseVersion
	released := time.Now()
	ping := func() answer { return edge.get("/ping") }
	waitFor(t, 100*time.Millisecond, "ReleaseService on the edge", func() bool { return says("pong-v1")(ping()) })
	t.Logf("release served after %v", time.Since(released))
	if code, body := cp.get(svc, "/test/ping"); code != 404 {
		t.Errorf("the test environment, never released, answers %d %q", code, body)
	}
	a := edge.get("/orders/42")
	var e echoed
	if a.status != 200 || json.Unmarshal([]byte(a.body), &e) != nil || e.URI != "/echo/42" || http.Header(e.Headers).Get("X-From") != "gateway" {
		t.Errorf("proxied API: %v", a)
	}

	// An edit changes nothing until the next release.
	ma := apigw.NewModifyApiRequest()
	ma.ServiceId, ma.ApiId = common.StringPtr(svc), common.StringPtr(pingID)
	ma.ServiceType = common.StringPtr("MOCK")
	ma.Protocol = common.StringPtr("HTTP")
	ma.RequestConfig = &apigw.RequestConfig{Path: common.StringPtr("=/ping"), Method: common.StringPtr("GET")}
	ma.ServiceMockReturnMessage = common.StringPtr("pong-v2")
	mustSDK(c.ModifyApi(ma))
	time.Sleep(50 * time.Millisecond) // proves a non-event: the edit does not reach the edge
	if a := ping(); a.body != "pong-v1" {
		t.Errorf("an unreleased edit reached the edge: %v", a)
	}
	rs.ReleaseDesc = common.StringPtr("second")
	v2 := *mustSDK(c.ReleaseService(rs)).Response.Result.ReleaseVersion
	if v2 == v1 {
		t.Errorf("two releases share version %s", v1)
	}
	waitFor(t, 100*time.Millisecond, "the second release on the edge", func() bool { return says("pong-v2")(ping()) })

	// Versions, history and environments.
	rv := apigw.NewDescribeServiceReleaseVersionRequest()
	rv.ServiceId = common.StringPtr(svc)
	rvr := mustSDK(c.DescribeServiceReleaseVersion(rv))
	if *rvr.Response.Result.TotalCount != 2 {
		t.Errorf("DescribeServiceReleaseVersion: %s", rvr.ToJsonString())
	}
	el := apigw.NewDescribeServiceEnvironmentListRequest()
	el.ServiceId = common.StringPtr(svc)
	elr := mustSDK(c.DescribeServiceEnvironmentList(el))
	envs := map[string]*apigw.Environment{}
	for _, e := range elr.Response.Result.EnvironmentList {
		envs[*e.EnvironmentName] = e
	}
	if len(envs) != 3 || *envs["release"].Status != 1 || *envs["release"].VersionName != v2 || *envs["test"].Status != 0 ||
		*envs["release"].Url != "http://"+svc+".localhost:"+cp.Addr[len("127.0.0.1:"):]+"/release" {
		t.Errorf("DescribeServiceEnvironmentList: %s", elr.ToJsonString())
	}

	// UpdateService rolls back to v1.
	us := apigw.NewUpdateServiceRequest()
	us.ServiceId, us.EnvironmentName, us.VersionName = common.StringPtr(svc), common.StringPtr("release"), common.StringPtr(v1)
	us.UpdateDesc = common.StringPtr("rollback")
	mustSDK(c.UpdateService(us))
	waitFor(t, 100*time.Millisecond, "the rollback on the edge", func() bool { return says("pong-v1")(ping()) })
	us.VersionName = common.StringPtr("19700101000000")
	if _, err := c.UpdateService(us); sdkCode(err) != "ResourceNotFound" {
		t.Errorf("UpdateService to a missing version: %v", err)
	}
	hr := apigw.NewDescribeServiceEnvironmentReleaseHistoryRequest()
	hr.ServiceId, hr.EnvironmentName = common.StringPtr(svc), common.StringPtr("release")
	hrr := mustSDK(c.DescribeServiceEnvironmentReleaseHistory(hr))
	if *hrr.Response.Result.TotalCount != 3 || *hrr.Response.Result.VersionList[0].VersionName != v1 || *hrr.Response.Result.VersionList[0].VersionDesc != "rollback" {
		t.Errorf("release history: %s", hrr.ToJsonString())
	}

	// DescribeServicesStatus: filters and paging.
	dss := apigw.NewDescribeServicesStatusRequest()
	dss.Filters = []*apigw.Filter{{Name: common.StringPtr("ServiceId"), Values: common.StringPtrs([]string{svc})}}
	dssr := mustSDK(c.DescribeServicesStatus(dss))
	if *dssr.Response.Result.TotalCount != 1 || *dssr.Response.Result.ServiceSet[0].ServiceName != "shop1" ||
		*dssr.Response.Result.ServiceSet[0].AvailableEnvironments[0] != "release" {
		t.Errorf("DescribeServicesStatus: %s", dssr.ToJsonString())
	}

	// DeleteService is refused while released; UnReleaseService takes it offline.
	dl := apigw.NewDeleteServiceRequest()
	dl.ServiceId = common.StringPtr(svc)
	if _, err := c.DeleteService(dl); sdkCode(err) != "UnsupportedOperation.UnsupportedDeleteService" {
		t.Errorf("DeleteService while released: %v", err)
	}
	ur := apigw.NewUnReleaseServiceRequest()
	ur.ServiceId, ur.EnvironmentName = common.StringPtr(svc), common.StringPtr("release")
	mustSDK(c.UnReleaseService(ur))
	waitFor(t, 100*time.Millisecond, "UnReleaseService on the edge", func() bool { return ping().status == 404 })
	dapi := apigw.NewDeleteApiRequest()
	dapi.ServiceId, dapi.ApiId = common.StringPtr(svc), common.StringPtr(pingID)
	if r := mustSDK(c.DeleteApi(dapi)); !*r.Response.Result {
		t.Errorf("DeleteApi: %s", r.ToJsonString())
	}
	if _, err := c.DescribeApi(&apigw.DescribeApiRequest{BaseRequest: da.BaseRequest, ServiceId: common.StringPtr(svc), ApiId: common.StringPtr(pingID)}); sdkCode(err) != "ResourceNotFound.InvalidApi" {
		t.Errorf("deleted API: %v", err)
	}
	if r := mustSDK(c.DeleteService(dl)); !*r.Response.Result {
		t.Errorf("DeleteService: %s", r.ToJsonString())
	}
	if _, err := c.DescribeService(ds); sdkCode(err) != "ResourceNotFound.InvalidService" {
		t.Errorf("deleted service: %v", err)
	}
}
