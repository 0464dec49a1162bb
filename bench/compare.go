package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// perCoreTargets is a goal on the per-core rate of x against base (≥
// goal×), with the raw rates beside it; none when either is missing.
func perCoreTargets(name string, x, base *peerResult, goal float64) []target {
	if x == nil || base == nil || base.Median.PerCore <= 0 || base.Median.RPS <= 0 {
		return nil
	}
	ratio := x.Median.PerCore / base.Median.PerCore
	measured := fmt.Sprintf("%.3f× (%s vs %s req/s per core; raw %.3f×: %s vs %s at %.0f%% vs %.0f%% CPU)",
		ratio, fmtInt(x.Median.PerCore), fmtInt(base.Median.PerCore),
		x.Median.RPS/base.Median.RPS, fmtInt(x.Median.RPS), fmtInt(base.Median.RPS), x.Median.ProxyCPUPct, base.Median.ProxyCPUPct)
	if rs := pairedRatios(x, base); len(rs) > 1 {
		parts := make([]string, len(rs))
		for i, r := range rs {
			parts[i] = fmt.Sprintf("%.3f", r)
		}
		measured += fmt.Sprintf("; paired by round %.3f× (%s)", median(rs), strings.Join(parts, ", "))
	}
	return []target{{
		Name:     name,
		Ratio:    ratio,
		Measured: measured,
		Status:   status(ratio >= goal),
	}}
}

// pairedRatios is x's per-core figure over base's in each round both ran
// (the verdict stays the ratio of the medians; each round's pair ran
// back to back, so this shows how much of the spread is the machine's
// phase rather than the two peers).
func pairedRatios(x, base *peerResult) []float64 {
	var out []float64
	for i := range x.Rounds {
		for j := range base.Rounds {
			m, b := &x.Rounds[i], &base.Rounds[j]
			if b.Round == m.Round && m.perCore() > 0 && b.perCore() > 0 {
				out = append(out, m.perCore()/b.perCore())
			}
		}
	}
	return out
}

// observer scrapes an Edgegate's /metrics every obsScrapeEvery while a
// part runs, as a Prometheus server would, and afterwards reads its
// access-log counts.
type observer struct {
	base      string // the admin listener's URL
	scrapes   obsResults
	stop      context.CancelFunc
	wg        sync.WaitGroup
	written   int64
	dropped   int64
	finishErr error
}

func startObserver(ctx context.Context, base string) *observer {
	ob := &observer{base: base}
	sctx, stop := context.WithCancel(ctx)
	ob.stop = stop
	ob.wg.Add(1)
	go func() {
		defer ob.wg.Done()
		ob.scrapes.scrapeLoop(sctx, base+"/metrics")
	}()
	return ob
}

// finish stops scraping and reads the access log's counts; it fails when
// no scrape succeeded.
func (ob *observer) finish(ctx context.Context, part string) error {
	ob.stop()
	ob.wg.Wait()
	if ob.scrapes.Scrapes == 0 {
		return fmt.Errorf("%s: no scrape of %s/metrics succeeded (%d failed)", part, ob.base, ob.scrapes.ScrapeFails)
	}
	var st struct{ Written, Dropped int64 }
	if err := getJSON(ctx, ob.base+"/stats/accesslog", &st); err != nil {
		return fmt.Errorf("%s: access log counts: %w", part, err)
	}
	ob.written, ob.dropped = st.Written, st.Dropped
	return nil
}

// rounds runs a part's rounds while ob scrapes, then finishes it (what
// names the part in progress lines and errors).
func (ob *observer) rounds(ctx context.Context, e *env, o *options, section, what string, peers []*peer, load driver) ([]*peerResult, error) {
	logf("%s rounds: %d × %s (+%s warm-up) × %d peers; /metrics scraped every %s", what, o.Rounds, o.Duration, o.Warmup, len(peers), obsScrapeEvery)
	rs, err := runRounds(ctx, e, o, section, peers, o.Rounds, o.Duration, load)
	if ferr := ob.finish(ctx, what); err == nil {
		err = ferr
	}
	return rs, err
}
