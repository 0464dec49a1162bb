package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
)

// Edge credentials (Edgegate extension, issue 14). A remote edge signs
// EdgeSync with a credential of its own instead of the admin's: it may call
// only the sync Actions (edgeActions) — every other Action, reading or
// writing, answers AuthFailure.UnauthorizedOperation (seed 公共错误码,
// line 2802: 请求未 CAM 授权) before its parameters are read. Deleting the
// credential revokes it: the edge's next call fails with
// AuthFailure.SecretIdNotFound and the edge keeps serving its last
// revision. The secret is returned once, by CreateEdgeCredential; it is
// sealed at rest with the master key like API key secrets (secrets.go), and
// it is the key EdgeSync seals the Published document with
// (internal/syncseal). Credentials live in the store, so a backup carries
// them to a standby admin and edges keep their credentials across a
// takeover.

const edgeCredPrefix = "edgecred:"

// maxEdgeCredentials bounds the credentials (one per edge is the intended
// use; no seed figure).
const maxEdgeCredentials = 1000

// edgeActions are the Actions an edge credential may call.
var edgeActions = map[string]bool{"EdgeSync": true}

// errEdgeCredNotFound: DeleteEdgeCredential of an unknown SecretId.
const errEdgeCredNotFound = "ResourceNotFound.InvalidEdgeCredential"

type edgeCredRecord struct {
	SecretId    string
	Secret      string // sealed with the master key when there is one
	Remark      string
	CreatedTime string
}

func edgeCredKey(id string) string { return edgeCredPrefix + id }

// edgeCredView is a credential as DescribeEdges lists it (no secret).
type edgeCredView struct {
	SecretId    string
	Remark      string
	CreatedTime string
}

// edgeCredCreated is CreateEdgeCredential's Result: the only answer that
// carries the secret. Its SecretId and SecretKey members are the format of
// the edge's credentials file (edge --credentials).
type edgeCredCreated struct {
	SecretId    string
	SecretKey   string
	Remark      string
	CreatedTime string
}

// adminCreds resolves the admin credential and the edge credentials for
// the Action API's signature check.
type adminCreds struct{ a *Admin }

// SecretKey implements tcapi.Credentials.
func (c adminCreds) SecretKey(id string) (string, bool) {
	if k, ok := c.a.creds.SecretKey(id); ok {
		return k, true
	}
	if m := c.a.edgeKeys.Load(); m != nil {
		k, ok := (*m)[id]
		return k, ok
	}
	return "", false
}

// isEdgeCredential reports whether id is an edge credential's SecretId.
func (a *Admin) isEdgeCredential(id string) bool {
	if id == a.creds.id {
		return false
	}
	m := a.edgeKeys.Load()
	if m == nil {
		return false
	}
	_, ok := (*m)[id]
	return ok
}

// callerKey is the SecretKey of the credential that signed the request
// ctx answers, or "" when it is gone (revoked meanwhile).
func (a *Admin) callerKey(ctx context.Context) string {
	r := tcapi.RequestFrom(ctx)
	if r == nil {
		return ""
	}
	k, _ := adminCreds{a}.SecretKey(r.SecretId)
	return k
}

// adminOnly refuses h to edge credentials.
func (a *Admin) adminOnly(name string, h tcapi.Handler) tcapi.Handler {
	return func(ctx context.Context, r *tcapi.Request) (any, error) {
		if a.isEdgeCredential(r.SecretId) {
			return nil, tcapi.Errorf(tcapi.CodeAuthUnauthorized, "the edge credential %s may call only EdgeSync, not %s", r.SecretId, name)
		}
		return h(ctx, r)
	}
}

// loadEdgeCredentials reads the edge credentials into the lookup map.
func (a *Admin) loadEdgeCredentials() error {
	m := map[string]string{}
	err := a.db.View(func(tx *buntdb.Tx) error {
		var ferr error
		err := tx.AscendKeys(edgeCredPrefix+"*", func(k, v string) bool {
			var rec edgeCredRecord
			if ferr = json.Unmarshal([]byte(v), &rec); ferr != nil {
				ferr = fmt.Errorf("admin: record %s: %w", k, ferr)
				return false
			}
			m[rec.SecretId], ferr = a.openSecret(k, rec.Secret)
			return ferr == nil
		})
		if err != nil {
			return err
		}
		return ferr
	})
	if err != nil {
		return err
	}
	a.edgeKeys.Store(&m)
	return nil
}

type createEdgeCredReq struct {
	// Remark says which edge or group the credential is for (at most 200
	// characters).
	Remark string
}

func (in *createEdgeCredReq) Check() error {
	if utf8.RuneCountInString(in.Remark) > 200 {
		return tcapi.Errorf(errInvalidValue, "Remark: at most 200 characters")
	}
	return nil
}

func (a *Admin) createEdgeCredential(_ context.Context, in *createEdgeCredReq) (*result[edgeCredCreated], error) {
	out := edgeCredCreated{SecretId: "AKIDedge" + randomString(28), SecretKey: randomString(40), Remark: in.Remark, CreatedTime: isoTime(a.opts.Now())}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		n := 0
		if err := tx.AscendKeys(edgeCredPrefix+"*", func(string, string) bool { n++; return true }); err != nil {
			return false, err
		}
		if n >= maxEdgeCredentials {
			return false, tcapi.Errorf(tcapi.CodeLimitExceeded, "at most %d edge credentials; delete unused ones (DeleteEdgeCredential)", maxEdgeCredentials)
		}
		k := edgeCredKey(out.SecretId)
		return false, store.SetJSON(tx, k, edgeCredRecord{SecretId: out.SecretId, Secret: a.sealSecret(k, out.SecretKey), Remark: in.Remark, CreatedTime: out.CreatedTime})
	})
	if err == nil {
		err = a.loadEdgeCredentials()
	}
	return resultOf(out, err)
}

// deleteEdgeCredReq names the credential by EdgeSecretId: SecretId is a
// common parameter of every request (seed 公共参数), never a business one.
type deleteEdgeCredReq struct {
	EdgeSecretId string `tcapi:"required"`
}

func (a *Admin) deleteEdgeCredential(_ context.Context, in *deleteEdgeCredReq) (*result[bool], error) {
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := tx.Delete(edgeCredKey(in.EdgeSecretId)); err == buntdb.ErrNotFound {
			return false, tcapi.Errorf(errEdgeCredNotFound, "no edge credential %s", in.EdgeSecretId)
		} else if err != nil {
			return false, err
		}
		return false, nil
	})
	if err == nil {
		err = a.loadEdgeCredentials()
	}
	return done(err)
}

// edgeCredentials lists the edge credentials, by SecretId.
func (a *Admin) edgeCredentials() ([]edgeCredView, error) {
	out := []edgeCredView{}
	err := a.db.View(func(tx *buntdb.Tx) error {
		var ferr error
		err := tx.AscendKeys(edgeCredPrefix+"*", func(_, v string) bool {
			var rec edgeCredRecord
			if ferr = json.Unmarshal([]byte(v), &rec); ferr != nil {
				return false
			}
			out = append(out, edgeCredView{rec.SecretId, rec.Remark, rec.CreatedTime})
			return true
		})
		if err != nil {
			return err
		}
		return ferr
	})
	sort.Slice(out, func(i, j int) bool { return out[i].SecretId < out[j].SecretId })
	return out, err
}
