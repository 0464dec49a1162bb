package admin

import (
	"context"
	"sort"
	"time"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/internal/syncseal"
)

// Split mode: remote edges follow revisions with EdgeSync, an Edgegate
// Action signed like every other (with an edge credential, edgecreds.go,
// or the admin's), as a long-poll: it answers at once when the edge is
// behind, else when the next revision is published or WaitSeconds pass.
// The answer carries the Published document sealed to the caller's
// SecretKey (internal/syncseal: no secret crosses the wire in clear); the
// edge opens and compiles it itself, and refuses a revision lower than the
// one it has.

type edgeInfo struct {
	EdgeId   string `json:"EdgeId"`
	SecretId string `json:"SecretId"` // the credential it signs with
	Address  string `json:"Address"`
	Revision uint64 `json:"Revision"`
	LastSeen string `json:"LastSeen"`
	seen     time.Time
	quotas   map[string]int64 // plan id → quota used, as last reported
	shared   bool             // quotas are cluster totals (the edge leases from Redis)
}

// maxWait bounds a long-poll.
const maxWait = 25 * time.Second

type edgeSyncReq struct {
	EdgeId      string `tcapi:"required"`
	Address     string
	Revision    uint64
	WaitSeconds int64
	// Quotas are the edge's usage-plan quota counts (plan id → used),
	// summed into InUseRequestNum.
	Quotas map[string]int64
	// QuotasShared: Quotas are cluster-wide counts from Redis (every
	// such edge reports the same total), so they are not summed.
	QuotasShared bool
}

func (in *edgeSyncReq) Check() error {
	if in.WaitSeconds < 0 || in.WaitSeconds > int64(maxWait/time.Second) {
		return tcapi.Errorf(errInvalidValue, "WaitSeconds: 0 to %d", int(maxWait/time.Second))
	}
	return nil
}

// edgeSyncResp carries the current revision, and when the edge is behind
// its Published document sealed to the caller (syncseal.Seal with the
// SecretKey that signed the request and this revision).
type edgeSyncResp struct {
	Revision        uint64
	SealedPublished string `json:",omitempty"`
}

func (a *Admin) edgeSync(ctx context.Context, in *edgeSyncReq) (*edgeSyncResp, error) {
	var secretID string
	if r := tcapi.RequestFrom(ctx); r != nil {
		secretID = r.SecretId
	}
	a.seeEdge(in.EdgeId, secretID, in.Address, in.Revision, in.Quotas)
	a.edgeShared(in.EdgeId, in.QuotasShared)
	wait := time.Duration(in.WaitSeconds) * time.Second
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl)-time.Second)
	}
	p := a.wait(in.Revision, max(wait, 0))
	out := &edgeSyncResp{Revision: p.revision}
	if p.revision != in.Revision {
		// Looked up again after the wait: a credential revoked during a
		// long-poll gets nothing more.
		key := a.callerKey(ctx)
		if key == "" {
			return nil, tcapi.Errorf(tcapi.CodeSecretIdNotFound, "the credential %s was deleted", secretID)
		}
		sealed, err := syncseal.Seal(key, p.revision, p.doc)
		if err != nil {
			return nil, err
		}
		out.SealedPublished = sealed
	}
	return out, nil
}

func (a *Admin) seeEdge(id, secretID, addr string, rev uint64, quotas map[string]int64) {
	a.edgesMu.Lock()
	defer a.edgesMu.Unlock()
	e := a.edges[id]
	if e == nil {
		if len(a.edges) >= 10000 {
			return // bounded: a misbehaving client can't grow this forever
		}
		e = &edgeInfo{EdgeId: id}
		a.edges[id] = e
	}
	now := a.opts.Now()
	e.SecretId, e.Address, e.Revision, e.seen, e.LastSeen = secretID, addr, rev, now, isoTime(now)
	if len(quotas) <= maxQuotaReport {
		e.quotas = quotas
	}
}

// maxQuotaReport bounds the quota counts one edge may report (the tenant
// limit is 200 plans; room for plans deleted since).
const maxQuotaReport = 10000

// quotaUsed is a plan's quota use (InUseRequestNum): the in-process edge's
// count plus the last count each remote edge reported with EdgeSync (up to
// one long-poll old). Each edge counts its own quota (README "Rate
// limiting"), so the sum is what the plan has used cluster-wide.
func (a *Admin) quotaUsed(planID string) int64 {
	var n, shared int64
	if a.opts.LocalQuota != nil {
		if used, sh := a.opts.LocalQuota(); sh {
			shared = used[planID]
		} else {
			n = used[planID]
		}
	}
	a.edgesMu.Lock()
	for _, e := range a.edges {
		if e.shared {
			shared = max(shared, e.quotas[planID])
		} else {
			n += e.quotas[planID]
		}
	}
	a.edgesMu.Unlock()
	return n + shared
}

// edgeShared records whether an edge's quota counts are cluster totals.
func (a *Admin) edgeShared(id string, shared bool) {
	a.edgesMu.Lock()
	if e := a.edges[id]; e != nil {
		e.shared = shared
	}
	a.edgesMu.Unlock()
}

// edgeSet is DescribeEdges' Result.
type edgeSet struct {
	TotalCount int
	Revision   uint64
	EdgeSet    []edgeInfo
	// EdgeCredentialSet are the edge credentials (edgecreds.go), without
	// their secrets.
	EdgeCredentialSet []edgeCredView
}

// describeEdges lists the edges that followed this admin, with the
// revision each last reported and the credential it signs with, and the
// edge credentials (Edgegate extension).
func (a *Admin) describeEdges(_ context.Context, _ *struct{}) (*result[edgeSet], error) {
	creds, err := a.edgeCredentials()
	if err != nil {
		return nil, err
	}
	a.edgesMu.Lock()
	list := make([]edgeInfo, 0, len(a.edges))
	for _, e := range a.edges {
		list = append(list, *e)
	}
	a.edgesMu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].EdgeId < list[j].EdgeId })
	return resultOf(edgeSet{len(list), a.Revision(), list, creds}, nil)
}
