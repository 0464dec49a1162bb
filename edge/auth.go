package edge

import (
	"github.com/edgegate/edgegate/edge/http1"
	"github.com/edgegate/edgegate/router"
)

// accessRT is the authentication state of an installed snapshot.
type accessRT struct{}

func (s *Server) installAccess(rt *runtime) error { return nil }

// checkAuth verifies the caller of an API whose AuthType is not NONE.
func (cl *client) checkAuth(a *apiRT, req *http1.Request, rr *router.Request, res *router.Result) bool {
	return true
}
