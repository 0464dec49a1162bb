package admin

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// API keys (seed: 密钥相关接口). Secrets are returned where the seed says
// they are: CreateApiKey, DescribeApiKey (查询密钥详情: "该接口会显示密钥 Key")
// and UpdateApiKey (更换后的密钥详情); DescribeApiKeysStatus (查询密钥列表:
// "本接口不会显示密钥 Key") answers AccessKeySecret "".

// checkKeyPart: letters, digits and '_' within [lo, hi] (seed CreateApiKey:
// AccessKeyId 5-50, AccessKeySecret 10-50).
func checkKeyPart(field, s string, lo, hi int) error {
	ok := len(s) >= lo && len(s) <= hi
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
	}
	if !ok {
		return tcapi.Errorf(errFormat, "%s: %d to %d letters, digits or '_'", field, lo, hi)
	}
	return nil
}

// checkName: a name that is required and at most max characters (seed:
// the Create* of keys, plans and apps).
func checkName(field, v string, max int) error {
	if strings.TrimSpace(v) == "" {
		return tcapi.Errorf(errMissing, "%s is required", field)
	}
	if utf8.RuneCountInString(v) > max {
		return tcapi.Errorf(errFormat, "%s: at most %d characters", field, max)
	}
	return nil
}

// checkDesc: a description of plans and apps, at most 200 characters.
func checkDesc(field, desc string) error {
	if utf8.RuneCountInString(desc) > 200 {
		return tcapi.Errorf(errFormat, "%s: at most 200 characters", field)
	}
	return nil
}

// apiKeyView is the seed's ApiKey.
type apiKeyView struct {
	AccessKeyId, AccessKeySecret, AccessKeyType, SecretName, ModifiedTime string
	Status                                                                int
	CreatedTime                                                           string
}

func keyView(k keyRecord, secret string) apiKeyView {
	return apiKeyView{k.AccessKeyId, secret, k.AccessKeyType, k.SecretName, k.ModifiedTime, k.Status, k.CreatedTime}
}

type createApiKeyReq struct {
	SecretName, AccessKeyType, AccessKeyId, AccessKeySecret string
}

func (in *createApiKeyReq) Check() error {
	if err := checkName("SecretName", in.SecretName, 50); err != nil {
		return err
	}
	switch in.AccessKeyType {
	case "", "auto":
		if in.AccessKeyId != "" || in.AccessKeySecret != "" {
			return tcapi.Errorf(errInvalidValue, "AccessKeyId and AccessKeySecret are chosen by the user only with AccessKeyType manual")
		}
	case "manual":
		if in.AccessKeyId == "" || in.AccessKeySecret == "" {
			return tcapi.Errorf(errMissing, "AccessKeyType manual needs AccessKeyId and AccessKeySecret")
		}
		if err := checkKeyPart("AccessKeyId", in.AccessKeyId, 5, 50); err != nil {
			return err
		}
		return checkKeyPart("AccessKeySecret", in.AccessKeySecret, 10, 50)
	default:
		return tcapi.Errorf(errNotInOptions, "AccessKeyType %q: want auto or manual", in.AccessKeyType)
	}
	return nil
}

func (a *Admin) createApiKey(_ context.Context, in *createApiKeyReq) (*result[apiKeyView], error) {
	if in.AccessKeyType != "manual" {
		in.AccessKeyType = "auto"
		in.AccessKeyId = "AKID" + randomString(32)
		in.AccessKeySecret = randomString(40)
	}
	rec := keyRecord{AccessKeyId: in.AccessKeyId, SecretName: in.SecretName, AccessKeyType: in.AccessKeyType,
		Status: 1, stamps: a.stamped()}
	rec.Secret = a.sealSecret(apiKeyKey(rec.AccessKeyId), in.AccessKeySecret)
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if exists(tx, apiKeyKey(rec.AccessKeyId)) {
			return false, tcapi.Errorf("FailedOperation.AccessKeyExist", "API key %s already exists", rec.AccessKeyId)
		}
		l := limit{prefix: apiKeyPrefix, max: a.opts.Limits.ApiKeys, code: "LimitExceeded.ApiKeyCountLimitExceeded", what: "API keys"}
		if err := l.check(tx); err != nil {
			return false, err
		}
		// Published even unbound: the edge tells a known key that is not
		// allowed here (403) from an unknown one (401) by its key table.
		return true, apiKeys.put(tx, &rec)
	})
	return resultOf(keyView(rec, in.AccessKeySecret), err)
}

type accessKeyIDReq struct {
	AccessKeyId string
}

// DeleteApiKey deletes a disabled key bound to no plan (the seed's
// UnsupportedOperation.InvalidStatus and ResourceIsInUse); so a deleted key
// had already stopped working.
func (a *Admin) deleteApiKey(_ context.Context, in *accessKeyIDReq) (*result[bool], error) {
	return done(apiKeys.remove(a, in.AccessKeyId, func(tx *buntdb.Tx, k *keyRecord) (bool, error) {
		if k.Status == 1 {
			return false, tcapi.Errorf("UnsupportedOperation.InvalidStatus", "API key %s is enabled; disable it (DisableApiKey) before deleting it", k.AccessKeyId)
		}
		plans, err := usagePlans.all(tx)
		if err != nil {
			return false, err
		}
		if bound := plansOfKey(plans, k.AccessKeyId); len(bound) > 0 {
			return false, tcapi.Errorf("UnsupportedOperation.ResourceIsInUse", "API key %s is bound to usage plan %s; unbind it (UnBindSecretIds) first", k.AccessKeyId, bound[0].UsagePlanId)
		}
		return true, nil
	}))
}

func (a *Admin) describeApiKey(_ context.Context, in *accessKeyIDReq) (*result[apiKeyView], error) {
	var out apiKeyView
	err := a.db.View(func(tx *buntdb.Tx) error {
		k, err := apiKeys.get(tx, in.AccessKeyId)
		if err != nil {
			return err
		}
		secret, err := a.openSecret(apiKeyKey(k.AccessKeyId), k.Secret)
		out = keyView(k, secret)
		return err
	})
	return resultOf(out, err)
}

// apiKeysStatus is the seed's ApiKeysStatus.
type apiKeysStatus struct {
	TotalCount int
	ApiKeySet  []apiKeyView
}

func (a *Admin) describeApiKeysStatus(_ context.Context, in *listParams) (*result[apiKeysStatus], error) {
	n, set, err := describeList(a, &in.pageParams, in.Filters, []string{"AccessKeyId", "AccessKeySecret", "SecretName", "NotUsagePlanId", "Status", "KeyWord"},
		func(tx *buntdb.Tx, fs filters) ([]apiKeyView, error) {
			keys, err := apiKeys.all(tx)
			if err != nil {
				return nil, err
			}
			plans, err := usagePlans.all(tx)
			if err != nil {
				return nil, err
			}
			var set []apiKeyView
			for _, k := range keys {
				if !fs.match("AccessKeyId", k.AccessKeyId) || !fs.matchSub("SecretName", k.SecretName) ||
					!fs.match("Status", strconv.Itoa(k.Status)) || !fs.matchSub("KeyWord", k.SecretName, k.AccessKeyId) {
					continue
				}
				if vals, ok := fs["NotUsagePlanId"]; ok && boundToAny(plans, k.AccessKeyId, vals) {
					continue
				}
				if vals, ok := fs["AccessKeySecret"]; ok {
					secret, err := a.openSecret(apiKeyKey(k.AccessKeyId), k.Secret)
					if err != nil {
						return nil, err
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
			return set, nil
		})
	return resultOf(apiKeysStatus{n, set}, err)
}

// boundToAny: key id is bound to one of the plans named.
func boundToAny(plans []planRecord, id string, planIDs []string) bool {
	for _, p := range plans {
		if slices.Contains(planIDs, p.UsagePlanId) && slices.Contains(p.SecretIds, id) {
			return true
		}
	}
	return false
}

func (a *Admin) disableApiKey(_ context.Context, in *accessKeyIDReq) (*result[bool], error) {
	return done(a.setKeyStatus(in.AccessKeyId, 0))
}

func (a *Admin) enableApiKey(_ context.Context, in *accessKeyIDReq) (*result[bool], error) {
	return done(a.setKeyStatus(in.AccessKeyId, 1))
}

func (a *Admin) setKeyStatus(id string, status int) error {
	return apiKeys.update(a, id, func(_ *buntdb.Tx, k *keyRecord) (bool, error) {
		if k.Status == status {
			word := map[int]string{0: "disabled", 1: "enabled"}[status]
			return false, tcapi.Errorf("UnsupportedOperation.UnsupportedUpdateApiKey", "API key %s is already %s", k.AccessKeyId, word)
		}
		k.Status = status
		k.ModifiedTime = a.now()
		return true, nil
	})
}

type updateApiKeyReq struct {
	AccessKeyId, AccessKeySecret string
}

// UpdateApiKey rotates a key's secret (seed 更换密钥): auto keys get a new
// random one, manual keys take AccessKeySecret. The old secret stops
// working with the revision this publishes.
func (a *Admin) updateApiKey(_ context.Context, in *updateApiKeyReq) (*result[apiKeyView], error) {
	var out apiKeyView
	err := apiKeys.update(a, in.AccessKeyId, func(_ *buntdb.Tx, k *keyRecord) (bool, error) {
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
		}
		if err := a.rotate(&k.Secret, apiKeyKey(k.AccessKeyId), secret, old, "AccessKeySecret"); err != nil {
			return false, err
		}
		k.ModifiedTime = a.now()
		out = keyView(*k, secret)
		return true, nil
	})
	return resultOf(out, err)
}

// rotate seals secret, a new one the user chose (checked: 10-50 letters,
// digits or '_', not the current secret old) or one generated, into
// *stored, the Secret of record id.
func (a *Admin) rotate(stored *string, id, secret, old, field string) error {
	if err := checkKeyPart(field, secret, 10, 50); err != nil {
		return err
	}
	if sameSecret(secret, old) {
		return tcapi.Errorf(errInvalidValue, "%s is the current secret; a new one is needed", field)
	}
	*stored = a.sealSecret(id, secret)
	return nil
}
