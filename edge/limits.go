package edge

import (
	"github.com/edgegate/edgegate/edge/http1"
	"github.com/edgegate/edgegate/router"
)

// trafficRT is the flow-control and CORS state of an installed snapshot.
type trafficRT struct{}

func (s *Server) installTraffic(rt *runtime) error { return nil }

// checkTraffic applies flow control and CORS to a routed request.
func (cl *client) checkTraffic(a *apiRT, req *http1.Request, rr *router.Request, res *router.Result) bool {
	return true
}
