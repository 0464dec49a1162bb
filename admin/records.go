package admin

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/model"
)

// Keys in the store. IDs never contain ':'.
//
//	svc:<ServiceId>                       serviceRecord
//	api:<ServiceId>:<ApiId>               apiRecord
//	ver:<ServiceId>:<VersionName>         versionRecord (frozen APIs)
//	env:<ServiceId>:<EnvironmentName>     envRecord (what runs where)
//	hist:<ServiceId>:<Env>:<seq, 12 digits> historyRecord
//	meta:revision                         last published revision
func svcKey(id string) string           { return "svc:" + id }
func apiKey(svc, id string) string      { return "api:" + svc + ":" + id }
func apiPrefix(svc string) string       { return "api:" + svc + ":" }
func verKey(svc, ver string) string     { return "ver:" + svc + ":" + ver }
func verPrefix(svc string) string       { return "ver:" + svc + ":" }
func envKey(svc, env string) string     { return "env:" + svc + ":" + env }
func envPrefix(svc string) string       { return "env:" + svc + ":" }
func histPrefix(svc, env string) string { return "hist:" + svc + ":" + env + ":" }

const revisionKey = "meta:revision"

// serviceRecord is a stored service: every CreateService parameter, its
// ID and times.
type serviceRecord struct {
	ServiceId string `json:"ServiceId"`
	serviceFields
	stamps
}

// serviceFields are CreateService's parameters, stored as given but for
// ServiceName and Protocol (lower case) and the defaults createService
// fills in.
type serviceFields struct {
	ServiceName      string   `json:"ServiceName" tcapi:"required"`
	Protocol         string   `json:"Protocol"`
	ServiceDesc      string   `json:"ServiceDesc,omitempty"`
	ExclusiveSetName string   `json:"ExclusiveSetName,omitempty"`
	NetTypes         []string `json:"NetTypes,omitempty"`
	IpVersion        string   `json:"IpVersion,omitempty"`
	SetServerName    string   `json:"SetServerName,omitempty"`
	AppIdType        string   `json:"AppIdType,omitempty"`
	Tags             []Tag    `json:"Tags,omitempty"`
	InstanceId       string   `json:"InstanceId,omitempty"`
	ProjectId        string   `json:"ProjectId,omitempty"`
	TceArch          string   `json:"TceArch,omitempty"`
}

// Tag is the seed's Tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// apiFields is every CreateApi / ModifyApi input field (seed and SDK
// spellings): the traffic fields the edge interprets (model.API) and the
// ones that are only stored and described back.
type apiFields struct {
	model.API
	ResponseType                               string              `json:"ResponseType,omitempty"`
	ResponseSuccessExample                     string              `json:"ResponseSuccessExample,omitempty"`
	ResponseFailExample                        string              `json:"ResponseFailExample,omitempty"`
	ResponseErrorCodes                         []ErrorCode         `json:"ResponseErrorCodes,omitempty"`
	IsDeleteResponseErrorCodes                 bool                `json:"IsDeleteResponseErrorCodes,omitempty"`
	IsDebugAfterCharge                         bool                `json:"IsDebugAfterCharge,omitempty"`
	AuthRequired                               bool                `json:"AuthRequired,omitempty"`
	TagSpecifications                          *Tag                `json:"TagSpecifications,omitempty"`
	ServiceScfFunctionName                     string              `json:"ServiceScfFunctionName,omitempty"`
	ServiceScfFunctionNamespace                string              `json:"ServiceScfFunctionNamespace,omitempty"`
	ServiceScfFunctionQualifier                string              `json:"ServiceScfFunctionQualifier,omitempty"`
	ServiceScfIsIntegratedResponse             bool                `json:"ServiceScfIsIntegratedResponse,omitempty"`
	ServiceScfFunctionType                     string              `json:"ServiceScfFunctionType,omitempty"`
	ServiceWebsocketRegisterFunctionName       string              `json:"ServiceWebsocketRegisterFunctionName,omitempty"`
	ServiceWebsocketRegisterFunctionNamespace  string              `json:"ServiceWebsocketRegisterFunctionNamespace,omitempty"`
	ServiceWebsocketRegisterFunctionQualifier  string              `json:"ServiceWebsocketRegisterFunctionQualifier,omitempty"`
	ServiceWebsocketCleanupFunctionName        string              `json:"ServiceWebsocketCleanupFunctionName,omitempty"`
	ServiceWebsocketCleanupFunctionNamespace   string              `json:"ServiceWebsocketCleanupFunctionNamespace,omitempty"`
	ServiceWebsocketCleanupFunctionQualifier   string              `json:"ServiceWebsocketCleanupFunctionQualifier,omitempty"`
	ServiceWebsocketTransportFunctionName      string              `json:"ServiceWebsocketTransportFunctionName,omitempty"`
	ServiceWebsocketTransportFunctionNamespace string              `json:"ServiceWebsocketTransportFunctionNamespace,omitempty"`
	ServiceWebsocketTransportFunctionQualifier string              `json:"ServiceWebsocketTransportFunctionQualifier,omitempty"`
	TargetNamespaceId                          string              `json:"TargetNamespaceId,omitempty"`
	UserType                                   string              `json:"UserType,omitempty"`
	IsBase64Encoded                            bool                `json:"IsBase64Encoded,omitempty"`
	IsBase64Trigger                            bool                `json:"IsBase64Trigger,omitempty"`
	Base64EncodedTriggerRules                  []Base64TriggerRule `json:"Base64EncodedTriggerRules,omitempty"`
	EventBusId                                 string              `json:"EventBusId,omitempty"`
	InternalReqSource                          string              `json:"InternalReqSource,omitempty"`
	EIAMAppType                                string              `json:"EIAMAppType,omitempty"`
	EIAMAuthType                               string              `json:"EIAMAuthType,omitempty"`
	EIAMAppId                                  string              `json:"EIAMAppId,omitempty"`
	TokenTimeout                               int64               `json:"TokenTimeout,omitempty"`
}

// ErrorCode is the seed's ResponseErrorCodeReq / ErrorCodes.
type ErrorCode struct {
	Code          int64  `json:"Code"`
	Msg           string `json:"Msg"`
	Desc          string `json:"Desc"`
	ConvertedCode int64  `json:"ConvertedCode"`
	NeedConvert   bool   `json:"NeedConvert"`
}

// Base64TriggerRule is the seed's Base64EncodedTriggerRule.
type Base64TriggerRule struct {
	Name  string
	Value []string
}

// apiRecord is a stored API.
type apiRecord struct {
	apiFields
	stamps
}

// versionRecord is a frozen copy of a service's APIs (ReleaseService).
type versionRecord struct {
	VersionName string      `json:"VersionName"`
	VersionDesc string      `json:"VersionDesc,omitempty"`
	ReleaseTime string      `json:"ReleaseTime"`
	Apis        []apiRecord `json:"Apis"`
}

// envRecord says which version an environment runs.
type envRecord struct {
	EnvironmentName string `json:"EnvironmentName"`
	VersionName     string `json:"VersionName"`
	Status          int    `json:"Status"` // 1 released, 0 offline
}

// historyRecord is one release or switch of an environment, stored as the
// seed's ServiceReleaseHistoryInfo that describes it.
type historyRecord struct{ VersionName, VersionDesc, ReleaseTime string }

// environments are the seed's three environments (ReleaseService).
var environments = []string{"test", "prepub", "release"}

// validEnvironment: a fixed environment, or a custom one (hwenvs.go).
func validEnvironment(e string) bool {
	for _, x := range environments {
		if e == x {
			return true
		}
	}
	return customEnvKnown(e)
}

// stamps are a record's creation and last modification times.
type stamps struct {
	CreatedTime  string `json:"CreatedTime"`
	ModifiedTime string `json:"ModifiedTime"`
}

// stamped: the times of a record created now.
func (a *Admin) stamped() stamps {
	now := a.now()
	return stamps{now, now}
}

// isoTime formats t as the seed's Datetime_iso.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// newID returns prefix + 8 random lower-case letters and digits, the
// shape of the seed's IDs (service-cmrrdq86, app-3q9l4909).
func newID(prefix string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("admin: no randomness: " + err.Error())
	}
	var sb strings.Builder
	sb.WriteString(prefix)
	for _, c := range b {
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

// getRecord loads the record a request names by its id field: an empty id
// is MissingParameter, an absent record notFound with msg.
func getRecord[T any](tx *buntdb.Tx, field, id, key, notFound, msg string) (T, error) {
	var v T
	if id == "" {
		return v, tcapi.Errorf(errMissing, "%s is required", field)
	}
	found, err := store.GetJSON(tx, key, &v)
	if err != nil {
		return v, err
	}
	if !found {
		return v, tcapi.Errorf(notFound, "%s", msg)
	}
	return v, nil
}

// scan decodes every record under prefix, in key order.
func scan[T any](tx *buntdb.Tx, prefix string) ([]T, error) {
	var out []T
	var ferr error
	tx.AscendKeys(prefix+"*", func(k, v string) bool {
		var r T
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			ferr = fmt.Errorf("store: decode %s: %w", k, err)
			return false
		}
		out = append(out, r)
		return true
	})
	return out, ferr
}

// deletePrefix deletes every record under prefix.
func deletePrefix(tx *buntdb.Tx, prefix string) error {
	var keys []string
	tx.AscendKeys(prefix+"*", func(k, _ string) bool { keys = append(keys, k); return true })
	for _, k := range keys {
		if _, err := tx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func exists(tx *buntdb.Tx, key string) bool {
	_, err := tx.Get(key)
	return err == nil
}

// nextSeq returns the next value of the counter under key (creation order
// of APIs, plugins and IP strategies: CreatedTime has whole seconds).
func nextSeq(tx *buntdb.Tx, key string) (int64, error) {
	n := int64(0)
	if v, err := tx.Get(key); err == nil {
		n, _ = strconv.ParseInt(v, 10, 64)
	}
	n++
	_, _, err := tx.Set(key, strconv.FormatInt(n, 10), nil)
	return n, err
}

// limit is a tenant limit on one kind of record (seed 使用限制).
type limit struct {
	prefix     string // the records' store keys
	max        int
	code, what string // the refusal: code, "at most <max> <what>"
}

// check refuses one more record when prefix already holds max.
func (l limit) check(tx *buntdb.Tx) error {
	n := 0
	tx.AscendKeys(l.prefix+"*", func(string, string) bool { n++; return true })
	if n >= l.max {
		return tcapi.Errorf(l.code, "at most %d %s", l.max, l.what)
	}
	return nil
}

// insert stores rec, a new record, under key within l; publish says
// whether it changes what the edges serve.
func (a *Admin) insert(l limit, key string, rec any, publish bool) error {
	return a.write(func(tx *buntdb.Tx) (bool, error) {
		if err := l.check(tx); err != nil {
			return false, err
		}
		return publish, store.SetJSON(tx, key, rec)
	})
}

// now is the current time as the seed's Datetime_iso.
func (a *Admin) now() string { return isoTime(a.opts.Now()) }

// setIf sets *dst to *v when the optional parameter v was given.
func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// orEmpty makes a nil list an empty one, so JSON says [].
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// kind is one kind of record stored under prefix+id (keys, usage plans,
// apps, plugins): how a request names one and how it is not found.
type kind[T any] struct {
	prefix   string // store keys: prefix + id
	field    string // the parameter that names one: AccessKeyId, ...
	notFound string // the code for an id that names none
	what     string // "API key", for messages
	id       func(*T) string
}

func (k kind[T]) key(id string) string { return k.prefix + id }

// get loads the record id names (see getRecord).
func (k kind[T]) get(tx *buntdb.Tx, id string) (T, error) {
	return getRecord[T](tx, k.field, id, k.key(id), k.notFound, k.what+" "+id+" does not exist")
}

func (k kind[T]) put(tx *buntdb.Tx, r *T) error { return store.SetJSON(tx, k.key(k.id(r)), r) }

// all lists every record of the kind, in id order.
func (k kind[T]) all(tx *buntdb.Tx) ([]T, error) { return scan[T](tx, k.prefix) }

// update loads record id, lets fn change it and stores it back, in one
// write; fn says whether the change reaches the edges (Admin.write).
func (k kind[T]) update(a *Admin, id string, fn func(tx *buntdb.Tx, r *T) (publish bool, err error)) error {
	return k.change(a, id, fn, false)
}

// remove deletes record id once fn allows it; fn says whether the
// deletion reaches the edges.
func (k kind[T]) remove(a *Admin, id string, fn func(tx *buntdb.Tx, r *T) (publish bool, err error)) error {
	return k.change(a, id, fn, true)
}

func (k kind[T]) change(a *Admin, id string, fn func(tx *buntdb.Tx, r *T) (bool, error), del bool) error {
	return a.write(func(tx *buntdb.Tx) (bool, error) {
		r, err := k.get(tx, id)
		if err != nil {
			return false, err
		}
		publish, err := fn(tx, &r)
		if err != nil {
			return false, err
		}
		if del {
			_, err = tx.Delete(k.key(id))
			return publish, err
		}
		return publish, k.put(tx, &r)
	})
}
