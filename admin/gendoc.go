package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
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
// capability: a 128-bit random token, valid for genFilesTTL, kept in
// memory only (a restart forgets it; generate again).
const (
	GenFilesPath = "/generated/"
	genFilesTTL  = time.Hour
	genFilesMax  = 64 // bundles kept; the oldest goes first
)

type genBundle struct {
	files   map[string][]byte
	expires time.Time
}

// genStore holds the bundles; one per Admin.
type genStore struct {
	mu    sync.Mutex
	byTok map[string]genBundle
	order []string
}

func (a *Admin) gen() *genStore { return &a.gens }

func (s *genStore) put(files map[string][]byte, now time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byTok == nil {
		s.byTok = map[string]genBundle{}
	}
	s.byTok[tok] = genBundle{files: files, expires: now.Add(genFilesTTL)}
	s.order = append(s.order, tok)
	for len(s.order) > genFilesMax {
		delete(s.byTok, s.order[0])
		s.order = s.order[1:]
	}
	return tok
}

func (s *genStore) get(tok, name string, now time.Time) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.byTok[tok]
	if !ok || now.After(b.expires) {
		return nil, false
	}
	f, ok := b.files[name]
	return f, ok
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
	tok := a.gen().put(map[string][]byte{"openapi.json": doc, sdkName: zip}, a.opts.Now())
	base, _ := ctx.Value(baseURLKey{}).(string)
	prefix := base + GenFilesPath + tok + "/"
	return &result[documentSDK]{Result: documentSDK{DocumentURL: prefix + "openapi.json", SdkURL: prefix + sdkName}}, nil
}
