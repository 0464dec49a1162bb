package limiter

// Step is one rule of a multi-rule check: a Counter, a Quota, or a key of
// a Table rule (set exactly one of Counter, Quota, Rule).
type Step struct {
	Counter *Counter
	Quota   *Quota
	Table   *Table
	Rule    *TableRule
	Key     uint64

	way int // the table way Take used, for a refund
}

// TakeAll checks a request against every step, in order, on loop at now.
// The request is admitted only if every step admits it (so the effective
// limit is the minimum of all that apply, seed 000 基础流控插件: plugin
// 500, service 100, API 50 -> 50). A refusal consumes nothing: the steps
// already taken are refunded. It returns the refusing step's index, or -1,
// and that step's result; on success the result of the step with the
// least room (what X-RateLimit-Remaining should say).
//
// Put the tightest, most often refusing rule first: a refusal then costs
// one check and no refunds.
func TakeAll(steps []Step, loop int, now int64) (Result, int) {
	var best Result
	for i := range steps {
		s := &steps[i]
		var r Result
		switch {
		case s.Counter != nil:
			r = s.Counter.Take(loop, now)
		case s.Quota != nil:
			r = s.Quota.TakeOn(loop)
		default:
			r, s.way = s.Table.take(s.Rule, s.Key, now)
		}
		if !r.OK {
			for j := i - 1; j >= 0; j-- {
				steps[j].refund(loop)
			}
			return r, i
		}
		if i == 0 || (r.Remaining >= 0 && (best.Remaining < 0 || r.Remaining < best.Remaining)) {
			best = r
		}
	}
	best.OK = true
	return best, -1
}

func (s *Step) refund(loop int) {
	switch {
	case s.Counter != nil:
		s.Counter.Refund(loop)
	case s.Quota != nil:
		s.Quota.RefundOn(loop)
	default:
		s.Table.refundAt(s.Key, s.way)
	}
}
