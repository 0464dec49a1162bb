package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestIPControlPluginThroughActions creates an IPControl plugin with the
// plugin Actions, attaches it and checks the edge: a black list holding
// the caller (127.0.0.1) answers 403 IPForbidden, a white list without it
// too, one with it lets the call through, and detaching lifts the rule;
// each within 1 s of the Action. Bad plugin data is refused at creation.
func TestIPControlPluginThroughActions(t *testing.T) {
	f := newPluginFixture(t)
	if a := f.g.get("/echo"); a.status != 200 {
		t.Fatalf("before any plugin: %v", a)
	}
	echo := func() answer { return f.g.get("/echo") }
	step := func(what, action string, params map[string]any, status int, code string) {
		t.Helper()
		mustCall(t, f.rc, action, params, nil)
		inEffect(t, what, time.Now(), echo, is(status, code))
	}
	attach := func(id string) map[string]any {
		return map[string]any{"PluginId": id, "ServiceId": f.svc, "EnvironmentName": "release", "ApiIds": []string{f.apiID}}
	}
	detach := func(id string) map[string]any {
		return map[string]any{"PluginId": id, "ServiceId": f.svc, "EnvironmentName": "release", "ApiId": f.apiID}
	}
	modify := func(id, data string) map[string]any { return map[string]any{"PluginId": id, "PluginData": data} }

	black := createPlugin(t, f.cp, "deny_local", "IPControl", `{"type":"black_list","blocks":"192.0.2.0/24;127.0.0.1"}`)
	step("attach black list", "AttachPlugin", attach(black), 403, "IPForbidden")
	// The other API of the service is not under the plugin.
	if a := f.g.get("/other"); a.status != 200 {
		t.Fatalf("API without the plugin: %v", a)
	}
	// ModifyPlugin on an attached plugin takes effect at once.
	step("modify black list to exclude the caller", "ModifyPlugin", modify(black, `{"type":"black_list","blocks":"192.0.2.0/24"}`), 200, "")
	mustCall(t, f.rc, "DetachPlugin", detach(black), nil)

	white := createPlugin(t, f.cp, "allow_doc", "IPControl", `{"type":"white_list","blocks":"198.51.100.0/24"}`)
	step("attach white list without the caller", "AttachPlugin", attach(white), 403, "IPForbidden")
	step("white list with the caller", "ModifyPlugin", modify(white, `{"type":"white_list","blocks":"198.51.100.0/24;127.0.0.0/8"}`), 200, "")
	step("white list without the caller again", "ModifyPlugin", modify(white, `{"type":"white_list","blocks":"198.51.100.0/24"}`), 403, "IPForbidden")
	step("detach white list", "DetachPlugin", detach(white), 200, "")

	for _, bad := range []string{
		`{"type":"black_list","blocks":"10.0.0.300"}`,
		`{"type":"grey_list","blocks":"10.0.0.1"}`,
		`{"type":"black_list","blocks":""}`,
		`not json`,
	} {
		if code, _ := call(t, f.rc, "CreatePlugin", map[string]any{"PluginName": "bad", "PluginType": "IPControl", "PluginData": bad}); !strings.HasPrefix(code, "InvalidParameter") {
			t.Errorf("CreatePlugin IPControl %s: code %q, want an InvalidParameter… code", bad, code)
		}
	}
}
