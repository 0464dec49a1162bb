package snapshot

import (
	"fmt"

	"github.com/edgegate/edgegate/backendsign"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/router"
)

// compileSigning gives each route the signature key bound to its API in
// its environment (model.Signing), nil for none: the edge signs what it
// forwards to that backend (package backendsign). Each key is compiled
// once, shared by its routes.
func compileSigning(p *model.Published, t *router.Table) ([]*backendsign.Key, error) {
	routes := t.Routes()
	out := make([]*backendsign.Key, len(routes))
	if p.Signing == nil || len(p.Signing.Bindings) == 0 {
		return out, nil
	}
	keys := map[string]*backendsign.Key{}
	for _, k := range p.Signing.Keys {
		bk, err := backendsign.NewKey(k.SignType, k.SignKey, k.SignSecret, k.SignAlgorithm)
		if err != nil {
			return nil, fmt.Errorf("signature key %s: %w", k.SignId, err)
		}
		keys[k.SignId] = bk
	}
	type target struct{ svc, env, api string }
	bound := map[target]*backendsign.Key{}
	for _, b := range p.Signing.Bindings {
		k := keys[b.SignId]
		if k == nil {
			return nil, fmt.Errorf("signature binding of %s/%s/%s names unknown key %s", b.ServiceId, b.Environment, b.ApiId, b.SignId)
		}
		t := target{b.ServiceId, b.Environment, b.ApiId}
		if prev := bound[t]; prev != nil && prev != k {
			return nil, fmt.Errorf("API %s of %s has two signature keys in %s", b.ApiId, b.ServiceId, b.Environment)
		}
		bound[t] = k
	}
	for i, r := range routes {
		out[i] = bound[target{r.ServiceId, r.Environment, r.ApiId}]
	}
	return out, nil
}
