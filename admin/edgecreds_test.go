package admin

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/internal/syncseal"
)

// TestEdgeCredentials: an edge credential is sealed at rest, survives a
// restart, may call EdgeSync only (and gets the document sealed to its
// key), and stops verifying once deleted.
func TestEdgeCredentials(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SecretKeyFile: filepath.Join(dir, "master.key")}
	ta := newTestAdmin(t, filepath.Join(dir, "data"), opts)
	ta.service()
	ta.want(errInvalidValue, "CreateEdgeCredential", map[string]any{"Remark": strings.Repeat("x", 201)})
	r := resultMap(ta.must("CreateEdgeCredential", map[string]any{"Remark": "r"}))
	id, key := r["SecretId"].(string), r["SecretKey"].(string)
	ta.db.View(func(tx *buntdb.Tx) error {
		v, _ := tx.Get(edgeCredKey(id))
		if strings.Contains(v, key) || !strings.Contains(v, sealedPrefix) {
			t.Errorf("stored edge credential not sealed: %s", v)
		}
		return nil
	})
	as := func(a *Admin, secretID, action string, params any) (any, error) {
		body, _ := json.Marshal(params)
		req, err := tcapi.NewRequest(action, body)
		if err != nil {
			t.Fatal(err)
		}
		req.SecretId = secretID
		return a.actions()[action](context.Background(), req)
	}
	var te *tcapi.Error
	if _, err := as(ta.Admin, id, "CreateService", map[string]any{"ServiceName": "x", "Protocol": "http"}); !errors.As(err, &te) || te.Code != tcapi.CodeAuthUnauthorized {
		t.Fatalf("CreateService with the edge credential: %v", err)
	}
	if _, err := as(ta.Admin, ta.creds.id, "DescribeEdges", map[string]any{}); err != nil {
		t.Fatalf("the admin credential is refused: %v", err)
	}
	out, err := as(ta.Admin, id, "EdgeSync", map[string]any{"EdgeId": "e1", "Revision": 0})
	if err != nil {
		t.Fatal(err)
	}
	resp := out.(*edgeSyncResp)
	doc, err := syncseal.Open(key, resp.Revision, resp.SealedPublished)
	if err != nil || string(doc) != string(ta.current.doc) {
		t.Fatalf("EdgeSync document does not open with the edge's key: %v", err)
	}
	if _, err := syncseal.Open(ta.creds.key, resp.Revision, resp.SealedPublished); err == nil {
		t.Fatal("the document sealed to the edge opens with the admin key")
	}

	// A restart keeps it.
	ta.Close()
	tb := newTestAdmin(t, filepath.Join(dir, "data"), opts)
	if k, ok := (adminCreds{tb.Admin}).SecretKey(id); !ok || k != key {
		t.Fatal("the edge credential did not survive a restart")
	}
	tb.want(errEdgeCredNotFound, "DeleteEdgeCredential", map[string]any{"EdgeSecretId": "AKIDnone"})
	tb.must("DeleteEdgeCredential", map[string]any{"EdgeSecretId": id})
	if _, ok := (adminCreds{tb.Admin}).SecretKey(id); ok || tb.isEdgeCredential(id) {
		t.Fatal("a deleted edge credential still verifies")
	}
	if _, ok := (adminCreds{tb.Admin}).SecretKey(tb.creds.id); !ok {
		t.Fatal("the admin credential stopped verifying")
	}
}
