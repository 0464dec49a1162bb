package edge

import (
	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/router"
)

// admit runs the per-API checks once a request is routed, in the seed's
// order: IP control (ipcheck.go), authentication (auth.go), then flow
// control and CORS (limits.go). A check that refuses answers the request
// itself and admit returns false. Checks may add response header lines
// to cl.respExtra.
func (cl *client) admit(a *apiRT, req *http1.Request, rr *router.Request, res *router.Result) bool {
	return cl.checkIP(a, req) && cl.checkAuth(a, req, rr, res) && cl.checkTraffic(a, req, rr, res)
}
