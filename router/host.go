package router

import (
	"hash/maphash"
	"maps"
	"slices"
	"strings"
)

// maxHost bounds a host name (RFC 1035: 253 octets, plus slack for a port
// we strip); longer Host values find no service.
const maxHost = 255

// normHost writes the lookup form of a Host value into buf: the port
// removed (including after an IPv6 literal "[::1]:8080"), ASCII letters
// lower-cased, one trailing dot removed. It reports false for a value that
// cannot name a service.
func normHost(buf *[maxHost]byte, h []byte) (int, bool) {
	end := len(h)
	if end > 0 && h[0] == '[' {
		for i := 1; i < len(h); i++ {
			if h[i] == ']' {
				end = i + 1
				break
			}
		}
	} else {
		for i := 0; i < len(h); i++ {
			if h[i] == ':' {
				end = i
				break
			}
		}
	}
	h = h[:end]
	if len(h) > 0 && h[len(h)-1] == '.' {
		h = h[:len(h)-1]
	}
	if len(h) == 0 || len(h) > maxHost {
		return 0, false
	}
	for i, c := range h {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return len(h), true
}

// hostKey is normHost for configured names.
func hostKey(s string) (string, bool) {
	var buf [maxHost]byte
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "/ \t?#@") {
		return "", false
	}
	n, ok := normHost(&buf, []byte(s))
	if !ok || n != len(strings.TrimSuffix(s, ".")) {
		// A configured name must not carry a port.
		return "", false
	}
	return string(buf[:n]), true
}

// hostTable maps lookup-form host names to hosts: open addressing over a
// seeded hash, at most half full, every name a substring of one string so
// that the names of a table share cache lines. Built once by Compile.
type hostTable struct {
	seed  maphash.Seed
	mask  uint64
	slots []hostSlot
}

type hostSlot struct {
	hash uint64
	name string
	h    *host // nil: an empty slot
}

func newHostTable(m map[string]*host) hostTable {
	size := 8
	for size < 2*len(m) {
		size <<= 1
	}
	t := hostTable{seed: maphash.MakeSeed(), mask: uint64(size - 1), slots: make([]hostSlot, size)}
	keys := slices.Sorted(maps.Keys(m))
	var all strings.Builder
	for _, k := range keys {
		all.WriteString(k)
	}
	names := all.String()
	for _, k := range keys {
		name := names[:len(k)]
		names = names[len(k):]
		hash := maphash.String(t.seed, name)
		i := hash & t.mask
		for t.slots[i].h != nil {
			i = (i + 1) & t.mask
		}
		t.slots[i] = hostSlot{hash: hash, name: name, h: m[k]}
	}
	return t
}

// get returns the host named name (in lookup form), or nil.
func (t *hostTable) get(name []byte) *host {
	hash := maphash.Bytes(t.seed, name)
	for i := hash & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.h == nil {
			return nil
		}
		if s.hash == hash && s.name == string(name) {
			return s.h
		}
	}
}
