package admin

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/backendsign"
	"github.com/edgegate/edgegate/model"
)

// Signature keys (Huawei APIG 签名密钥, seed 001 `.../signs` and
// `.../sign-bindings`; the feature only the Huawei interface has): a key
// bound to an API in an environment makes the edge sign every request it
// forwards to that API's backend (package backendsign). hwsigns.go is the
// REST interface over these records.
//
//	sign:<id>   signRecord, its bindings inside
//
// The key and the secret are sealed together under the master key
// (secrets.go): for aes keys both are key material. Deleting a key unbinds
// it (Huawei DeleteSignatureKeyV2: "invalidate the signature key and
// unbind it from the APIs"); a change to a bound key is published at once,
// as a binding is (Huawei: no need to publish the API again).
const (
	signPrefix = "sign:"
	signSeqKey = "meta:signseq"
	// maxSignKeys is the tenant's limit (no seed figure; the same order
	// as apps and keys).
	maxSignKeys = 200
)

// The REST codes of signature keys (Huawei APIG's error table).
const (
	codeNoSign        = "APIG.3017" // The signature key does not exist
	codeNoSignBinding = "APIG.3018" // The signature key binding record does not exist
	codeSignNameTaken = "APIG.3207" // The signature key name already exists
)

func signKey(id string) string { return signPrefix + id }

// signRecord is a stored signature key.
type signRecord struct {
	Id            string `json:"Id"`
	Seq           int64  `json:"Seq"` // creation order
	Name          string `json:"Name"`
	SignType      string `json:"SignType"`
	SignAlgorithm string `json:"SignAlgorithm,omitempty"`
	// Secret is the stored form (secrets.go) of sign_key "\n" sign_secret.
	Secret     string          `json:"Secret"`
	Bindings   []signBindingRe `json:"Bindings,omitempty"`
	CreateTime string          `json:"CreateTime"`
	UpdateTime string          `json:"UpdateTime"`
}

// signBindingRe binds the key to one API in one environment.
type signBindingRe struct {
	Id string `json:"Id"`
	target
	BindingTime string `json:"BindingTime"`
}

// signSpec is a key as created or changed: validated, secrets in clear.
type signSpec struct {
	Name, Type, Key, Secret, Algorithm string
}

// signIn is what POST and PUT .../signs take (seed 001 and Huawei's
// CreateSignatureKeyV2 / UpdateSignatureKeyV2 body).
type signIn struct {
	Name          *string `json:"name"`
	SignType      *string `json:"sign_type"`
	SignKey       *string `json:"sign_key"`
	SignSecret    *string `json:"sign_secret"`
	SignAlgorithm *string `json:"sign_algorithm"`
}

// spec validates in over old (the key being changed; nil: a new one),
// filling what is left out: the type defaults to hmac, the algorithm to
// none, a key and secret to generated ones (or old's, on a change that
// keeps the type). Huawei's rules, by type:
//
//	name        3-64 of letters, Han characters, digits and '_', starting with a letter or Han
//	hmac key    8-32 of [A-Za-z0-9_-], starting with a letter or digit
//	basic key   4-32 of [A-Za-z0-9_-], starting with a letter
//	aes key     16 (aes-128-cfb) or 32 (aes-256-cfb) of [A-Za-z0-9_!@#$%+/=-], starting with a letter, digit, '+' or '/'
//	hmac secret 16-64 of [A-Za-z0-9_!@#$%-], starting with a letter or digit
//	basic secret 8-64, the same
//	aes secret  (the IV) 16 of [A-Za-z0-9_!@#$%+/=-], starting with a letter, digit, '+' or '/'
func (in *signIn) spec(old *signSpec) (signSpec, error) {
	var s signSpec
	if in.Name == nil || *in.Name == "" {
		return s, hwapi.BadParameter("name", "the parameter is required")
	}
	s.Name = *in.Name
	if !aclNameRE.MatchString(s.Name) { // the same rule as ACL names
		return s, hwapi.BadParameter("name", "3 to 64 letters, Han characters, digits and '_', starting with a letter or a Han character")
	}
	s.Type = backendsign.TypeHMAC
	if old != nil {
		s.Type = old.Type
	}
	if in.SignType != nil {
		s.Type = *in.SignType
	}
	switch s.Type {
	case backendsign.TypeHMAC, backendsign.TypeBasic, backendsign.TypeAES:
	case "public_key":
		return s, hwapi.Errorf(http.StatusBadRequest, hwapi.CodeUnsupportedValue,
			"Invalid parameter value,parameterName:sign_type. Please refer to the support documentation: public_key keys are not available in Edgegate (hmac, basic or aes)")
	default:
		return s, hwapi.BadParameter("sign_type", "want hmac, basic or aes")
	}
	if in.SignAlgorithm != nil {
		s.Algorithm = *in.SignAlgorithm
	} else if old != nil && old.Type == s.Type {
		s.Algorithm = old.Algorithm
	}
	switch {
	case s.Type != backendsign.TypeAES && s.Algorithm != "":
		return s, hwapi.BadParameter("sign_algorithm", "only aes keys take a signature algorithm")
	case s.Type == backendsign.TypeAES && s.Algorithm != backendsign.AES128CFB && s.Algorithm != backendsign.AES256CFB:
		return s, hwapi.BadParameter("sign_algorithm", "aes keys need aes-128-cfb or aes-256-cfb")
	}
	rk, rs := signRules(s.Type, s.Algorithm)
	var err error
	var oldKey, oldSecret string
	if old != nil {
		oldKey, oldSecret = old.Key, old.Secret
	}
	if s.Key, err = signPart("sign_key", in.SignKey, oldKey, rk); err != nil {
		return s, err
	}
	if s.Secret, err = signPart("sign_secret", in.SignSecret, oldSecret, rs); err != nil {
		return s, err
	}
	return s, nil
}

// signRule is the shape of a key or secret.
type signRule struct {
	min, max int
	first    func(byte) bool
	rest     func(byte) bool
	what     string
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
func isLetter(c byte) bool  { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isAlnumPS(c byte) bool { return isAlnum(c) || c == '+' || c == '/' }
func isKeyChar(c byte) bool { return isAlnum(c) || c == '_' || c == '-' }
func isSecChar(c byte) bool { return isKeyChar(c) || strings.IndexByte("!@#$%", c) >= 0 }
func isAESChar(c byte) bool { return isSecChar(c) || c == '+' || c == '/' || c == '=' }

// signRules are the shapes of a type's key and secret.
func signRules(typ, alg string) (key, secret signRule) {
	switch typ {
	case backendsign.TypeBasic:
		return signRule{4, 32, isLetter, isKeyChar, "4-32 of letters, digits, '_' and '-', starting with a letter"},
			signRule{8, 64, isAlnum, isSecChar, "8-64 of letters, digits and _-!@#$%, starting with a letter or digit"}
	case backendsign.TypeAES:
		n := 16
		if alg == backendsign.AES256CFB {
			n = 32
		}
		return signRule{n, n, isAlnumPS, isAESChar, fmt.Sprintf("%d of letters, digits and _-!@#$%%+/=, starting with a letter, digit, '+' or '/' (the %s key)", n, alg)},
			signRule{16, 16, isAlnumPS, isAESChar, "16 of letters, digits and _-!@#$%+/=, starting with a letter, digit, '+' or '/' (the AES IV)"}
	}
	return signRule{8, 32, isAlnum, isKeyChar, "8-32 of letters, digits, '_' and '-', starting with a letter or digit"},
		signRule{16, 64, isAlnum, isSecChar, "16-64 of letters, digits and _-!@#$%, starting with a letter or digit"}
}

func (r signRule) ok(s string) bool {
	if len(s) < r.min || len(s) > r.max || !r.first(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !r.rest(s[i]) {
			return false
		}
	}
	return true
}

// generate makes a value of the rule's shape (letters and digits, the
// first a letter): 32 characters, or the rule's exact length.
func (r signRule) generate() string {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	n := min(32, r.max)
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("admin: no randomness: " + err.Error())
	}
	for i := range b {
		if i == 0 {
			b[i] = alnum[int(b[i])%52]
		} else {
			b[i] = alnum[int(b[i])%len(alnum)]
		}
	}
	return string(b)
}

// signPart is a key or secret: the one given (checked), else the old one
// when it fits the (maybe new) type, else a generated one.
func signPart(name string, given *string, old string, r signRule) (string, error) {
	switch {
	case given != nil && *given != "":
		if !r.ok(*given) {
			return "", hwapi.BadParameter(name, r.what)
		}
		return *given, nil
	case old != "" && r.ok(old):
		return old, nil
	}
	return r.generate(), nil
}

// signHexID is a Huawei-shaped ID: 32 lower-case hex digits.
func signHexID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("admin: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// sealSign and openSign store a key's key and secret together.
func (a *Admin) sealSign(id string, s signSpec) string {
	return a.sealSecret(signKey(id), s.Key+"\n"+s.Secret)
}

func (a *Admin) openSign(r *signRecord) (signSpec, error) {
	clear, err := a.openSecret(signKey(r.Id), r.Secret)
	if err != nil {
		return signSpec{}, err
	}
	k, sec, _ := strings.Cut(clear, "\n")
	return signSpec{Name: r.Name, Type: r.SignType, Key: k, Secret: sec, Algorithm: r.SignAlgorithm}, nil
}

func getSign(tx *buntdb.Tx, id string) (signRecord, error) {
	var r signRecord
	if id == "" || strings.Contains(id, ":") {
		return r, hwapi.NotFound(codeNoSign, "Signature key %s does not exist", id)
	}
	found, err := store.GetJSON(tx, signKey(id), &r)
	if err == nil && !found {
		err = hwapi.NotFound(codeNoSign, "Signature key %s does not exist", id)
	}
	return r, err
}

func putSign(tx *buntdb.Tx, r *signRecord) error { return store.SetJSON(tx, signKey(r.Id), r) }

// allSigns lists the keys in creation order.
func allSigns(tx *buntdb.Tx) ([]signRecord, error) {
	rs, err := scan[signRecord](tx, signPrefix)
	slices.SortFunc(rs, func(x, y signRecord) int { return int(x.Seq - y.Seq) })
	return rs, err
}

// nameTaken refuses a name another key has (Huawei APIG.3207).
func nameTaken(rs []signRecord, name, self string) error {
	for _, r := range rs {
		if r.Name == name && r.Id != self {
			return hwapi.Errorf(http.StatusBadRequest, codeSignNameTaken, "The signature key name already exists: %s", name)
		}
	}
	return nil
}

// createSign stores a new key.
func (a *Admin) createSign(s signSpec) (signRecord, error) {
	var r signRecord
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		rs, err := allSigns(tx)
		if err != nil {
			return false, err
		}
		if len(rs) >= maxSignKeys {
			return false, hwapi.Errorf(http.StatusBadRequest, hwapi.CodeQuota, "at most %d signature keys", maxSignKeys)
		}
		if err := nameTaken(rs, s.Name, ""); err != nil {
			return false, err
		}
		seq, err := nextSeq(tx, signSeqKey)
		if err != nil {
			return false, err
		}
		now := a.now()
		r = signRecord{Id: signHexID(), Seq: seq, Name: s.Name, SignType: s.Type, SignAlgorithm: s.Algorithm, CreateTime: now, UpdateTime: now}
		r.Secret = a.sealSign(r.Id, s)
		return false, putSign(tx, &r) // unbound: nothing to publish
	})
	return r, err
}

// updateSign changes key id with in; a bound key's change is published.
func (a *Admin) updateSign(id string, in *signIn) (signRecord, signSpec, error) {
	var r signRecord
	var s signSpec
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		var err error
		if r, err = getSign(tx, id); err != nil {
			return false, err
		}
		old, err := a.openSign(&r)
		if err != nil {
			return false, err
		}
		if s, err = in.spec(&old); err != nil {
			return false, err
		}
		rs, err := allSigns(tx)
		if err != nil {
			return false, err
		}
		if err := nameTaken(rs, s.Name, id); err != nil {
			return false, err
		}
		if _, err := backendsign.NewKey(s.Type, s.Key, s.Secret, s.Algorithm); err != nil {
			return false, hwapi.BadParameter("sign_key", err.Error())
		}
		r.Name, r.SignType, r.SignAlgorithm, r.UpdateTime = s.Name, s.Type, s.Algorithm, a.now()
		r.Secret = a.sealSign(r.Id, s)
		return len(r.Bindings) > 0, putSign(tx, &r)
	})
	return r, s, err
}

// deleteSign deletes key id and its bindings.
func (a *Admin) deleteSign(id string) error {
	return a.write(func(tx *buntdb.Tx) (bool, error) {
		r, err := getSign(tx, id)
		if err != nil {
			return false, err
		}
		_, err = tx.Delete(signKey(id))
		return len(r.Bindings) > 0, err
	})
}

// signBound is one stored binding and its key.
type signBound struct {
	key *signRecord
	b   signBindingRe
}

// allSignBindings lists every binding, by key creation order then
// binding order.
func allSignBindings(rs []signRecord) []signBound {
	var out []signBound
	for i := range rs {
		for _, b := range rs[i].Bindings {
			out = append(out, signBound{&rs[i], b})
		}
	}
	return out
}

// bindSign binds key id to each target (published APIs) in one write.
func (a *Admin) bindSign(id string, targets []target) (signRecord, []signBindingRe, error) {
	var r signRecord
	var out []signBindingRe
	err := a.write(func(tx *buntdb.Tx) (changed bool, err error) {
		if r, err = getSign(tx, id); err != nil {
			return false, err
		}
		out, changed, err = a.bindSignTx(tx, &r, targets)
		return changed, err
	})
	return r, out, err
}

// bindSignTx binds r to each target (resolved and checked by the caller)
// and stores it when that changed it. An API has one key per environment
// (Huawei: a second key is refused); binding the same key again gives
// the binding it has.
func (a *Admin) bindSignTx(tx *buntdb.Tx, r *signRecord, targets []target) (out []signBindingRe, changed bool, err error) {
	rs, err := allSigns(tx)
	if err != nil {
		return nil, false, err
	}
	for _, t := range targets {
		for _, sb := range allSignBindings(rs) {
			if sb.b.target == t && sb.key.Id != r.Id {
				return nil, false, hwapi.Errorf(http.StatusBadRequest, hwapi.CodeConflict,
					"API %s is already bound to signature key %s (%s) in environment %s: an API takes one signature key per environment; unbind it first",
					t.ApiId, sb.key.Name, sb.key.Id, hwEnvName(t.Environment))
			}
		}
		if i := slices.IndexFunc(r.Bindings, func(b signBindingRe) bool { return b.target == t }); i >= 0 {
			out = append(out, r.Bindings[i])
			continue
		}
		b := signBindingRe{Id: signHexID(), target: t, BindingTime: a.now()}
		r.Bindings = append(r.Bindings, b)
		out = append(out, b)
		changed = true
	}
	if !changed {
		return out, false, nil
	}
	return out, true, putSign(tx, r)
}

// unbindSign deletes binding bid, whichever key holds it.
func (a *Admin) unbindSign(bid string) error {
	return a.write(func(tx *buntdb.Tx) (bool, error) {
		rs, err := allSigns(tx)
		if err != nil {
			return false, err
		}
		for i := range rs {
			r := &rs[i]
			if j := slices.IndexFunc(r.Bindings, func(b signBindingRe) bool { return b.Id == bid }); j >= 0 {
				r.Bindings = slices.Delete(r.Bindings, j, j+1)
				return true, putSign(tx, r)
			}
		}
		return false, hwapi.NotFound(codeNoSignBinding, "The signature key binding record %s does not exist", bid)
	})
}

// publishSigning adds the keys bound to released APIs, and those
// bindings, to what is published (model.Signing). A binding to an API its
// environment does not run (not yet released, taken offline, deleted)
// stays stored and signs nothing.
func (a *Admin) publishSigning(tx *buntdb.Tx, p *model.Published) error {
	rs, err := allSigns(tx)
	if err != nil || len(rs) == 0 {
		return err
	}
	live := map[target]bool{}
	for _, s := range p.Services {
		for _, e := range s.Environments {
			for _, api := range e.Apis {
				live[target{s.Service.ServiceId, e.EnvironmentName, api.ApiId}] = true
			}
		}
	}
	var sg model.Signing
	for i := range rs {
		r := &rs[i]
		n := len(sg.Bindings)
		for _, b := range r.Bindings {
			if live[b.target] {
				sg.Bindings = append(sg.Bindings, model.SignBinding{SignId: r.Id, ServiceId: b.ServiceId, Environment: b.Environment, ApiId: b.ApiId})
			}
		}
		if len(sg.Bindings) == n {
			continue
		}
		s, err := a.openSign(r)
		if err != nil {
			return err
		}
		sg.Keys = append(sg.Keys, model.SignKey{SignId: r.Id, SignType: s.Type, SignKey: s.Key, SignSecret: s.Secret, SignAlgorithm: s.Algorithm})
	}
	if len(sg.Bindings) > 0 {
		p.Signing = &sg
	}
	return nil
}

// maskSecret shows a secret's first and last three characters, as
// Huawei's lists do ("dc0************2b3").
func maskSecret(s string) string {
	if len(s) <= 6 {
		return strings.Repeat("*", 12)
	}
	return s[:3] + strings.Repeat("*", 12) + s[len(s)-3:]
}
