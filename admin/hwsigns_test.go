package admin

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/hwapi"
)

type signList struct {
	Total int          `json:"total"`
	Size  int          `json:"size"`
	Signs []hwSignView `json:"signs"`
}

type signBindingList struct {
	Total    int             `json:"total"`
	Size     int             `json:"size"`
	Bindings []hwSignBinding `json:"bindings"`
}

type unboundList struct {
	Total int `json:"total"`
	Apis  []struct {
		Id            string `json:"id"`
		PublishId     string `json:"publish_id"`
		RunEnvName    string `json:"run_env_name"`
		SignatureName string `json:"signature_name"`
	} `json:"apis"`
}

func (h *hwTest) newSign(body map[string]any) hwSignView {
	h.t.Helper()
	var v hwSignView
	if err := h.do("POST", "/signs", nil, body, 201, "").Decode(&v); err != nil {
		h.t.Fatal(err)
	}
	return v
}

const releaseEnvID = "DEFAULT_ENVIRONMENT_RELEASE_ID"

// TestHWSigns drives every signature key operation over REST, with the
// statuses and codes of each documented failure.
func TestHWSigns(t *testing.T) {
	h := newHWTest(t)
	svc, apis := h.service()

	// Create: defaults, given values, and the refusals.
	demo := h.newSign(map[string]any{"name": "signature_demo"})
	if demo.SignType != "hmac" || len(demo.SignKey) != 32 || len(demo.SignSecret) != 32 || len(demo.Id) != 32 || demo.CreateTime == "" || demo.BindNum != 0 {
		t.Fatalf("created: %+v", demo)
	}
	basic := h.newSign(map[string]any{"name": "Signature_basic", "sign_type": "basic", "sign_key": "gateway", "sign_secret": "p@ss_word-1"})
	aes := h.newSign(map[string]any{"name": "sig_aes", "sign_type": "aes", "sign_algorithm": "aes-128-cfb", "sign_key": "0123456789abcdef", "sign_secret": "fedcba9876543210"})
	if basic.SignSecret != "p@ss_word-1" || aes.SignKey != "0123456789abcdef" || aes.SignAlgorithm != "aes-128-cfb" {
		t.Fatalf("created with values: %+v %+v", basic, aes)
	}
	h.do("POST", "/signs", nil, map[string]any{"sign_type": "hmac"}, 400, hwapi.CodeBadParameter)
	h.do("POST", "/signs", nil, map[string]any{"name": "x"}, 400, hwapi.CodeBadParameter)
	h.do("POST", "/signs", nil, map[string]any{"name": "signature_demo"}, 400, codeSignNameTaken)
	h.do("POST", "/signs", nil, map[string]any{"name": "pk_key", "sign_type": "public_key"}, 400, hwapi.CodeUnsupportedValue)
	h.do("POST", "/signs", nil, map[string]any{"name": "abc", "sign_key": "bad key!"}, 400, hwapi.CodeBadParameter)
	h.do("POST", "/signs", nil, map[string]any{"name": "abc", "secret": "x"}, 400, hwapi.CodeBadParameter)
	h.do("POST", "/signs", nil, []byte("{"), 400, hwapi.CodeBadBody)

	// List: masked secrets (and an aes key), paging, filters.
	var l signList
	h.get("/signs", nil, &l)
	if l.Total != 3 || l.Size != 3 || l.Signs[0].Id != demo.Id || l.Signs[2].Id != aes.Id {
		t.Fatalf("list: %+v", l)
	}
	for _, s := range l.Signs {
		if !strings.Contains(s.SignSecret, "************") {
			t.Errorf("list shows a secret: %+v", s)
		}
	}
	if l.Signs[0].SignKey != demo.SignKey || l.Signs[2].SignKey != "012************def" {
		t.Errorf("list keys: %q %q", l.Signs[0].SignKey, l.Signs[2].SignKey)
	}
	page := func(q url.Values, total, size int, first string) {
		t.Helper()
		var l signList
		h.get("/signs", q, &l)
		if l.Total != total || l.Size != size || len(l.Signs) != size || (size > 0 && l.Signs[0].Id != first) {
			t.Errorf("%v: %+v", q, l)
		}
	}
	page(url.Values{"offset": {"1"}, "limit": {"1"}}, 3, 1, basic.Id)
	page(url.Values{"offset": {"-5"}, "limit": {"0"}}, 3, 3, demo.Id)
	page(url.Values{"limit": {"600"}}, 3, 3, demo.Id)
	page(url.Values{"offset": {"3"}}, 3, 0, "")
	page(url.Values{"name": {"signature"}}, 2, 2, demo.Id)
	page(url.Values{"name": {"signature"}, "precise_search": {"name"}}, 0, 0, "")
	page(url.Values{"name": {"Signature_basic"}, "precise_search": {"name"}}, 1, 1, basic.Id)
	page(url.Values{"id": {aes.Id}}, 1, 1, aes.Id)
	h.do("GET", "/signs", url.Values{"precise_search": {"id"}}, nil, 400, hwapi.CodeBadParameter)
	h.do("GET", "/signs", url.Values{"limit": {"x"}}, nil, 400, hwapi.CodeBadParameter)

	// Update: 200 with the new values; 404 and 400.
	var up hwSignView
	h.do("PUT", "/signs/"+demo.Id, nil, map[string]any{"name": "signature_demo2", "sign_secret": "new-secret-0123456789"}, 200, "").Decode(&up)
	if up.Name != "signature_demo2" || up.SignKey != demo.SignKey || up.SignSecret != "new-secret-0123456789" || up.Id != demo.Id {
		t.Fatalf("updated: %+v", up)
	}
	h.do("PUT", "/signs/0b0e8f456b8742218af75f945307173c", nil, map[string]any{"name": "abc"}, 404, codeNoSign)
	h.do("PUT", "/signs/"+demo.Id, nil, map[string]any{"name": "Signature_basic"}, 400, codeSignNameTaken)
	h.do("PUT", "/signs/"+demo.Id, nil, map[string]any{"name": "abc", "sign_type": "aes"}, 400, hwapi.CodeBadParameter)

	// Bind: 201 per publish_id; the refusals.
	pid0 := publishID(apis[0], releaseEnvID)
	var bound struct {
		Bindings []hwSignBinding `json:"bindings"`
	}
	h.do("POST", "/sign-bindings", nil, map[string]any{"sign_id": demo.Id, "publish_ids": []string{pid0}}, 201, "").Decode(&bound)
	if len(bound.Bindings) != 1 {
		t.Fatalf("bound: %+v", bound)
	}
	b0 := bound.Bindings[0]
	if b0.ApiId != apis[0] || b0.PublishId != pid0 || b0.EnvName != "RELEASE" || b0.EnvId != releaseEnvID || b0.SignId != demo.Id ||
		b0.SignName != "signature_demo2" || b0.GroupName != "s" || b0.ApiType != 1 || !strings.Contains(b0.SignSecret, "****") || len(b0.Id) != 32 {
		t.Errorf("binding: %+v", b0)
	}
	if sg := h.Snapshot().Published.Signing; sg == nil || sg.Keys[0].SignSecret != "new-secret-0123456789" {
		t.Errorf("published after binding: %+v", sg)
	}
	h.do("POST", "/sign-bindings", nil, map[string]any{"publish_ids": []string{pid0}}, 400, hwapi.CodeBadParameter)
	h.do("POST", "/sign-bindings", nil, map[string]any{"sign_id": demo.Id}, 400, hwapi.CodeBadParameter)
	h.do("POST", "/sign-bindings", nil, map[string]any{"sign_id": "nope", "publish_ids": []string{pid0}}, 404, codeNoSign)
	h.do("POST", "/sign-bindings", nil, map[string]any{"sign_id": aes.Id, "publish_ids": []string{pid0}}, 400, hwapi.CodeConflict)
	h.do("POST", "/sign-bindings", nil, map[string]any{"sign_id": aes.Id, "publish_ids": []string{"no-such-api." + releaseEnvID}}, 404, hwapi.CodeNoAPI)
	h.do("POST", "/sign-bindings", nil, map[string]any{"sign_id": aes.Id, "publish_ids": []string{apis[1] + ".no-such-env"}}, 404, hwapi.CodeNoEnv)
	h.do("POST", "/sign-bindings", nil, map[string]any{"sign_id": aes.Id, "publish_ids": []string{publishID(apis[1], "DEFAULT_ENVIRONMENT_TEST_ID")}}, 400, hwapi.CodeBadParameter)
	h.do("POST", "/sign-bindings", nil, map[string]any{"sign_id": aes.Id, "publish_ids": []string{"garbage"}}, 400, hwapi.CodeBadParameter)
	h.do("POST", "/sign-bindings", nil, map[string]any{"sign_id": aes.Id, "publish_ids": []string{publishID(apis[1], releaseEnvID)}}, 201, "")

	// binded-signs (seed): by API.
	var bs signBindingList
	h.get("/sign-bindings/binded-signs", url.Values{"api_id": {apis[0]}}, &bs)
	if bs.Total != 1 || bs.Bindings[0].Id != b0.Id || bs.Bindings[0].SignKey != demo.SignKey {
		t.Errorf("binded-signs: %+v", bs)
	}
	for q, n := range map[string]int{"sign_name=demo2": 1, "sign_name=other": 0, "sign_id=" + aes.Id: 0, "env_id=" + releaseEnvID: 1, "env_id=DEFAULT_ENVIRONMENT_TEST_ID": 0} {
		v, _ := url.ParseQuery(q)
		v.Set("api_id", apis[0])
		var l signBindingList
		h.get("/sign-bindings/binded-signs", v, &l)
		if l.Total != n {
			t.Errorf("binded-signs %s: %d", q, l.Total)
		}
	}
	h.do("GET", "/sign-bindings/binded-signs", nil, nil, 400, hwapi.CodeBadParameter)
	h.do("GET", "/sign-bindings/binded-signs", url.Values{"api_id": {"nope"}}, nil, 404, hwapi.CodeNoAPI)

	// binded-apis: by key.
	h.get("/sign-bindings/binded-apis", url.Values{"sign_id": {aes.Id}}, &bs)
	if bs.Total != 1 || bs.Bindings[0].ApiId != apis[1] || bs.Bindings[0].SignKey != "012************def" || bs.Bindings[0].ReqMethod != "GET" {
		t.Errorf("binded-apis: %+v", bs)
	}
	h.get("/sign-bindings/binded-apis", url.Values{"sign_id": {aes.Id}, "group_id": {svc}, "api_name": {"zzz"}}, &bs)
	if bs.Total != 0 {
		t.Errorf("binded-apis, api_name: %+v", bs)
	}
	h.do("GET", "/sign-bindings/binded-apis", nil, nil, 400, hwapi.CodeBadParameter)
	h.do("GET", "/sign-bindings/binded-apis", url.Values{"sign_id": {"nope"}}, nil, 404, codeNoSign)

	// unbinded-apis: what the key is not bound to, and who is.
	var ub unboundList
	h.get("/sign-bindings/unbinded-apis", url.Values{"sign_id": {basic.Id}}, &ub)
	if ub.Total != 2 {
		t.Fatalf("unbinded-apis: %+v", ub)
	}
	names := map[string]string{}
	for _, x := range ub.Apis {
		names[x.Id] = x.SignatureName
	}
	if names[apis[0]] != "signature_demo2" || names[apis[1]] != "sig_aes" {
		t.Errorf("unbinded-apis names: %v", names)
	}
	h.get("/sign-bindings/unbinded-apis", url.Values{"sign_id": {demo.Id}}, &ub)
	if ub.Total != 1 || ub.Apis[0].Id != apis[1] || ub.Apis[0].PublishId != publishID(apis[1], releaseEnvID) || ub.Apis[0].RunEnvName != "RELEASE" {
		t.Errorf("unbinded-apis of the bound key: %+v", ub)
	}
	h.do("GET", "/sign-bindings/unbinded-apis", nil, nil, 400, hwapi.CodeBadParameter)
	h.do("GET", "/sign-bindings/unbinded-apis", url.Values{"sign_id": {"nope"}}, nil, 404, codeNoSign)

	// The list counts bindings.
	h.get("/signs", url.Values{"id": {demo.Id}}, &l)
	if l.Signs[0].BindNum != 1 {
		t.Errorf("bind_num: %+v", l.Signs[0])
	}

	// Unbind: 204, then 404.
	h.do("DELETE", "/sign-bindings/"+b0.Id, nil, nil, 204, "")
	h.do("DELETE", "/sign-bindings/"+b0.Id, nil, nil, 404, codeNoSignBinding)
	h.get("/sign-bindings/binded-signs", url.Values{"api_id": {apis[0]}}, &bs)
	if bs.Total != 0 {
		t.Errorf("after unbinding: %+v", bs)
	}

	// Delete a bound key: 204, its bindings go; then 404.
	h.do("DELETE", "/signs/"+aes.Id, nil, nil, 204, "")
	h.do("DELETE", "/signs/"+aes.Id, nil, nil, 404, codeNoSign)
	h.get("/sign-bindings/binded-signs", url.Values{"api_id": {apis[1]}}, &bs)
	if bs.Total != 0 || h.Snapshot().Published.Signing != nil {
		t.Errorf("after deleting the bound key: %+v %+v", bs, h.Snapshot().Published.Signing)
	}

	// 500: a record the master key cannot open is a system error.
	err := h.db.Update(func(tx *buntdb.Tx) error {
		r, err := getSign(tx, basic.Id)
		if err != nil {
			return err
		}
		r.Secret = sealedPrefix + "AAAA"
		return putSign(tx, &r)
	})
	if err != nil {
		t.Fatal(err)
	}
	h.do("GET", "/signs", nil, nil, 500, hwapi.CodeSystem)
}

// TestHWSignsLimit: the tenant's limit on keys.
func TestHWSignsLimit(t *testing.T) {
	h := newHWTest(t)
	for i := range maxSignKeys {
		_, err := h.createSign(signSpec{Name: "k" + strconv.Itoa(1000+i), Type: "hmac", Key: "signkeysignkey", Secret: "sig_secret-0123456789"})
		if err != nil {
			t.Fatal(err)
		}
	}
	h.do("POST", "/signs", nil, map[string]any{"name": "one_more"}, 400, hwapi.CodeQuota)
}
