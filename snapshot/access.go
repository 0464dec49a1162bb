package snapshot

import (
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/router"
)

// Access is the compiled form of key-pair, OAuth and app authentication (issue 5).
type Access struct{}

func compileAccess(p *model.Published, t *router.Table) (*Access, error) {
	return &Access{}, nil
}
