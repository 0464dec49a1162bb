package admin

import (
	"crypto/rand"
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

// serviceRecord is a stored service: every CreateService field, plus times.
type serviceRecord struct {
	ServiceId        string   `json:"ServiceId"`
	ServiceName      string   `json:"ServiceName"`
	ServiceDesc      string   `json:"ServiceDesc,omitempty"`
	Protocol         string   `json:"Protocol"`
	ExclusiveSetName string   `json:"ExclusiveSetName,omitempty"`
	NetTypes         []string `json:"NetTypes,omitempty"`
	IpVersion        string   `json:"IpVersion,omitempty"`
	SetServerName    string   `json:"SetServerName,omitempty"`
	AppIdType        string   `json:"AppIdType,omitempty"`
	Tags             []Tag    `json:"Tags,omitempty"`
	InstanceId       string   `json:"InstanceId,omitempty"`
	ProjectId        string   `json:"ProjectId,omitempty"`
	TceArch          string   `json:"TceArch,omitempty"`
	CreatedTime      string   `json:"CreatedTime"`
	ModifiedTime     string   `json:"ModifiedTime"`
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
	Msg           string `json:"Msg,omitempty"`
	Desc          string `json:"Desc,omitempty"`
	ConvertedCode int64  `json:"ConvertedCode,omitempty"`
	NeedConvert   bool   `json:"NeedConvert,omitempty"`
}

// Base64TriggerRule is the seed's Base64EncodedTriggerRule.
type Base64TriggerRule struct {
	Name  string   `json:"Name"`
	Value []string `json:"Value,omitempty"`
}

// apiRecord is a stored API.
type apiRecord struct {
	apiFields
	CreatedTime  string `json:"CreatedTime"`
	ModifiedTime string `json:"ModifiedTime"`
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

// historyRecord is one release or switch of an environment.
type historyRecord struct {
	VersionName string `json:"VersionName"`
	VersionDesc string `json:"VersionDesc,omitempty"`
	ReleaseTime string `json:"ReleaseTime"`
}

// environments are the seed's three environments (ReleaseService).
var environments = []string{"test", "prepub", "release"}

func validEnvironment(e string) bool {
	for _, x := range environments {
		if e == x {
			return true
		}
	}
	return false
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
