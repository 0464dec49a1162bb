package edge

import (
	"github.com/edgegate/edgegate/edge/http1"
	"github.com/edgegate/edgegate/router"
)

// trafficRT is the flow-control and CORS state of an installed snapshot.
// Rate limits are compiled into snapshot.Traffic (per route) and are
// enforced once the limiter is wired in; CORS (cors.go) is served here.
type trafficRT struct {
	// cors is indexed by router.Route.Index; nil where a route has none.
	cors    []*corsRT
	anyCORS bool
}

func (s *Server) installTraffic(rt *runtime) error {
	tr := rt.snap.Traffic
	if tr == nil {
		return nil
	}
	rt.traffic.anyCORS = tr.AnyCORS
	if !tr.AnyCORS {
		return nil
	}
	rt.traffic.cors = make([]*corsRT, len(tr.Routes))
	for i := range tr.Routes {
		if p := tr.Routes[i].CORS; p != nil {
			rt.traffic.cors[i] = newCorsRT(p)
		}
	}
	return nil
}

// checkTraffic applies flow control and CORS to a routed request.
func (cl *client) checkTraffic(a *apiRT, req *http1.Request, rr *router.Request, res *router.Result) bool {
	if t := &cl.rt.traffic; t.anyCORS {
		if c := t.cors[a.id]; c != nil {
			cl.corsActual(c, req)
		}
	}
	return true
}
