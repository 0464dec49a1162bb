package e2e

import (
	"testing"
)

// TestIPControlPluginThroughActions creates an IPControl plugin with the
// plugin Actions, attaches it and checks the edge: a black list holding
// the caller (127.0.0.1) answers 403 IPForbidden, a white list without it
// too, one with it lets the call through, and detaching lifts the rule;
// each within 1 s of the Action. Bad plugin data is refused at creation.
func TestIPControlPluginThroughActions(t *testing.T) {
	f := newPluginFixture(t)
	if code, ecode := edgeCode(f.cp, f.svc, "/release/echo"); code != 200 {
		t.Fatalf("before any plugin: %d %s", code, ecode)
	}
	attach := func(id string) {
		t.Helper()
		f.mustAction(t, "AttachPlugin", map[string]any{"PluginId": id, "ServiceId": f.svc, "EnvironmentName": "release", "ApiIds": []string{f.apiID}}, nil)
	}
	detach := func(id string) {
		t.Helper()
		f.mustAction(t, "DetachPlugin", map[string]any{"PluginId": id, "ServiceId": f.svc, "EnvironmentName": "release", "ApiId": f.apiID}, nil)
	}

	black := f.createPlugin(t, "deny_local", "IPControl", `{"type":"black_list","blocks":"192.0.2.0/24;127.0.0.1"}`)
	attach(black)
	within(t, f.cp, f.svc, "/release/echo", 403, "attach black list")
	if code, ecode := edgeCode(f.cp, f.svc, "/release/echo"); code != 403 || ecode != "IPForbidden" {
		t.Fatalf("black-listed caller: %d %s, want 403 IPForbidden", code, ecode)
	}
	// The other API of the service is not under the plugin.
	if code, _ := edgeCode(f.cp, f.svc, "/release/other"); code != 200 {
		t.Fatalf("API without the plugin: %d", code)
	}
	// ModifyPlugin on an attached plugin takes effect at once.
	f.mustAction(t, "ModifyPlugin", map[string]any{"PluginId": black, "PluginData": `{"type":"black_list","blocks":"192.0.2.0/24"}`}, nil)
	within(t, f.cp, f.svc, "/release/echo", 200, "modify black list to exclude the caller")
	detach(black)

	white := f.createPlugin(t, "allow_doc", "IPControl", `{"type":"white_list","blocks":"198.51.100.0/24"}`)
	attach(white)
	within(t, f.cp, f.svc, "/release/echo", 403, "attach white list without the caller")
	f.mustAction(t, "ModifyPlugin", map[string]any{"PluginId": white, "PluginData": `{"type":"white_list","blocks":"198.51.100.0/24;127.0.0.0/8"}`}, nil)
	within(t, f.cp, f.svc, "/release/echo", 200, "white list with the caller")
	f.mustAction(t, "ModifyPlugin", map[string]any{"PluginId": white, "PluginData": `{"type":"white_list","blocks":"198.51.100.0/24"}`}, nil)
	within(t, f.cp, f.svc, "/release/echo", 403, "white list without the caller again")
	detach(white)
	within(t, f.cp, f.svc, "/release/echo", 200, "detach white list")

	for _, bad := range []string{
		`{"type":"black_list","blocks":"10.0.0.300"}`,
		`{"type":"grey_list","blocks":"10.0.0.1"}`,
		`{"type":"black_list","blocks":""}`,
		`not json`,
	} {
		code := f.action(t, "CreatePlugin", map[string]any{"PluginName": "bad", "PluginType": "IPControl", "PluginData": bad}, nil)
		if code == "" || code[:len("InvalidParameter")] != "InvalidParameter" {
			t.Errorf("CreatePlugin IPControl %s: code %q, want an InvalidParameter… code", bad, code)
		}
	}
}
