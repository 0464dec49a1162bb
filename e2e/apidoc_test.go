package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// docAPIs creates, in a new service released to release, two APIs with
// names to find on the document page; it returns the service, the APIs'
// ids and names.
func docAPIs(t *testing.T, c *apigw.Client) (string, []string, []string) {
	t.Helper()
	svc := sdkCreateService(c, "shop")
	names := []string{"listOrders", "getOrder"}
	var ids []string
	for i, p := range []string{"/orders", "/orders/{id}"} {
		ids = append(ids, sdkAPI(c, svc, p, func(ca *apigw.CreateApiRequest) {
			ca.ApiName = common.StringPtr(names[i])
			ca.ApiDesc = common.StringPtr("the orders of a shop")
			if strings.Contains(p, "{id}") {
				ca.RequestParameters = []*apigw.RequestParameter{{Name: common.StringPtr("id"), Position: common.StringPtr("PATH"),
					Type: common.StringPtr("string"), Required: common.BoolPtr(true)}}
			}
		}))
	}
	sdkRelease(c, svc)
	return svc, ids, names
}

// sdkCreateDoc creates a document named name over apis of svc in release.
func sdkCreateDoc(c *apigw.Client, name, svc string, apis []string) (*apigw.CreateAPIDocRequest, *apigw.APIDoc) {
	cr := apigw.NewCreateAPIDocRequest()
	cr.ApiDocName = common.StringPtr(name)
	cr.ServiceId = common.StringPtr(svc)
	cr.Environment = common.StringPtr("release")
	cr.ApiIds = common.StringPtrs(apis)
	return cr, mustSDK(c.CreateAPIDoc(cr)).Response.Result
}

// docDetail waits until document id's build is over and returns its
// details.
func docDetail(t *testing.T, c *apigw.Client, id string) *apigw.APIDocInfo {
	t.Helper()
	req := apigw.NewDescribeAPIDocDetailRequest()
	req.ApiDocId = common.StringPtr(id)
	var d *apigw.APIDocInfo
	waitFor(t, 10*time.Second, "the document's build", func() bool {
		d = mustSDK(c.DescribeAPIDocDetail(req)).Response.Result
		return *d.ApiDocStatus != "PROCESSING"
	})
	return d
}

// TestSDKAPIDocs drives the seven API document Actions with the official
// SDK (v1.0.162 has all of them): create (and its errors), describe, list,
// modify, build, reset the password, delete.
func TestSDKAPIDocs(t *testing.T) {
	defer catchSDK(t)
	cp := startControlPlane(t, "--secret-key-file", filepath.Join(t.TempDir(), "master.key"))
	c := cp.sdk("", "")
	svc, ids, names := docAPIs(t, c)

	cr, doc := sdkCreateDoc(c, "Shop API", svc, ids)
	if !strings.HasPrefix(*doc.ApiDocId, "apidoc-") || *doc.ApiDocName != "Shop API" || *doc.ApiDocStatus != "PROCESSING" {
		t.Fatalf("CreateAPIDoc: %s", mustJSON(doc))
	}
	id := *doc.ApiDocId
	d := docDetail(t, c, id)
	if *d.ApiDocStatus != "COMPLETED" || *d.ApiCount != 2 || *d.ServiceId != svc || *d.ServiceName != "shop" || *d.Environment != "release" ||
		*d.ApiDocUri != "/apidoc/"+id+"/" || len(*d.SharePassword) != 20 || *d.ReleaseCount != 1 || *d.ViewCount != 0 || *d.UpdatedTime == "" ||
		!slices.Equal(common.StringValues(d.ApiNames), names) || !slices.Equal(common.StringValues(d.ApiIds), ids) {
		t.Fatalf("DescribeAPIDocDetail: %s", mustJSON(d))
	}

	// Errors with the seed's codes.
	bad := *cr
	bad.ServiceId = common.StringPtr("service-nothere")
	if _, err := c.CreateAPIDoc(&bad); sdkCode(err) != "ResourceNotFound.InvalidService" {
		t.Fatalf("CreateAPIDoc of no service: %v", err)
	}
	bad = *cr
	bad.ApiIds = common.StringPtrs([]string{"api-nothere"})
	if _, err := c.CreateAPIDoc(&bad); sdkCode(err) != "ResourceNotFound.InvalidApi" {
		t.Fatalf("CreateAPIDoc of no API: %v", err)
	}
	bad = *cr
	bad.Environment = common.StringPtr("prod")
	if _, err := c.CreateAPIDoc(&bad); sdkCode(err) != "InvalidParameter.FormatError" {
		t.Fatalf("CreateAPIDoc in no environment: %v", err)
	}
	gone := apigw.NewBuildAPIDocRequest()
	gone.ApiDocId = common.StringPtr("apidoc-nothere")
	if _, err := c.BuildAPIDoc(gone); sdkCode(err) != "ResourceNotFound.InvalidApiDoc" {
		t.Fatalf("BuildAPIDoc of no document: %v", err)
	}

	// A second document, in an environment that runs nothing: its build
	// fails, and BuildAPIDoc says why.
	cr2 := *cr
	cr2.ApiDocName = common.StringPtr("Shop test")
	cr2.Environment = common.StringPtr("test")
	id2 := *mustSDK(c.CreateAPIDoc(&cr2)).Response.Result.ApiDocId
	if d := docDetail(t, c, id2); *d.ApiDocStatus != "FAIL" {
		t.Fatalf("a document of an unreleased environment: %s", mustJSON(d))
	}
	b2 := apigw.NewBuildAPIDocRequest()
	b2.ApiDocId = common.StringPtr(id2)
	if _, err := c.BuildAPIDoc(b2); sdkCode(err) != "FailedOperation.ServiceError" {
		t.Fatalf("BuildAPIDoc of an unreleased environment: %v", err)
	}

	ls := apigw.NewDescribeAPIDocsRequest()
	ls.Limit = common.Int64Ptr(1)
	l := mustSDK(c.DescribeAPIDocs(ls)).Response.Result
	if *l.TotalCount != 2 || len(l.APIDocSet) != 1 {
		t.Fatalf("DescribeAPIDocs: %s", mustJSON(l))
	}

	// Modify: to the release environment and one API; it rebuilds.
	md := apigw.NewModifyAPIDocRequest()
	md.ApiDocId = common.StringPtr(id2)
	md.ApiDocName = common.StringPtr("Shop one")
	md.Environment = common.StringPtr("release")
	md.ApiIds = common.StringPtrs(ids[:1])
	if m := mustSDK(c.ModifyAPIDoc(md)).Response.Result; *m.ApiDocName != "Shop one" || *m.ApiDocId != id2 {
		t.Fatalf("ModifyAPIDoc: %s", mustJSON(m))
	}
	if d := docDetail(t, c, id2); *d.ApiDocStatus != "COMPLETED" || *d.ApiCount != 1 || *d.ApiNames[0] != names[0] {
		t.Fatalf("after ModifyAPIDoc: %s", mustJSON(d))
	}

	b := apigw.NewBuildAPIDocRequest()
	b.ApiDocId = common.StringPtr(id)
	if r := mustSDK(c.BuildAPIDoc(b)).Response; !*r.Result {
		t.Fatal("BuildAPIDoc answered false")
	}
	if d := docDetail(t, c, id); *d.ReleaseCount != 2 || *d.ApiDocStatus != "COMPLETED" {
		t.Fatalf("after BuildAPIDoc: %s", mustJSON(d))
	}

	rp := apigw.NewResetAPIDocPasswordRequest()
	rp.ApiDocId = common.StringPtr(id)
	if r := mustSDK(c.ResetAPIDocPassword(rp)).Response.Result; *r.ApiDocId != id {
		t.Fatalf("ResetAPIDocPassword: %s", mustJSON(r))
	}
	if d2 := docDetail(t, c, id); *d2.SharePassword == *d.SharePassword || len(*d2.SharePassword) != 20 {
		t.Fatalf("ResetAPIDocPassword kept the password")
	}

	del := apigw.NewDeleteAPIDocRequest()
	del.ApiDocId = common.StringPtr(id2)
	if !*mustSDK(c.DeleteAPIDoc(del)).Response.Result {
		t.Fatal("DeleteAPIDoc answered false")
	}
	if _, err := c.DeleteAPIDoc(del); sdkCode(err) != "ResourceNotFound.InvalidApiDoc" {
		t.Fatalf("DeleteAPIDoc twice: %v", err)
	}
	if l := mustSDK(c.DescribeAPIDocs(apigw.NewDescribeAPIDocsRequest())).Response.Result; *l.TotalCount != 1 || *l.APIDocSet[0].ApiDocId != id {
		t.Fatalf("DescribeAPIDocs after DeleteAPIDoc: %s", mustJSON(l))
	}
}

// TestAPIDocPageChromium opens a built document in headless Chromium (the
// Debian package chromium; make deps installs it): the password prompt, a
// wrong password refused (401, the message on the page), the right one,
// then the API list with the APIs' names.
func TestAPIDocPageChromium(t *testing.T) {
	defer catchSDK(t)
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: run make deps (apt-get install chromium)")
	}
	cp := startControlPlane(t, "--secret-key-file", filepath.Join(t.TempDir(), "master.key"))
	c := cp.sdk("", "")
	svc, ids, names := docAPIs(t, c)
	_, doc := sdkCreateDoc(c, "Shop API", svc, ids)
	id := *doc.ApiDocId
	d := docDetail(t, c, id)
	if *d.ApiDocStatus != "COMPLETED" {
		t.Fatalf("build: %s", mustJSON(d))
	}
	url := "http://" + cp.Admin + *d.ApiDocUri

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	// The status of every page (document) the browser loads, in order.
	var mu sync.Mutex
	var statuses []int64
	err = chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventResponseReceived); ok && e.Type == network.ResourceTypeDocument {
			mu.Lock()
			statuses = append(statuses, e.Response.Status)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	// text reads the text of sel into *dst.
	text := func(sel chromedp.ID, dst *string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			var err error
			*dst, err = chromedp.Text(sel)(ctx, tg)
			return err
		})
	}
	var prompt, refused, list string
	err = chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.ID("password")),
		text("prompt", &prompt),
		chromedp.SendKeys(chromedp.ID("password"), "not-the-password"),
		chromedp.Click(chromedp.ID("unlock")),
		chromedp.WaitVisible(chromedp.ID("error")),
		text("error", &refused),
		chromedp.SendKeys(chromedp.ID("password"), *d.SharePassword),
		chromedp.Click(chromedp.ID("unlock")),
		chromedp.WaitVisible(chromedp.ID("api-list")),
		text("api-list", &list),
	)
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, cp.logs)
	}
	if !strings.Contains(prompt, "share password") {
		t.Errorf("the prompt says %q", prompt)
	}
	if !strings.Contains(refused, "Wrong password") {
		t.Errorf("the wrong password's message: %q", refused)
	}
	for _, n := range names {
		if !strings.Contains(list, n) {
			t.Errorf("the API list %q lacks %s", list, n)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// GET the prompt (200), POST wrong (401), POST right (303, not a
	// document response), GET the page (200).
	if !slices.Equal(statuses, []int64{200, 401, 200}) {
		t.Errorf("page statuses %v, want [200 401 200]", statuses)
	}
	if d := docDetail(t, c, id); *d.ViewCount != 1 {
		t.Errorf("ViewCount %d after one opening", *d.ViewCount)
	}
}
