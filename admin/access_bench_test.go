package admin

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/model"
)

// BenchmarkPublishAccess: building model.Access at the seed's tenant
// limits (400 sealed keys, 200 plans of 2 keys and 2 bindings, 400 apps),
// the cost every publish pays.
func BenchmarkPublishAccess(b *testing.B) {
	dir := b.TempDir()
	a, err := openTestAdmin(dir, Options{SecretKeyFile: filepath.Join(b.TempDir(), "k")})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	err = a.db.Update(func(tx *buntdb.Tx) error {
		for i := range 400 {
			id := fmt.Sprintf("AKID%032d", i)
			k := keyRecord{AccessKeyId: id, SecretName: "k", AccessKeyType: "auto", Status: 1, Secret: a.sealSecret(apiKeyKey(id), randomString(40))}
			if err := store.SetJSON(tx, apiKeyKey(id), k); err != nil {
				return err
			}
			ap := appRecord{ApiAppId: fmt.Sprintf("app-%08d", i), ApiAppKey: "APID" + randomString(28),
				Apis: []appBindingRe{{target: target{"service-x", "release", "api-a"}}}}
			ap.Secret = a.sealSecret(apiAppKey(ap.ApiAppId), randomString(40))
			if err := store.SetJSON(tx, apiAppKey(ap.ApiAppId), ap); err != nil {
				return err
			}
		}
		for i := range 200 {
			p := planRecord{UsagePlanId: fmt.Sprintf("usagePlan-%08d", i), MaxRequestNum: -1, MaxRequestNumPreSec: 100,
				SecretIds: []string{fmt.Sprintf("AKID%032d", 2*i), fmt.Sprintf("AKID%032d", 2*i+1)},
				Bindings:  []planBindingRe{{target: target{"service-x", "release", "api-a"}}, {target: target{"service-x", "release", "api-b"}}}}
			if err := store.SetJSON(tx, usagePlans.key(p.UsagePlanId), p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	services := []model.PublishedService{{Service: model.Service{ServiceId: "service-x"},
		Environments: []model.PublishedEnvironment{{EnvironmentName: "release", Apis: []model.API{{ApiId: "api-a"}, {ApiId: "api-b"}}}}}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p := model.Published{Services: services}
		if err := a.db.View(func(tx *buntdb.Tx) error { return a.publishAccess(tx, &p) }); err != nil {
			b.Fatal(err)
		}
		if len(p.Access.Keys) != 400 || len(p.Access.Plans[199].Bindings) != 2 || len(p.Access.Apps[0].Apis) != 1 {
			b.Fatalf("access: %d keys", len(p.Access.Keys))
		}
	}
}
