package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/openapi"
)

// Generated files (GenerateApiDocument) are served by the admin listener
// under GenFilesPath/<token>/<name>. The seed hands back COS download links
// meant for API consumers, who hold no admin credentials, so a link is a
// capability: a 128-bit random token, valid for genFilesTTL. The files
// live in DATA/generated/<token>/ (mode 0600, the expiry in .expires), so
// a link outlives an admin restart within its hour; at most genFilesMax
// bundles are kept, the soonest to expire going first. They are a cache,
// not state: never fsynced, not in the store nor in backups (a crash may
// lose a link: generate again).
const (
	GenFilesPath = "/generated/"
	genFilesTTL  = time.Hour
	genFilesMax  = 64 // bundles kept; the oldest goes first
	genExpires   = ".expires"
)

// genStore is the bundles' directory; one per Admin.
type genStore struct {
	dir string
	mu  sync.Mutex // one put (and its pruning) at a time
}

func (a *Admin) gen() *genStore { return &a.gens }

// put writes a bundle and returns its token. It is written under a
// temporary name and renamed, so a bundle is seen whole or not at all.
func (s *genStore) put(files map[string][]byte, now time.Time) (string, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(s.dir, ".tmp-")
	if err != nil {
		return "", err
	}
	err = os.WriteFile(filepath.Join(tmp, genExpires), strconv.AppendInt(nil, now.Add(genFilesTTL).UnixNano(), 10), 0o600)
	for name, data := range files {
		if err != nil {
			break
		}
		err = os.WriteFile(filepath.Join(tmp, name), data, 0o600)
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, tok))
	}
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	s.prune(now)
	return tok, nil
}

// prune removes expired bundles, what a crash left of a put, and the
// bundles beyond genFilesMax that expire soonest.
func (s *genStore) prune(now time.Time) {
	ents, _ := os.ReadDir(s.dir)
	type bundle struct {
		name    string
		expires int64
	}
	var live []bundle
	for _, e := range ents {
		exp, ok := s.expires(e.Name())
		if !ok || now.UnixNano() > exp {
			os.RemoveAll(filepath.Join(s.dir, e.Name()))
			continue
		}
		live = append(live, bundle{e.Name(), exp})
	}
	sort.Slice(live, func(i, j int) bool { return live[i].expires < live[j].expires })
	for len(live) > genFilesMax {
		os.RemoveAll(filepath.Join(s.dir, live[0].name))
		live = live[1:]
	}
}

// expires reads a bundle's expiry; ok is false for anything that is not
// a whole bundle (a put's temporary directory has a dot name).
func (s *genStore) expires(tok string) (int64, bool) {
	if !validToken(tok) {
		return 0, false
	}
	b, err := os.ReadFile(filepath.Join(s.dir, tok, genExpires))
	if err != nil {
		return 0, false
	}
	exp, err := strconv.ParseInt(string(b), 10, 64)
	return exp, err == nil
}

// get reads file name of bundle tok, if the bundle has not expired.
func (s *genStore) get(tok, name string, now time.Time) ([]byte, bool) {
	// A token is 32 lower-case hex digits and a name one plain file name:
	// nothing else reaches the file system.
	if name == "" || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
		return nil, false
	}
	exp, ok := s.expires(tok)
	if !ok || now.UnixNano() > exp {
		return nil, false
	}
	b, err := os.ReadFile(filepath.Join(s.dir, tok, name))
	return b, err == nil
}

// validToken: put's tokens are 16 bytes in lower-case hex.
func validToken(tok string) bool {
	b, err := hex.DecodeString(tok)
	return err == nil && len(b) == 16 && hex.EncodeToString(b) == tok
}

type baseURLKey struct{}

// withGenFiles serves generated files and passes the rest to next with
// the request's own scheme and host in the context, from which
// GenerateApiDocument makes absolute links.
func (a *Admin) withGenFiles(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, GenFilesPath); ok {
			tok, name, _ := strings.Cut(rest, "/")
			data, found := a.gen().get(tok, name, a.opts.Now())
			if r.Method != http.MethodGet && r.Method != http.MethodHead || !found {
				http.NotFound(w, r)
				return
			}
			ct := "application/zip"
			if strings.HasSuffix(name, ".json") {
				ct = "application/json"
			}
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
			_, _ = w.Write(data)
			return
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), baseURLKey{}, scheme+"://"+r.Host)))
	})
}

// generateApiDocumentReq is GenerateApiDocument's input (seed lines 5982-6024).
type generateApiDocumentReq struct {
	ServiceId      string `tcapi:"required"`
	GenEnvironment string `tcapi:"required"`
	GenLanguage    string `tcapi:"required"`
}

// genLanguage is GenLanguage in openapi.Languages' spelling, or "".
func genLanguage(l string) string {
	for _, x := range openapi.Languages {
		if strings.EqualFold(l, x) {
			return x
		}
	}
	return ""
}

func (in *generateApiDocumentReq) Check() error {
	if !validEnvironment(in.GenEnvironment) {
		return tcapi.Errorf(errNotInOptions, "GenEnvironment %q: want test, prepub or release", in.GenEnvironment)
	}
	if genLanguage(in.GenLanguage) == "" {
		// The seed lists Python and JavaScript; Edgegate adds Go.
		return tcapi.Errorf("InvalidParameterValue.InvalidGenLanguage", "GenLanguage %q: want %s", in.GenLanguage, strings.Join(openapi.Languages, " or "))
	}
	return nil
}

// documentSDK is the seed's DocumentSDK.
type documentSDK struct{ DocumentURL, SdkURL string }

// generateApiDocument renders the OpenAPI 3.1 document of what the
// environment runs and the SDK in GenLanguage (package openapi).
func (a *Admin) generateApiDocument(ctx context.Context, in *generateApiDocumentReq) (*result[documentSDK], error) {
	var t openapi.Target
	var apis []model.API
	err := a.db.View(func(tx *buntdb.Tx) error {
		svc, err := getService(tx, in.ServiceId)
		if err != nil {
			return tcapi.Errorf("FailedOperation.ServiceNotExist", "service %s does not exist", in.ServiceId)
		}
		var e envRecord
		found, err := store.GetJSON(tx, envKey(in.ServiceId, in.GenEnvironment), &e)
		if err != nil {
			return err
		}
		if !found || e.Status != 1 {
			return tcapi.Errorf("FailedOperation.GenerateApiDocumentError", "service %s is not released to %s: nothing to document", in.ServiceId, in.GenEnvironment)
		}
		var ver versionRecord
		if found, err := store.GetJSON(tx, verKey(in.ServiceId, e.VersionName), &ver); err != nil || !found {
			return tcapi.Errorf("FailedOperation.GenerateApiDocumentError", "version %s of %s is missing", e.VersionName, in.ServiceId)
		}
		for i := range ver.Apis {
			apis = append(apis, ver.Apis[i].API)
		}
		t = openapi.Target{ServiceId: svc.ServiceId, ServiceName: svc.ServiceName, ServiceDesc: svc.ServiceDesc,
			Environment: in.GenEnvironment, VersionName: e.VersionName, BaseURL: a.envURL(svc.ServiceId, in.GenEnvironment)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	lang := genLanguage(in.GenLanguage)
	doc, err := openapi.Document(t, apis)
	if err != nil {
		return nil, tcapi.Errorf("FailedOperation.GenerateApiDocumentError", "%s", err.Error())
	}
	files, err := openapi.SDK(lang, t, apis)
	if err == nil {
		files = append(files, openapi.File{Name: "openapi.json", Data: doc})
	}
	var zip []byte
	if err == nil {
		zip, err = openapi.Zip(files)
	}
	if err != nil {
		return nil, tcapi.Errorf("FailedOperation.GenerateApiDocumentError", "%s", err.Error())
	}
	sdkName := "sdk-" + strings.ToLower(lang) + ".zip"
	tok, err := a.gen().put(map[string][]byte{"openapi.json": doc, sdkName: zip}, a.opts.Now())
	if err != nil {
		return nil, tcapi.Errorf("FailedOperation.GenerateApiDocumentError", "storing the generated files: %s", err.Error())
	}
	base, _ := ctx.Value(baseURLKey{}).(string)
	prefix := base + GenFilesPath + tok + "/"
	return &result[documentSDK]{Result: documentSDK{DocumentURL: prefix + "openapi.json", SdkURL: prefix + sdkName}}, nil
}
