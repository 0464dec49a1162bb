package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestConsoleChromium walks the console (/console/ on the admin listener)
// in headless Chromium at 1280x800, as the seed's walk-throughs do: a
// wrong key refused, sign-in, a service, an API through the wizard (a
// validation error of the Action API shown on its step, then fixed),
// release, a call through the edge from the debug page, an edit released
// as a second version, a rollback to the first, the request count moving
// on the monitoring page, a POST without the CSRF token refused, keys,
// usage plans and the other pages, labels and Tab order on the forms,
// sign-out and the sign-in limit. Every page is saved as a screenshot.
func TestConsoleChromium(t *testing.T) {
	up := startUpstream(t)
	cp := startControlPlane(t)
	shots := artifactDir(t)
	t.Logf("console screenshots: %s", shots)
	b := newBrowser(t, "http://"+cp.Admin+"/console/", shots, 1280, 800)

	// Sign-in: the form, its labels and Tab order; a wrong key refused
	// with the Action API's code.
	b.do("open the console", navigate(b.base))
	b.waitText("main h1", "Sign in")
	b.shot("signin")
	b.fits("the sign-in page")
	b.labelled("sign-in")
	b.tabReaches("#signin")
	b.fill("#signin-SecretId", cp.ID)
	b.fill("#signin-SecretKey", "not-the-key")
	b.click("#signin-submit")
	b.waitText("#signin-error", "AuthFailure.SignatureFailure")
	b.shot("signin-refused")
	b.fill("#signin-SecretKey", cp.Key)
	b.click("#signin-submit")
	b.waitText("main h1", "Services")
	b.waitText("#who-id", cp.ID)
	b.shot("services-empty")

	// A service, from the list's dialog.
	b.click("#create-service")
	b.waitJS("the service dialog", `!!document.querySelector('dialog[open] #service-form')`)
	b.labelled("service form")
	b.tabReaches("dialog[open]")
	b.fill("#service-form-ServiceName", "shop")
	b.fill("#service-form-ServiceDesc", "the console test")
	b.shot("service-create")
	b.click("#service-form-submit")
	b.waitText("main h1", "Service shop")
	svc := strings.TrimPrefix(eval[string](b, `location.hash`), "#/services/")
	if !strings.HasPrefix(svc, "service-") {
		t.Fatalf("after CreateService the page is %q", svc)
	}
	b.shot("service-apis-empty")

	// The wizard: front end with a query parameter, back end (a bad URL
	// first), response, review.
	b.click("#create-api")
	b.waitText("main h1", "Create API in shop")
	b.fill("#wizard-ApiName", "hello")
	b.fill("#wizard-RequestConfig_Path", "/hello")
	b.click("#req-params-add")
	b.fill("#req-params .row:nth-of-type(1) input[name=Name]", "name")
	b.choose("#req-params .row:nth-of-type(1) select[name=Position]", "query")
	b.fill("#req-params .row:nth-of-type(1) input[name=DefaultValue]", "world")
	b.labelled("wizard front-end")
	b.tabReaches("#step-front")
	b.fits("the wizard")
	b.shot("wizard-1-front")
	b.click("#wizard-next")
	b.waitJS("step 2", `!document.querySelector('#step-back').hidden`)
	b.fill("#wizard-ServiceConfig_Url", "ftp://"+up.HTTP)
	b.fill("#wizard-ServiceConfig_Path", "/echo")
	b.labelled("wizard back-end")
	b.tabReaches("#step-back")
	b.shot("wizard-2-back")
	b.click("#wizard-next")
	b.fill("#wizard-ResponseSuccessExample", `{"uri": "/echo?name=world"}`)
	b.shot("wizard-3-response")
	b.click("#wizard-next")
	b.waitText("#wizard-review", `"ServiceType": "HTTP"`)
	b.shot("wizard-4-review")
	b.click("#wizard-finish")
	// The Action API refuses the scheme; the wizard shows its code on the
	// back-end step.
	b.waitJS("the refusal", `!document.querySelector('#wizard-error').hidden`)
	refusal := b.text("#wizard-error")
	if !strings.Contains(refusal, "InvalidParameter") || !strings.Contains(refusal, "Url") {
		t.Errorf("the wizard's refusal: %q", refusal)
	}
	if eval[bool](b, `document.querySelector('#step-back').hidden`) {
		t.Errorf("the refusal %q is not shown on the back-end step", refusal)
	}
	b.shot("wizard-refused")
	if n := countAPIs(t, cp, svc); n != 0 {
		t.Fatalf("a refused CreateApi left %d APIs", n)
	}
	b.fill("#wizard-ServiceConfig_Url", "http://"+up.HTTP)
	b.click("#wizard-next")
	b.click("#wizard-next")
	b.click("#wizard-finish")
	b.waitJS("the API list", `!!document.querySelector('[data-api-id]')`)
	api := eval[string](b, `document.querySelector('[data-api-id]').dataset.apiId`)
	b.shot("service-apis")

	// What the wizard created is what the Action API holds.
	var desc struct {
		Result struct {
			ApiName           string
			RequestConfig     struct{ Path, Method string }
			RequestParameters []struct{ Name, Position, DefaultValue string }
			ServiceConfig     struct{ Url, Path string }
		}
	}
	mustCall(t, cp.client(), "DescribeApi", map[string]string{"ServiceId": svc, "ApiId": api}, &desc)
	if r := desc.Result; r.ApiName != "hello" || r.RequestConfig.Path != "/hello" || len(r.RequestParameters) != 1 ||
		r.RequestParameters[0].Name != "name" || r.RequestParameters[0].DefaultValue != "world" || r.ServiceConfig.Path != "/echo" {
		t.Fatalf("DescribeApi after the wizard: %+v", r)
	}

	// Release v1, and call it through the edge from the debug page.
	b.click("#release-service")
	b.fill("#release-form-ReleaseDesc", "v1")
	b.click("#release-form-submit")
	b.waitText("#status", "Released as version")
	v1 := releasedVersion(t, cp, svc)
	debugCall := func(want, wantNot string) string {
		t.Helper()
		b.open(fmt.Sprintf("#/services/%s/apis/%s/debug", svc, api), "Debug API hello")
		b.fill("#debug-param-query-name", "alice")
		b.click("#debug-send")
		b.waitText("#debug-status", "200")
		body := b.text("#debug-body")
		if !strings.Contains(body, want) || (wantNot != "" && strings.Contains(body, wantNot)) {
			t.Fatalf("the debug page's response body %q: want %q (and not %q)", body, want, wantNot)
		}
		if log := b.text("#debug-log"); !strings.Contains(log, "GET http://"+svc+".localhost") || !strings.Contains(log, "name=alice") {
			t.Errorf("the request log: %q", log)
		}
		return body
	}
	debugCall(`"/echo?name=alice"`, "")
	b.labelled("debug")
	b.tabReaches("#debug-form")
	b.fits("the debug page")
	b.shot("debug")

	// Edit through the wizard (ModifyApi), release v2: the edge serves it.
	b.open(fmt.Sprintf("#/services/%s/apis/%s/edit", svc, api), "Edit API hello")
	b.click("#wizard-next")
	b.fill("#wizard-ServiceConfig_Path", "/echo/v2")
	b.click("#wizard-next")
	b.click("#wizard-next")
	b.click("#wizard-finish")
	b.waitJS("the API list", `location.hash.endsWith('/apis') && !!document.querySelector('[data-api-id]')`)
	b.open(fmt.Sprintf("#/services/%s/environments", svc), "Service shop")
	b.click(`[data-env="release"] button[aria-label="Release to release"]`)
	b.fill("#release-form-ReleaseDesc", "v2")
	b.click("#release-form-submit")
	b.waitText("#status", "Released as version")
	if v := releasedVersion(t, cp, svc); v == v1 {
		t.Fatalf("the second release kept version %s", v)
	}
	debugCall(`"/echo/v2?name=alice"`, "")

	// Roll back: switch release to v1 (UpdateService).
	b.open(fmt.Sprintf("#/services/%s/environments", svc), "Service shop")
	b.waitText(`[data-env="release"]`, "Released")
	b.shot("environments")
	b.click("#switch-release")
	b.choose("#switch-form-VersionName", v1)
	b.shot("switch-version")
	b.click("#switch-form-submit")
	b.waitText("#status", "now serves version "+v1+".") // the full stop: v1 is a prefix of v1-2
	if v := releasedVersion(t, cp, svc); v != v1 {
		t.Fatalf("after the rollback release serves %s, want %s", v, v1)
	}
	debugCall(`"/echo?name=alice"`, "/echo/v2")
	b.open(fmt.Sprintf("#/services/%s/versions", svc), "Service shop")
	b.waitText("main table", v1)
	b.shot("versions")

	// Monitoring: the API's request count moves when the edge serves it.
	b.open("#/monitor", "Monitoring")
	row := fmt.Sprintf(`[data-api-id=%q][data-env="release"] .requests`, api)
	b.waitJS("the API's row", fmt.Sprintf(`!!document.querySelector(%s)`, jsq(row)))
	before := monitorCount(t, b, row)
	for range 5 {
		if st, _ := cp.get(svc, "/release/hello"); st != 200 {
			t.Fatalf("the edge answered %d", st)
		}
	}
	b.waitJS("the count to move", fmt.Sprintf(`Number(document.querySelector(%s).textContent.replace(/,/g, '')) >= %d`, jsq(row), before+5))
	b.waitJS("a rate", `!!document.querySelector('.monitor .rate')`)
	b.fits("the monitoring page")
	b.shot("monitor")

	// A POST without the CSRF token, or with a wrong one, is refused even
	// with the session cookie; with it, the same call works.
	csrf := eval[string](b, `(async () => {
		const send = (h) => fetch('/console/api/action', {method: 'POST', headers: {'Content-Type': 'application/json', ...h},
			body: JSON.stringify({Action: 'DeleteService', Params: {ServiceId: '`+svc+`'}})}).then(async (r) => r.status + ' ' + (await r.json()).Error.Code);
		return (await send({})) + ' | ' + (await send({'X-CSRF-Token': 'forged'}));
	})()`)
	if csrf != "403 Console.CsrfTokenInvalid | 403 Console.CsrfTokenInvalid" {
		t.Errorf("POSTs without / with a wrong CSRF token: %s", csrf)
	}
	if n := serviceCount(t, cp); n != 1 {
		t.Fatalf("the refused DeleteService changed the services: %d", n)
	}

	// Keys, a usage plan holding the key, bound to the service's release.
	b.open("#/keys", "Keys")
	b.click("#create-key")
	b.fill("#key-form-SecretName", "shopkey")
	b.click("#key-form-submit")
	b.waitText("dialog[open] dl.secret", "SecretKey")
	b.shot("key-created")
	b.do("close", closeDialog())
	b.waitJS("the key row", `!!document.querySelector('[data-key-id]')`)
	b.shot("keys")
	b.open("#/plans", "Usage plans")
	b.click("#create-plan")
	b.fill("#plan-form-UsagePlanName", "gold")
	b.fill("#plan-form-MaxRequestNumPreSec", "50")
	b.click("#plan-form-submit")
	b.waitText("main h1", "Usage plan gold")
	b.click("#bind-keys")
	b.waitJS("the key list", `!!document.querySelector('dialog[open] input[type=checkbox]')`)
	b.click("dialog[open] input[type=checkbox]")
	b.click("#bindkeys-form-submit")
	b.waitText("main", "shopkey")
	b.click("#bind-environment")
	b.waitJS("the bind form", `!!document.querySelector('#bindenv-form')`)
	b.labelled("bind form")
	b.click("#bindenv-form-submit")
	b.waitText("main", "the whole service")
	b.shot("plan")
	var sp struct{ Result struct{ TotalCount int } }
	mustCall(t, cp.client(), "DescribeServiceUsagePlan", map[string]string{"ServiceId": svc}, &sp)
	if sp.Result.TotalCount != 1 {
		t.Errorf("DescribeServiceUsagePlan after binding in the console: %d plans", sp.Result.TotalCount)
	}

	// The other pages: open each, check its labels, save it.
	for _, p := range []struct{ hash, heading, name, dialogBtn string }{
		{"#/services", "Services", "services", ""},
		{"#/apps", "Apps", "apps", "#create-app"},
		{"#/plugins", "Plugins", "plugins", "#create-plugin"},
		{"#/certificates", "Certificates", "certificates", "#upload-certificate"},
		{"#/services/" + svc + "/domains", "Service shop", "domains", "#bind-domain"},
		{"#/services/" + svc + "/ipstrategies", "Service shop", "ipstrategies", "#create-ipstrategy"},
		{"#/services/" + svc + "/plans", "Service shop", "service-plans", ""},
	} {
		b.open(p.hash, p.heading)
		b.fits(p.hash)
		b.shot(p.name)
		if p.dialogBtn != "" {
			b.click(p.dialogBtn)
			b.waitJS("the dialog", `!!document.querySelector('dialog[open] form')`)
			b.labelled(p.dialogBtn)
			b.shot(p.name + "-dialog")
			b.do("close", closeDialog())
		}
	}

	// A plugin from the console, checked by the Action API.
	b.open("#/plugins", "Plugins")
	b.click("#create-plugin")
	b.fill("#plugin-form-PluginName", "limit10")
	b.fill("#plugin-form-PluginData", `{"expire_type": "second", "api_rate_limit": 10, "bogus": 1}`)
	b.click("#plugin-form-submit")
	b.waitText("#plugin-form-error", "InvalidParameterValue.InvalidPluginConfig")
	b.fill("#plugin-form-PluginData", `{"expire_type": "second", "api_rate_limit": 10}`)
	b.click("#plugin-form-submit")
	b.waitJS("the plugin row", `!!document.querySelector('[data-plugin-id]')`)

	// Sign out: the session is gone, its token with it.
	b.click("#logout")
	b.waitText("main h1", "Sign in")
	after := eval[string](b, `fetch('/console/api/action', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({Action: 'DescribeServicesStatus'})}).then(async (r) => r.status + ' ' + (await r.json()).Error.Code)`)
	if after != "401 Console.NotSignedIn" {
		t.Errorf("an Action after sign-out: %s", after)
	}

	// Sign-in is limited per client address: five wrong keys, then 429
	// even for the right one.
	login := func(key string) (int, string) {
		body, _ := json.Marshal(map[string]string{"SecretId": cp.ID, "SecretKey": key})
		resp, err := http.Post("http://"+cp.Admin+"/console/api/login", "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct{ Error struct{ Code string } }
		b, _ := io.ReadAll(resp.Body)
		json.Unmarshal(b, &e)
		return resp.StatusCode, e.Error.Code
	}
	for i := range 5 {
		if st, c := login("wrong-" + strconv.Itoa(i)); st != 401 || c != "AuthFailure.SignatureFailure" {
			t.Fatalf("wrong key %d: %d %s", i, st, c)
		}
	}
	if st, c := login(cp.Key); st != 429 || c != "Console.SignInLimited" {
		t.Errorf("the sixth sign-in: %d %s, want 429 Console.SignInLimited", st, c)
	}
}

// TestConsoleViewports opens every page at a phone's 390x844 (the
// walk-through checks them at 1280x800): nothing wider than the screen,
// the navigation on it, labels; a screenshot of each.
func TestConsoleViewports(t *testing.T) {
	cp := startControlPlane(t, "--demo")
	shots := artifactDir(t)
	svc := firstService(t, cp)
	pages := []struct{ hash, heading, name string }{
		{"#/services", "Services", "services"},
		{"#/services/" + svc, "Service demo", "service-apis"},
		{"#/services/" + svc + "/environments", "Service demo", "service-environments"},
		{"#/services/" + svc + "/apis/new", "Create API in demo", "wizard"},
		{"#/plans", "Usage plans", "plans"},
		{"#/keys", "Keys", "keys"},
		{"#/apps", "Apps", "apps"},
		{"#/plugins", "Plugins", "plugins"},
		{"#/certificates", "Certificates", "certificates"},
		{"#/monitor", "Monitoring", "monitor"},
	}
	{
		vp := struct{ w, h int64 }{390, 844}
		b := newBrowser(t, "http://"+cp.Admin+"/console/", shots, vp.w, vp.h)
		b.do("open the console", navigate(b.base))
		b.waitText("main h1", "Sign in")
		b.fits("the sign-in page")
		b.fill("#signin-SecretId", cp.ID)
		b.fill("#signin-SecretKey", cp.Key)
		b.click("#signin-submit")
		b.waitText("main h1", "Services")
		for _, p := range pages {
			b.open(p.hash, p.heading)
			if p.name == "monitor" {
				b.waitJS("a reading", `/Updated/.test(document.querySelector('#mon-updated').textContent)`)
			}
			b.fits(p.hash)
			b.labelled(p.hash)
			b.shot(fmt.Sprintf("viewport-%s", p.name))
		}
		// A dialog at this width.
		b.open("#/services", "Services")
		b.click("#create-service")
		b.waitJS("the service dialog", `!!document.querySelector('dialog[open] #service-form')`)
		if !eval[bool](b, `(() => { const r = document.querySelector('dialog[open]').getBoundingClientRect(); return r.left >= 0 && r.right <= window.innerWidth; })()`) {
			t.Errorf("%dpx: the dialog is wider than the screen", vp.w)
		}
		b.shot("viewport-dialog")
		b.do("close", closeDialog())
		// The wizard's steps at this width, and the debug page's answer.
		b.open("#/services/"+svc+"/apis/new", "Create API in demo")
		b.click("#wizard-next")
		b.fits("the back-end step")
		b.shot("viewport-wizard-back")
		api := firstAPI(t, cp, svc)
		b.open(fmt.Sprintf("#/services/%s/apis/%s/debug", svc, api), "Debug API hello")
		b.click("#debug-send")
		b.waitText("#debug-status", "200")
		b.fits("the debug answer")
		b.shot("viewport-debug")
	}
}

// releasedVersion is the version the service's release environment runs.
func releasedVersion(t *testing.T, cp *controlPlane, svc string) string {
	t.Helper()
	var r struct {
		Result struct {
			EnvironmentList []struct{ EnvironmentName, VersionName string }
		}
	}
	mustCall(t, cp.client(), "DescribeServiceEnvironmentList", map[string]string{"ServiceId": svc}, &r)
	for _, e := range r.Result.EnvironmentList {
		if e.EnvironmentName == "release" {
			return e.VersionName
		}
	}
	return ""
}

func countAPIs(t *testing.T, cp *controlPlane, svc string) int {
	t.Helper()
	var r struct{ Result struct{ TotalCount int } }
	mustCall(t, cp.client(), "DescribeApisStatus", map[string]string{"ServiceId": svc}, &r)
	return r.Result.TotalCount
}

func firstService(t *testing.T, cp *controlPlane) string {
	t.Helper()
	var r struct {
		Result struct{ ServiceSet []struct{ ServiceId string } }
	}
	waitFor(t, 10*time.Second, "the demo service", func() bool {
		mustCall(t, cp.client(), "DescribeServicesStatus", nil, &r)
		return len(r.Result.ServiceSet) > 0
	})
	return r.Result.ServiceSet[0].ServiceId
}

func firstAPI(t *testing.T, cp *controlPlane, svc string) string {
	t.Helper()
	var r struct {
		Result struct{ ApiIdStatusSet []struct{ ApiId string } }
	}
	waitFor(t, 10*time.Second, "the demo API", func() bool {
		mustCall(t, cp.client(), "DescribeApisStatus", map[string]string{"ServiceId": svc}, &r)
		return len(r.Result.ApiIdStatusSet) > 0
	})
	return r.Result.ApiIdStatusSet[0].ApiId
}

func monitorCount(t *testing.T, b *browser, sel string) int {
	t.Helper()
	s := strings.ReplaceAll(b.text(sel), ",", "")
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("the monitoring page's count %q", s)
	}
	return n
}

// TestConsoleSplitMode: `edgegate admin` serves the console too (no
// in-process edge): sign-in, an Action, the monitoring reading (the
// control plane's families only).
func TestConsoleSplitMode(t *testing.T) {
	cp := startAdmin(t)
	base := "http://" + cp.Admin + "/console/"
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	post := func(path, csrf string, body any) (int, []byte) {
		t.Helper()
		j, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(string(j)))
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	resp, err := c.Get(base)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /console/: %v %v", err, resp)
	}
	resp.Body.Close()
	st, b := post("api/login", "", map[string]string{"SecretId": cp.ID, "SecretKey": cp.Key})
	var s struct {
		CsrfToken     string
		EdgeInProcess bool
	}
	json.Unmarshal(b, &s)
	if st != 200 || s.CsrfToken == "" || s.EdgeInProcess {
		t.Fatalf("sign-in: %d %s", st, b)
	}
	st, b = post("api/action", s.CsrfToken, map[string]any{"Action": "CreateService", "Params": map[string]string{"ServiceName": "split", "Protocol": "http"}})
	if st != 200 || !strings.Contains(string(b), `"ServiceId":"service-`) {
		t.Fatalf("CreateService through the console: %d %s", st, b)
	}
	if n := serviceCount(t, cp); n != 1 {
		t.Fatalf("%d services after the console's CreateService", n)
	}
	resp, err = c.Get(base + "api/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		Apis    []any
		Gateway map[string]float64
	}
	json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode != 200 || len(m.Apis) != 0 || m.Gateway["edgegate_admin_revision"] < 1 {
		t.Fatalf("metrics of the admin: %d %+v", resp.StatusCode, m)
	}
}

// TestConsoleBindings drives the pages the walk-through does not: an app
// bound to an API, a plugin attached, an IP strategy created and bound, a
// custom domain bound with the demo's certificate, a key disabled; each
// checked through the Action API.
func TestConsoleBindings(t *testing.T) {
	cp := startControlPlane(t, "--demo")
	svc := firstService(t, cp)
	api := firstAPI(t, cp, svc)
	b := newBrowser(t, "http://"+cp.Admin+"/console/", artifactDir(t), 1280, 800)
	b.do("open the console", navigate(b.base))
	b.fill("#signin-SecretId", cp.ID)
	b.fill("#signin-SecretKey", cp.Key)
	b.click("#signin-submit")
	b.waitText("main h1", "Services")
	count := func(action string, params map[string]string) int {
		var r struct{ Result struct{ TotalCount int } }
		mustCall(t, cp.client(), action, params, &r)
		return r.Result.TotalCount
	}

	// An app, bound to the demo API in release.
	b.open("#/apps", "Apps")
	b.click("#create-app")
	b.fill("#app-form-ApiAppName", "mobile")
	b.click("#app-form-submit")
	b.waitJS("the app row", `!!document.querySelector('[data-app-id]')`)
	app := eval[string](b, `document.querySelector('[data-app-id]').dataset.appId`)
	b.click(`[data-app-id] button[aria-label="APIs of app mobile"]`)
	b.waitJS("the bind form", `!!document.querySelector('#appbind-form')`)
	b.labelled("app binding")
	b.choose("#appbind-ApiId", api)
	b.click("#appbind-form-submit")
	b.waitText("dialog[open] table", "release")
	b.shot("app-apis")
	b.do("close", closeDialog())
	if n := count("DescribeApiAppBindApisStatus", map[string]string{"ApiAppId": app}); n != 1 {
		t.Errorf("the app is bound to %d APIs", n)
	}

	// A plugin, attached to the API in release.
	b.open("#/plugins", "Plugins")
	b.click("#create-plugin")
	b.fill("#plugin-form-PluginName", "cors1")
	b.choose("#plugin-form-PluginType", "Cors")
	b.click("#plugin-form-submit")
	b.waitJS("the plugin row", `!!document.querySelector('[data-plugin-id] a')`)
	plugin := eval[string](b, `document.querySelector('[data-plugin-id]').dataset.pluginId`)
	b.click("[data-plugin-id] a")
	b.waitText("main h1", "Plugin cors1")
	b.click("#attach-plugin")
	b.waitJS("the API list", `!!document.querySelector('#attach-form input[type=checkbox]')`)
	b.labelled("plugin attachment")
	b.click("#attach-form input[type=checkbox]")
	b.click("#attach-form-submit")
	b.waitText("main table", "release")
	b.shot("plugin")
	if n := count("DescribePluginApis", map[string]string{"PluginId": plugin}); n != 1 {
		t.Errorf("the plugin is attached to %d APIs", n)
	}

	// An IP strategy, bound to the API in release.
	b.open("#/services/"+svc+"/ipstrategies", "Service demo")
	b.click("#create-ipstrategy")
	b.fill("#ip-form-StrategyName", "office")
	b.fill("#ip-form-StrategyData", "127.0.0.0/8")
	b.click("#ip-form-submit")
	b.waitText("main table", "office")
	b.click(`button[aria-label="Bind IP strategy office to APIs"]`)
	b.waitJS("the binding form", `!!document.querySelector('#ipbind-form input[type=checkbox]')`)
	b.labelled("IP strategy binding")
	b.click("#ipbind-form input[type=checkbox]")
	b.click("#ipbind-form-submit")
	b.waitText("#status", "Bindings saved")
	b.do("close", closeDialog())
	var ips struct {
		Result struct {
			StrategySet []struct{ StrategyId string }
		}
	}
	mustCall(t, cp.client(), "DescribeIPStrategysStatus", map[string]string{"ServiceId": svc}, &ips)
	if len(ips.Result.StrategySet) != 1 {
		t.Fatalf("IP strategies: %+v", ips)
	}
	var ip struct {
		Result struct{ BindApiTotalCount int }
	}
	mustCall(t, cp.client(), "DescribeIPStrategy", map[string]string{"ServiceId": svc, "StrategyId": ips.Result.StrategySet[0].StrategyId, "EnvironmentName": "release"}, &ip)
	if ip.Result.BindApiTotalCount != 1 {
		t.Errorf("the IP strategy is bound to %d APIs", ip.Result.BindApiTotalCount)
	}
	if st, _ := cp.get(svc, "/release/hello"); st != 200 {
		t.Errorf("the edge refused an allowed address: %d", st)
	}

	// A custom domain: the demo's certificate does not cover it (the
	// Action API says so in the dialog); over plain HTTP it binds.
	b.open("#/services/"+svc+"/domains", "Service demo")
	b.click("#bind-domain")
	b.labelled("domain binding")
	b.fill("#domain-form-SubDomain", "api.example.com")
	b.choose("#domain-form-Protocol", "http&https")
	b.choose("#domain-form-CertificateId", "cert-")
	b.click("#domain-form-submit")
	b.waitText("#domain-form-error", "FailedOperation.CertificateIdBindError")
	b.shot("domain-refused")
	b.choose("#domain-form-Protocol", "http")
	b.choose("#domain-form-CertificateId", "none")
	b.click("#domain-form-submit")
	b.waitText("main table", "api.example.com")
	b.shot("domain-bound")
	if n := count("DescribeServiceSubDomains", map[string]string{"ServiceId": svc}); n != 1 {
		t.Errorf("%d custom domains", n)
	}
	if st, body := getWithHost(t, cp.Addr, "api.example.com", "/release/hello"); st != 200 {
		t.Errorf("the edge on the custom domain: %d %s", st, body)
	}

	// A key, disabled from its row.
	b.open("#/keys", "Keys")
	b.click("#create-key")
	b.fill("#key-form-SecretName", "temp")
	b.click("#key-form-submit")
	b.waitText("dialog[open] dl.secret", "SecretKey")
	b.do("close", closeDialog())
	b.click(`button[aria-label="Disable key temp"]`)
	b.waitText("main table", "disabled")
	var keys struct {
		Result struct{ ApiKeySet []struct{ Status int } }
	}
	mustCall(t, cp.client(), "DescribeApiKeysStatus", nil, &keys)
	if len(keys.Result.ApiKeySet) != 1 || keys.Result.ApiKeySet[0].Status != 0 {
		t.Errorf("keys after Disable: %+v", keys)
	}
}

// getWithHost calls the edge at addr with a Host.
func getWithHost(t *testing.T, addr, host, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	a := readAnswer(httpc.Do(req))
	return a.status, a.body
}
