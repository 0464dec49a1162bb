package store

import (
	"bytes"
	"fmt"
)

// scanResult describes a database file as found on disk, before BuntDB reads
// it. Offsets are byte offsets into the file.
type scanResult struct {
	size   int  // bytes in the file
	empty  bool // nothing (or only part of the header): a new database
	marked bool // begins with this package's header; transactions carry markers

	// good is the end of the last complete, verified transaction (legacy
	// files: of the last complete command). Everything before it is intact.
	good int
	// txns counts the transactions before good (legacy files: commands); the
	// header is not counted.
	txns int

	// torn: the bytes after good are an unfinished final write — a crash
	// during the append of a transaction that was never acknowledged. Open
	// drops them. tornCmds counts the complete commands among them.
	torn     bool
	tornCmds int
	zeroTail bool // the torn tail is (or ends in) zero bytes

	// damage, when not empty, is why the file must not be opened as is, and
	// damageOff where it was found. laterTxns reports that complete
	// transactions follow the damaged one (so repair would drop them).
	damage    string
	damageOff int
	laterTxns bool
	// headerOnly: only the header is damaged; behind a new one, the
	// transactions up to good verify.
	headerOnly bool
}

// scan checks data the way BuntDB's load would read it, and more strictly:
// BuntDB skips zero bytes (miscounting its own offsets afterwards), panics on
// a command name shorter than three bytes, and truncates at the first
// command that runs past the end of the file even when that command's length
// field is what is damaged.
func scan(data []byte) scanResult {
	r := scanResult{size: len(data)}
	switch {
	case len(data) == 0:
		r.empty = true
	case len(data) < len(headerBytes) && bytes.HasPrefix(headerBytes, data):
		// A crash while the header of a new file was being written.
		r.empty, r.torn = true, true
	case bytes.HasPrefix(data, headerBytes):
		r.marked = true
		scanMarked(data, &r)
	case bytes.Contains(data, []byte(markerPrefix[1:])):
		r.damage = "the file header is damaged (the file has transaction markers but does not begin with the header)"
		r.laterTxns = true
		if len(data) >= len(headerBytes) {
			// The header holds no data: if the rest verifies behind a
			// good header, only the header needs replacing.
			fixed := append(append([]byte(nil), headerBytes...), data[len(headerBytes):]...)
			if fr := scan(fixed); fr.damage == "" && fr.marked {
				r.marked, r.headerOnly, r.laterTxns = true, true, false
				r.good, r.txns = fr.good, fr.txns
				r.damage = fmt.Sprintf("the file header (bytes 0–%d) is damaged; the %d transactions after it verify intact", len(headerBytes), fr.txns)
			}
		}
	default:
		scanLegacy(data, &r)
	}
	return r
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// scanMarked walks the transactions of a file written by this package.
func scanMarked(data []byte, r *scanResult) {
	var (
		g      int // start of the current transaction
		off    int
		count  int
		sum    uint64
		m      marker
		have   bool
		groups int
	)
	fail := func(at int, format string, a ...any) {
		r.damage, r.damageOff = fmt.Sprintf(format, a...), at
		r.good, r.txns = g, max(groups-1, 0)
		r.laterTxns = hasLaterMarker(data, g)
	}
	for off < len(data) {
		if data[off] == 0 {
			if allZero(data[off:]) {
				r.zeroTail = true
				break
			}
			fail(off, "zero bytes inside the file where a command should begin (lost data)")
			return
		}
		c, err := parseCommand(data, off)
		if err == errNeedMore {
			// A torn write is a prefix of one transaction: nothing
			// complete can follow the command it cuts. A valid marker
			// after it — of a later transaction, or this transaction's
			// own when not yet seen — means a damaged length or count.
			if later, own := markerAfter(data, off, g, !have); later || own {
				what := "complete transactions follow it"
				if !later {
					what = "its transaction's commit marker follows it"
				}
				fail(off, "the command at offset %d claims to extend past the end of the file, but %s (a damaged length or count field)", off, what)
				return
			}
			break
		}
		if err != nil {
			fail(off, "%v", err)
			return
		}
		if c.name == "del" && looksLikeMarker(c.args[0]) {
			mk, err := parseMarker(c.args[0])
			switch {
			case err != nil:
				fail(off, "%v", err)
				return
			case have:
				fail(off, "a second commit marker in the transaction that starts at offset %d", g)
				return
			case mk.start != int64(g):
				fail(g, "the transaction that starts at offset %d has no valid commit marker (the marker at offset %d belongs to offset %d)", g, off, mk.start)
				return
			case mk.count <= count:
				fail(off, "the commit marker at offset %d counts %d commands but its transaction already has %d", off, mk.count, count+1)
				return
			}
			have, m = true, mk
		} else {
			sum += hashOf(c)
		}
		count++
		off = c.end
		if have && count == m.count {
			if sum != m.sum {
				fail(g, "checksum mismatch in the transaction at offsets %d–%d (a changed byte)", g, off)
				return
			}
			groups++
			g, count, sum, have = off, 0, 0, false
		}
	}
	r.good, r.txns = g, max(groups-1, 0)
	if g < len(data) {
		r.torn, r.tornCmds = true, count
	}
}

// hasLaterMarker reports whether data holds a valid marker of a transaction
// that starts after offset from.
func hasLaterMarker(data []byte, from int) bool {
	later, _ := markerAfter(data, from, from, false)
	return later
}

// markerAfter looks for valid markers in data[from:]: later reports one of a
// transaction that starts after g, own (when wantOwn) one of the transaction
// that starts at g. A marker counts only with its closing CRLF.
func markerAfter(data []byte, from, g int, wantOwn bool) (later, own bool) {
	pfx := []byte(markerPrefix)
	for i := from; i < len(data); {
		j := bytes.Index(data[i:], pfx)
		if j < 0 {
			return
		}
		p := i + j
		e := bytes.Index(data[p:], []byte("\r\n"))
		if e < 0 {
			return
		}
		if m, err := parseMarker(string(data[p : p+e])); err == nil && m.start < int64(p) {
			if m.start > int64(g) {
				return true, own
			}
			if wantOwn && m.start == int64(g) {
				own = true
			}
		}
		i = p + 1
	}
	return
}

// scanLegacy walks a file without markers (written by BuntDB itself): every
// command is its own unit, as BuntDB's load treats it.
func scanLegacy(data []byte, r *scanResult) {
	off := 0
	for off < len(data) {
		if data[off] == 0 {
			if allZero(data[off:]) {
				r.zeroTail = true
				break
			}
			r.damage, r.damageOff = "zero bytes inside the file where a command should begin (lost data)", off
			r.laterTxns = true
			return
		}
		c, err := parseCommand(data, off)
		if err == errNeedMore {
			break
		}
		if err != nil {
			r.damage, r.damageOff = err.Error(), off
			r.laterTxns = off < len(data)
			return
		}
		r.txns++
		off = c.end
		r.good = off
	}
	r.torn = r.good < len(data)
}
