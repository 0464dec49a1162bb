package admin

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
)

// API keys (seed: 密钥相关接口). Secrets are returned where the seed says
// they are: CreateApiKey, DescribeApiKey (查询密钥详情: "该接口会显示密钥 Key")
// and UpdateApiKey (更换后的密钥详情); DescribeApiKeysStatus (查询密钥列表:
// "本接口不会显示密钥 Key") answers AccessKeySecret "".

// validKeyPart: letters, digits and '_' within [lo, hi] (seed CreateApiKey:
// AccessKeyId 5-50, AccessKeySecret 10-50).
func validKeyPart(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func checkName(field, v string, max int) error {
	if strings.TrimSpace(v) == "" {
		return tcapi.Errorf(errMissing, "%s is required", field)
	}
	if utf8.RuneCountInString(v) > max {
		return tcapi.Errorf(errFormat, "%s: at most %d characters", field, max)
	}
	return nil
}

// apiKeyView is the seed's ApiKey.
type apiKeyView struct {
	AccessKeyId     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	AccessKeyType   string `json:"AccessKeyType"`
	SecretName      string `json:"SecretName"`
	ModifiedTime    string `json:"ModifiedTime"`
	Status          int    `json:"Status"`
	CreatedTime     string `json:"CreatedTime"`
}

func keyView(k keyRecord, secret string) apiKeyView {
	return apiKeyView{AccessKeyId: k.AccessKeyId, AccessKeySecret: secret, AccessKeyType: k.AccessKeyType,
		SecretName: k.SecretName, ModifiedTime: k.ModifiedTime, Status: k.Status, CreatedTime: k.CreatedTime}
}

func getKey(tx *buntdb.Tx, id string) (keyRecord, error) {
	return getRecord[keyRecord](tx, "AccessKeyId", id, apiKeyKey(id), "ResourceNotFound.InvalidAccessKeyId", "API key "+id+" does not exist")
}

func (a *Admin) createApiKey(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		SecretName      string `json:"SecretName"`
		AccessKeyType   string `json:"AccessKeyType"`
		AccessKeyId     string `json:"AccessKeyId"`
		AccessKeySecret string `json:"AccessKeySecret"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkName("SecretName", in.SecretName, 50); err != nil {
		return nil, err
	}
	switch in.AccessKeyType {
	case "", "auto":
		if in.AccessKeyId != "" || in.AccessKeySecret != "" {
			return nil, tcapi.Errorf(errInvalidValue, "AccessKeyId and AccessKeySecret are chosen by the user only with AccessKeyType manual")
		}
		in.AccessKeyType = "auto"
		in.AccessKeyId = "AKID" + randomString(32)
		in.AccessKeySecret = randomString(40)
	case "manual":
		if in.AccessKeyId == "" || in.AccessKeySecret == "" {
			return nil, tcapi.Errorf(errMissing, "AccessKeyType manual needs AccessKeyId and AccessKeySecret")
		}
		if !validKeyPart(in.AccessKeyId, 5, 50) {
			return nil, tcapi.Errorf(errFormat, "AccessKeyId: 5 to 50 letters, digits or '_'")
		}
		if !validKeyPart(in.AccessKeySecret, 10, 50) {
			return nil, tcapi.Errorf(errFormat, "AccessKeySecret: 10 to 50 letters, digits or '_'")
		}
	default:
		return nil, tcapi.Errorf(errNotInOptions, "AccessKeyType %q: want auto or manual", in.AccessKeyType)
	}
	now := isoTime(a.opts.Now())
	rec := keyRecord{AccessKeyId: in.AccessKeyId, SecretName: in.SecretName, AccessKeyType: in.AccessKeyType,
		Status: 1, CreatedTime: now, ModifiedTime: now}
	rec.Secret = a.sealSecret(apiKeyKey(rec.AccessKeyId), in.AccessKeySecret)
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := tx.Get(apiKeyKey(rec.AccessKeyId)); err == nil {
			return false, tcapi.Errorf("FailedOperation.AccessKeyExist", "API key %s already exists", rec.AccessKeyId)
		}
		n := 0
		tx.AscendKeys(apiKeyPrefix+"*", func(string, string) bool { n++; return true })
		if n >= a.opts.Limits.ApiKeys {
			return false, tcapi.Errorf("LimitExceeded.ApiKeyCountLimitExceeded", "at most %d API keys", a.opts.Limits.ApiKeys)
		}
		// Published even unbound: the edge tells a known key that is not
		// allowed here (403) from an unknown one (401) by its key table.
		return true, store.SetJSON(tx, apiKeyKey(rec.AccessKeyId), rec)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": keyView(rec, in.AccessKeySecret)}, nil
}

type accessKeyIDReq struct {
	AccessKeyId string `json:"AccessKeyId"`
}

// DeleteApiKey deletes a disabled key bound to no plan (the seed's
// UnsupportedOperation.InvalidStatus and ResourceIsInUse); so a deleted key
// had already stopped working.
func (a *Admin) deleteApiKey(_ context.Context, r *tcapi.Request) (any, error) {
	var in accessKeyIDReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		k, err := getKey(tx, in.AccessKeyId)
		if err != nil {
			return false, err
		}
		if k.Status == 1 {
			return false, tcapi.Errorf("UnsupportedOperation.InvalidStatus", "API key %s is enabled; disable it (DisableApiKey) before deleting it", k.AccessKeyId)
		}
		plans, err := scan[planRecord](tx, planPrefix)
		if err != nil {
			return false, err
		}
		if bound := plansOfKey(plans, k.AccessKeyId); len(bound) > 0 {
			return false, tcapi.Errorf("UnsupportedOperation.ResourceIsInUse", "API key %s is bound to usage plan %s; unbind it (UnBindSecretIds) first", k.AccessKeyId, bound[0].UsagePlanId)
		}
		_, err = tx.Delete(apiKeyKey(k.AccessKeyId))
		return true, err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

func (a *Admin) describeApiKey(_ context.Context, r *tcapi.Request) (any, error) {
	var in accessKeyIDReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var out apiKeyView
	err := a.db.View(func(tx *buntdb.Tx) error {
		k, err := getKey(tx, in.AccessKeyId)
		if err != nil {
			return err
		}
		secret, err := a.openSecret(apiKeyKey(k.AccessKeyId), k.Secret)
		if err != nil {
			return err
		}
		out = keyView(k, secret)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": out}, nil
}

func (a *Admin) describeApiKeysStatus(_ context.Context, r *tcapi.Request) (any, error) {
	var in describeServicesReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	fs, err := parseFilters(in.Filters, "AccessKeyId", "AccessKeySecret", "SecretName", "NotUsagePlanId", "Status", "KeyWord")
	if err != nil {
		return nil, err
	}
	set := []apiKeyView{}
	err = a.db.View(func(tx *buntdb.Tx) error {
		keys, err := scan[keyRecord](tx, apiKeyPrefix)
		if err != nil {
			return err
		}
		plans, err := scan[planRecord](tx, planPrefix)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if !fs.match("AccessKeyId", k.AccessKeyId) || !fs.matchSub("SecretName", k.SecretName) ||
				!fs.match("Status", strconv.Itoa(k.Status)) {
				continue
			}
			if vals, ok := fs["KeyWord"]; ok && !anySub(vals, k.SecretName, k.AccessKeyId) {
				continue
			}
			if vals, ok := fs["NotUsagePlanId"]; ok && boundToAny(plans, k.AccessKeyId, vals) {
				continue
			}
			if vals, ok := fs["AccessKeySecret"]; ok {
				secret, err := a.openSecret(apiKeyKey(k.AccessKeyId), k.Secret)
				if err != nil {
					return err
				}
				hit := false
				for _, v := range vals {
					hit = sameSecret(v, secret) || hit
				}
				if !hit {
					continue
				}
			}
			set = append(set, keyView(k, ""))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "ApiKeySet": page(set, limit, offset)}}, nil
}

// anySub: one of vals is a case-insensitive substring of one of fields.
func anySub(vals []string, fields ...string) bool {
	for _, v := range vals {
		for _, f := range fields {
			if strings.Contains(strings.ToLower(f), strings.ToLower(v)) {
				return true
			}
		}
	}
	return false
}

// boundToAny: key id is bound to one of the plans named.
func boundToAny(plans []planRecord, id string, planIDs []string) bool {
	for _, p := range plans {
		if contains(planIDs, p.UsagePlanId) && contains(p.SecretIds, id) {
			return true
		}
	}
	return false
}

func (a *Admin) disableApiKey(_ context.Context, r *tcapi.Request) (any, error) {
	return a.setKeyStatus(r, 0)
}

func (a *Admin) enableApiKey(_ context.Context, r *tcapi.Request) (any, error) {
	return a.setKeyStatus(r, 1)
}

func (a *Admin) setKeyStatus(r *tcapi.Request, status int) (any, error) {
	var in accessKeyIDReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		k, err := getKey(tx, in.AccessKeyId)
		if err != nil {
			return false, err
		}
		if k.Status == status {
			word := map[int]string{0: "disabled", 1: "enabled"}[status]
			return false, tcapi.Errorf("UnsupportedOperation.UnsupportedUpdateApiKey", "API key %s is already %s", k.AccessKeyId, word)
		}
		k.Status = status
		k.ModifiedTime = isoTime(a.opts.Now())
		if err := store.SetJSON(tx, apiKeyKey(k.AccessKeyId), k); err != nil {
			return false, err
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// UpdateApiKey rotates a key's secret (seed 更换密钥): auto keys get a new
// random one, manual keys take AccessKeySecret. The old secret stops
// working with the revision this publishes.
func (a *Admin) updateApiKey(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		AccessKeyId     string `json:"AccessKeyId"`
		AccessKeySecret string `json:"AccessKeySecret"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var out apiKeyView
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		k, err := getKey(tx, in.AccessKeyId)
		if err != nil {
			return false, err
		}
		old, err := a.openSecret(apiKeyKey(k.AccessKeyId), k.Secret)
		if err != nil {
			return false, err
		}
		secret := in.AccessKeySecret
		switch {
		case k.AccessKeyType == "manual" && secret == "":
			return false, tcapi.Errorf(errMissing, "AccessKeySecret is required to rotate a manual key")
		case k.AccessKeyType != "manual" && secret != "":
			return false, tcapi.Errorf(errInvalidValue, "API key %s is an auto key: its new secret is generated, leave AccessKeySecret out", k.AccessKeyId)
		case secret == "":
			secret = randomString(40)
		case !validKeyPart(secret, 10, 50):
			return false, tcapi.Errorf(errFormat, "AccessKeySecret: 10 to 50 letters, digits or '_'")
		case sameSecret(secret, old):
			return false, tcapi.Errorf(errInvalidValue, "AccessKeySecret is the key's current secret; a rotation needs a new one")
		}
		k.Secret = a.sealSecret(apiKeyKey(k.AccessKeyId), secret)
		k.ModifiedTime = isoTime(a.opts.Now())
		if err := store.SetJSON(tx, apiKeyKey(k.AccessKeyId), k); err != nil {
			return false, err
		}
		out = keyView(k, secret)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": out}, nil
}
