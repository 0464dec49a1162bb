package admin

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docService creates a service with two named MOCK APIs (one with
// parameters and a name that needs escaping) released to release.
func (ta *testAdmin) docService() (svc string, apis []string) {
	svc = ta.must("CreateService", map[string]any{"ServiceName": "shop", "Protocol": "http"})["ServiceId"].(string)
	for _, x := range []struct{ name, path string }{{"listOrders", "/orders"}, {"<b>getOrder</b>", "/orders/{id}"}} {
		params := []map[string]any{{"Name": "limit", "Position": "query", "Type": "int", "DefaultValue": "20", "Desc": "page size"}}
		if strings.Contains(x.path, "{id}") {
			params = []map[string]any{{"Name": "id", "Position": "path", "Type": "string", "Required": true}}
		}
		r := ta.must("CreateApi", map[string]any{"ServiceId": svc, "ApiName": x.name, "ApiDesc": "desc of " + x.name, "ServiceType": "MOCK", "ServiceTimeout": 5,
			"RequestConfig": map[string]any{"Path": x.path, "Method": "GET"}, "RequestParameters": params, "ServiceMockReturnMessage": "m"})
		apis = append(apis, resultMap(r)["ApiId"].(string))
	}
	ta.must("ReleaseService", map[string]any{"ServiceId": svc, "EnvironmentName": "release", "ReleaseDesc": "r"})
	return svc, apis
}

// built waits for the document builds started so far.
func (ta *testAdmin) detail(id string) map[string]any {
	ta.t.Helper()
	ta.docs.builds.Wait()
	return resultMap(ta.must("DescribeAPIDocDetail", map[string]any{"ApiDocId": id}))
}

func TestAPIDocValidation(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{Limits: Limits{ApiDocs: 1}})
	svc, apis := ta.docService()
	ok := map[string]any{"ApiDocName": "d", "ServiceId": svc, "Environment": "release", "ApiIds": apis}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for x, y := range ok {
			m[x] = y
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, c := range []struct {
		code   string
		params map[string]any
	}{
		{"MissingParameter", with("ApiDocName", nil)},
		{"MissingParameter", with("ApiDocName", "  ")},
		{"InvalidParameter.FormatError", with("ApiDocName", strings.Repeat("x", 51))},
		{"MissingParameter", with("ApiIds", []string{})},
		{"InvalidParameter.FormatError", with("Environment", "prod")},
		{"ResourceNotFound.InvalidService", with("ServiceId", "service-nothere")},
		{"ResourceNotFound.InvalidApi", with("ApiIds", []string{apis[0], "api-nothere"})},
		{"InvalidParameter.FormatError", with("ApiIds", []string{apis[0], apis[0]})},
	} {
		ta.want(c.code, "CreateAPIDoc", c.params)
	}
	doc := resultMap(ta.must("CreateAPIDoc", ok))
	id := doc["ApiDocId"].(string)
	if !strings.HasPrefix(id, "apidoc-") || doc["ApiDocStatus"] != docProcessing || len(doc["SharePassword"].(string)) != 20 {
		t.Fatalf("CreateAPIDoc answered %v", doc)
	}
	ta.want("LimitExceeded.APIDocLimitExceeded", "CreateAPIDoc", ok)
	for _, action := range []string{"BuildAPIDoc", "DeleteAPIDoc", "DescribeAPIDocDetail", "ResetAPIDocPassword", "ModifyAPIDoc"} {
		ta.want("ResourceNotFound.InvalidApiDoc", action, map[string]any{"ApiDocId": "apidoc-nothere"})
		ta.want("MissingParameter", action, map[string]any{})
	}
	// A refused modification changes nothing.
	ta.want("ResourceNotFound.InvalidApi", "ModifyAPIDoc", map[string]any{"ApiDocId": id, "ApiDocName": "new", "ApiIds": []string{"api-nothere"}})
	ta.want("InvalidParameter.FormatError", "ModifyAPIDoc", map[string]any{"ApiDocId": id, "Environment": "x"})
	if d := ta.detail(id); d["ApiDocName"] != "d" || d["Environment"] != "release" || len(d["ApiIds"].([]any)) != 2 {
		t.Fatalf("a refused ModifyAPIDoc changed the document: %v", d)
	}
	ta.want("InvalidParameterValue.InvalidFilterNotSupportedName", "DescribeAPIDocs", map[string]any{"Filters": []map[string]any{{"Name": "x", "Values": []string{"y"}}}})
	ta.want("InvalidParameterValue", "DescribeAPIDocs", map[string]any{"Limit": 101})
	ta.want("InvalidParameterValue.NotInOptions", "DescribeAPIDocs", map[string]any{"OrderBy": "sideways"})
}

func TestAPIDocBuildAndDescribe(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, apis := ta.docService()
	id := resultMap(ta.must("CreateAPIDoc", map[string]any{"ApiDocName": "Shop", "ServiceId": svc, "Environment": "release", "ApiIds": apis}))["ApiDocId"].(string)
	d := ta.detail(id)
	if d["ApiDocStatus"] != docCompleted || d["ApiCount"] != 2.0 || d["ReleaseCount"] != 1.0 || d["ApiDocUri"] != "/apidoc/"+id+"/" ||
		d["ServiceName"] != "shop" || d["ApiNames"].([]any)[1] != "<b>getOrder</b>" || d["UpdatedTime"] == "" || d["UpdateTime"] != d["UpdatedTime"] {
		t.Fatalf("DescribeAPIDocDetail after the build: %v", d)
	}
	// Without a master key the password is not kept in any readable form.
	if d["SharePassword"] != "" {
		t.Fatalf("SharePassword without a master key: %v", d["SharePassword"])
	}
	// BuildAPIDoc again: one more release.
	ta.must("BuildAPIDoc", map[string]any{"ApiDocId": id})
	if d := ta.detail(id); d["ReleaseCount"] != 2.0 || d["ApiDocStatus"] != docCompleted {
		t.Fatalf("after BuildAPIDoc: %v", d)
	}
	// A document of an environment that runs nothing: BuildAPIDoc says
	// so, and the build CreateAPIDoc started failed.
	other := resultMap(ta.must("CreateAPIDoc", map[string]any{"ApiDocName": "T", "ServiceId": svc, "Environment": "test", "ApiIds": apis[:1]}))["ApiDocId"].(string)
	if d := ta.detail(other); d["ApiDocStatus"] != docFailed {
		t.Fatalf("a document of an unreleased environment built: %v", d)
	}
	ta.want("FailedOperation.ServiceError", "BuildAPIDoc", map[string]any{"ApiDocId": other})
	// An API created after the release is not in it.
	extra := resultMap(ta.must("CreateApi", map[string]any{"ServiceId": svc, "ApiName": "later", "ServiceType": "MOCK", "ServiceTimeout": 5,
		"RequestConfig": map[string]any{"Path": "/later", "Method": "GET"}, "ServiceMockReturnMessage": "m"}))["ApiId"].(string)
	ta.must("ModifyAPIDoc", map[string]any{"ApiDocId": id, "ApiIds": []string{apis[0], extra}})
	if d := ta.detail(id); d["ApiDocStatus"] != docFailed {
		t.Fatalf("a document of an unreleased API built: %v", d)
	}
	ta.want("FailedOperation.ApiError", "BuildAPIDoc", map[string]any{"ApiDocId": id})
	ta.must("ModifyAPIDoc", map[string]any{"ApiDocId": id, "ApiIds": apis})

	// The list: newest first (or oldest with OrderBy asc), paged.
	first := resultMap(ta.must("DescribeAPIDocs", map[string]any{"OrderBy": "asc"}))["APIDocSet"].([]any)
	last := resultMap(ta.must("DescribeAPIDocs", map[string]any{}))["APIDocSet"].([]any)
	if len(first) != 2 || first[0].(map[string]any)["ApiDocId"] != last[1].(map[string]any)["ApiDocId"] {
		t.Fatalf("DescribeAPIDocs asc %v, desc %v", first, last)
	}
	l := resultMap(ta.must("DescribeAPIDocs", map[string]any{"Limit": 1}))
	set := l["APIDocSet"].([]any)
	if l["TotalCount"] != 2.0 || len(set) != 1 {
		t.Fatalf("DescribeAPIDocs: %v", l)
	}
	l = resultMap(ta.must("DescribeAPIDocs", map[string]any{"Limit": 1, "Offset": 1}))
	ids := map[any]bool{set[0].(map[string]any)["ApiDocId"]: true, l["APIDocSet"].([]any)[0].(map[string]any)["ApiDocId"]: true}
	if !ids[id] || !ids[other] {
		t.Fatalf("the two pages of DescribeAPIDocs miss a document: %v", ids)
	}
	ta.must("DeleteAPIDoc", map[string]any{"ApiDocId": other})
	ta.want("ResourceNotFound.InvalidApiDoc", "DescribeAPIDocDetail", map[string]any{"ApiDocId": other})
	if l := resultMap(ta.must("DescribeAPIDocs", map[string]any{})); l["TotalCount"] != 1.0 {
		t.Fatalf("after DeleteAPIDoc: %v", l)
	}
}

// TestAPIDocPasswordAtRest: with a master key the password is sealed
// (DescribeAPIDocDetail answers it), never in the store file in clear;
// ResetAPIDocPassword replaces it.
func TestAPIDocPasswordAtRest(t *testing.T) {
	dir := t.TempDir()
	ta := newTestAdmin(t, dir, Options{SecretKeyFile: filepath.Join(t.TempDir(), "key")})
	svc, apis := ta.docService()
	doc := resultMap(ta.must("CreateAPIDoc", map[string]any{"ApiDocName": "Shop", "ServiceId": svc, "Environment": "release", "ApiIds": apis}))
	id, pw := doc["ApiDocId"].(string), doc["SharePassword"].(string)
	if d := ta.detail(id); d["SharePassword"] != pw {
		t.Fatalf("SharePassword %v, want %s", d["SharePassword"], pw)
	}
	reset := resultMap(ta.must("ResetAPIDocPassword", map[string]any{"ApiDocId": id}))
	pw2 := reset["SharePassword"].(string)
	if pw2 == pw || len(pw2) != 20 || reset["ApiDocId"] != id || reset["ApiDocStatus"] != docCompleted {
		t.Fatalf("ResetAPIDocPassword: %v", reset)
	}
	if d := ta.detail(id); d["SharePassword"] != pw2 {
		t.Fatalf("SharePassword after the reset %v, want %s", d["SharePassword"], pw2)
	}
	b, err := os.ReadFile(DBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), pw) || strings.Contains(string(b), pw2) {
		t.Fatal("a share password is in the store file in clear")
	}
}

// docClient drives the page through the Admin's handler.
type docClient struct {
	t      *testing.T
	h      http.Handler
	cookie *http.Cookie
}

func (c *docClient) do(method, path, password string) *httptest.ResponseRecorder {
	c.t.Helper()
	var r *http.Request
	if method == http.MethodPost {
		r = httptest.NewRequest(method, path, strings.NewReader(url.Values{"password": {password}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	if c.cookie != nil {
		r.AddCookie(c.cookie)
	}
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, r)
	return w
}

func TestAPIDocPage(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, apis := ta.docService()
	doc := resultMap(ta.must("CreateAPIDoc", map[string]any{"ApiDocName": "Shop <docs>", "ServiceId": svc, "Environment": "release", "ApiIds": apis}))
	id, pw := doc["ApiDocId"].(string), doc["SharePassword"].(string)
	ta.docs.builds.Wait()
	c := &docClient{t: t, h: ta.Handler()}
	uri := ApiDocURI(id)

	w := c.do("GET", uri, "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `type="password"`) || strings.Contains(w.Body.String(), "listOrders") {
		t.Fatalf("GET without a session: %d %s", w.Code, w.Body)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("Content-Security-Policy %q", csp)
	}
	if w := c.do("GET", "/apidoc/apidoc-nothere/", ""); w.Code != 404 {
		t.Fatalf("an unknown document: %d", w.Code)
	}
	w = c.do("POST", uri, "wrong")
	if w.Code != 401 || !strings.Contains(w.Body.String(), "Wrong password") || len(w.Result().Cookies()) != 0 {
		t.Fatalf("a wrong password: %d %v %s", w.Code, w.Result().Cookies(), w.Body)
	}
	w = c.do("POST", uri, pw)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != uri {
		t.Fatalf("the right password: %d %s", w.Code, w.Header())
	}
	ck := w.Result().Cookies()
	if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode || ck[0].Path != uri || ck[0].Secure {
		t.Fatalf("session cookie %+v", ck)
	}
	c.cookie = ck[0]
	w = c.do("GET", uri, "")
	body := w.Body.String()
	for _, s := range []string{"listOrders", "&lt;b&gt;getOrder&lt;/b&gt;", "Shop &lt;docs&gt;", "/orders/{id}", "page size", "http://" + svc + "."} {
		if !strings.Contains(body, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	if strings.Contains(body, "<b>getOrder") || w.Code != 200 {
		t.Fatalf("the page (%d) does not escape the API name: %s", w.Code, body)
	}
	if d := ta.detail(id); d["ViewCount"] != 1.0 {
		t.Fatalf("ViewCount %v", d["ViewCount"])
	}
	// A forged or other document's cookie opens nothing.
	forged := *c.cookie
	forged.Value = strings.Replace(forged.Value, ".", "9.", 1)
	if w := (&docClient{t: t, h: c.h, cookie: &forged}).do("GET", uri, ""); !strings.Contains(w.Body.String(), `type="password"`) {
		t.Fatal("a forged session cookie opened the page")
	}
	// ResetAPIDocPassword ends the session and the old password.
	pw2 := resultMap(ta.must("ResetAPIDocPassword", map[string]any{"ApiDocId": id}))["SharePassword"].(string)
	if w := c.do("GET", uri, ""); !strings.Contains(w.Body.String(), `type="password"`) {
		t.Fatal("the session outlived ResetAPIDocPassword")
	}
	if w := c.do("POST", uri, pw); w.Code != 401 {
		t.Fatalf("the old password after the reset: %d", w.Code)
	}
	// Wrong passwords are limited per document: the 6th within a minute
	// is refused before it is checked, even the right one.
	for i := 0; i < docMaxFailures-2; i++ {
		c.do("POST", uri, "wrong")
	}
	if w := c.do("POST", uri, "wrong"); w.Code != 401 {
		t.Fatalf("the %dth wrong password: %d", docMaxFailures, w.Code)
	}
	if w := c.do("POST", uri, pw2); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("after %d wrong passwords: %d", docMaxFailures, w.Code)
	}
	// Static assets, and the Action API still behind the same handler.
	if w := c.do("GET", "/apidoc/_static/doc.css", ""); w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("doc.css: %d %s", w.Code, w.Header())
	}
	if w := c.do("GET", "/apidoc/_static/page.html", ""); w.Code != 404 {
		t.Fatalf("page.html served as a static file: %d", w.Code)
	}
	if w := c.do("POST", "/", ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"Error"`) {
		t.Fatalf("the Action API behind the document handler: %d %s", w.Code, w.Body)
	}
}
