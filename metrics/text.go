package metrics

import (
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/edge"
)

// text appends the Prometheus text exposition format (version 0.0.4) to
// a buffer the Exporter keeps between scrapes, so a scrape's lines cost
// no allocation once the buffer has grown to the output's size.
type text struct{ b []byte }

// Write lets VictoriaMetrics' writers append to the same buffer.
func (t *text) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	return len(p), nil
}

// family writes a family's HELP and TYPE lines. Every family the
// Exporter knows of is written with them even when it has no sample yet,
// so a scrape lists every name (the drift test of deploy/ relies on it).
func (t *text) family(f *fam) {
	t.b = append(t.b, "# HELP "...)
	t.b = append(t.b, f.name...)
	t.b = append(t.b, ' ')
	t.b = append(t.b, f.help...)
	t.b = append(t.b, "\n# TYPE "...)
	t.b = append(t.b, f.name...)
	t.b = append(t.b, ' ')
	t.b = append(t.b, f.typ...)
	t.b = append(t.b, '\n')
}

// open starts a sample line: name{ (the caller adds labels, then close).
func (t *text) open(name string) { t.b = append(append(t.b, name...), '{') }

// label appends name="value" (with a leading comma unless first), the
// value escaped as the format requires (backslash, quote, newline).
func (t *text) label(first bool, name, value string) {
	if !first {
		t.b = append(t.b, ',')
	}
	t.b = append(append(t.b, name...), `="`...)
	for i := 0; i < len(value); i++ {
		switch c := value[i]; c {
		case '\\':
			t.b = append(t.b, `\\`...)
		case '"':
			t.b = append(t.b, `\"`...)
		case '\n':
			t.b = append(t.b, `\n`...)
		default:
			t.b = append(t.b, c)
		}
	}
	t.b = append(t.b, '"')
}

// raw appends pre-rendered labels (see Exporter.apiLabels).
func (t *text) raw(s string) { t.b = append(t.b, s...) }

// closeU ends a labelled line with an unsigned value.
func (t *text) closeU(v uint64) {
	t.b = append(t.b, "} "...)
	t.b = strconv.AppendUint(t.b, v, 10)
	t.b = append(t.b, '\n')
}

// closeF ends a labelled line with a float value.
func (t *text) closeF(v float64) {
	t.b = append(t.b, "} "...)
	t.b = strconv.AppendFloat(t.b, v, 'g', -1, 64)
	t.b = append(t.b, '\n')
}

// plain writes an unlabelled sample.
func (t *text) plain(name string, v float64) {
	t.b = append(append(t.b, name...), ' ')
	t.b = strconv.AppendFloat(t.b, v, 'g', -1, 64)
	t.b = append(t.b, '\n')
}

// unsigned writes an unlabelled sample from a count.
func (t *text) unsigned(name string, v int64) {
	t.b = append(append(t.b, name...), ' ')
	t.b = strconv.AppendInt(t.b, v, 10)
	t.b = append(t.b, '\n')
}

// leValues are the le label values of edge.LatencyBounds, rendered once.
var leValues = func() (out [len(edge.LatencyBounds)]string) {
	for i, b := range edge.LatencyBounds {
		out[i] = strconv.FormatFloat(b, 'g', -1, 64)
	}
	return out
}()

// histogram writes one series of a histogram family: the cumulative
// _bucket lines, _sum and _count. The loops keep counting while the edge
// sums them, so Count may disagree with the buckets by a few; _count is
// the +Inf bucket, as the format requires, and Count is not used.
func (t *text) histogram(f *fam, labels string, h *edge.Histogram) {
	var cum uint64
	for i := range edge.LatencyBounds {
		cum += h.Buckets[i]
		t.open(f.bucket)
		t.raw(labels)
		t.b = append(t.b, `,le="`...)
		t.b = append(t.b, leValues[i]...)
		t.b = append(t.b, '"')
		t.closeU(cum)
	}
	cum += h.Buckets[len(edge.LatencyBounds)]
	t.open(f.bucket)
	t.raw(labels)
	t.b = append(t.b, `,le="+Inf"`...)
	t.closeU(cum)
	t.open(f.sum)
	t.raw(labels)
	t.closeF(h.Sum)
	t.open(f.count)
	t.raw(labels)
	t.closeU(cum)
}

// renderLabels renders name="value" pairs for raw (no braces).
func renderLabels(kv ...string) string {
	var t text
	for i := 0; i+1 < len(kv); i += 2 {
		t.label(i == 0, kv[i], kv[i+1])
	}
	return string(t.b)
}

// validName reports whether s is a Prometheus metric name (tests).
func validName(s string) bool {
	if s == "" || strings.IndexFunc(s, func(r rune) bool {
		return !(r == '_' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) >= 0 {
		return false
	}
	return s[0] < '0' || s[0] > '9'
}
