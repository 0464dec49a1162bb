package ipset

import (
	"fmt"
	"net/netip"
	"strings"
)

// EntryError names the list entry that is not an address, a prefix or a
// range, and why.
type EntryError struct {
	Entry  string
	Reason string
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("%q is not a valid IP entry: %s", e.Entry, e.Reason)
}

// Separators between list entries: ';' (seed 000 插件使用 → IP访问控制: "多个
// IP 或 CIDR 间用英文分号分隔") and line breaks (CreateIPStrategy
// StrategyData: "多个ip 使用\n 分隔符分开").
const separators = ";\n\r"

// Entries splits a list into its entries, trimming blanks around each
// and dropping empty ones. The two characters `\n` also separate entries:
// the console's own example writes the plugin's list that way
// ("1.1.1.1\\n1.1.1.0/24" in JSON), and no entry can hold a backslash.
func Entries(list string) []string {
	if strings.Contains(list, `\n`) {
		list = strings.ReplaceAll(list, `\n`, "\n")
	}
	var out []string
	for list != "" {
		i := strings.IndexAny(list, separators)
		e := list
		if i >= 0 {
			e, list = list[:i], list[i+1:]
		} else {
			list = ""
		}
		if e = strings.Trim(e, " \t"); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// ParseEntry parses one entry: an address ("10.0.0.1", "2001:db8::1"), a
// CIDR prefix ("10.0.0.0/8"; host bits are ignored, as nginx's allow/deny
// does) or an inclusive range of one family ("10.0.0.1-10.0.0.9"). Zones
// (fe80::1%eth0) are refused: a rule can't depend on the interface.
func ParseEntry(e string) (lo, hi netip.Addr, err error) {
	bad := func(why string) (netip.Addr, netip.Addr, error) {
		return netip.Addr{}, netip.Addr{}, &EntryError{Entry: e, Reason: why}
	}
	switch {
	case strings.Contains(e, "/"):
		p, perr := netip.ParsePrefix(e)
		if perr != nil {
			return bad("want an address, a CIDR prefix such as 10.0.0.0/8, or a range a-b")
		}
		p = unmapPrefix(p).Masked()
		lo = p.Addr()
		var b Builder
		b.AddPrefix(p)
		s := b.Build()
		if len(s.v4) == 1 {
			return lo, addr4(s.v4[0].hi), nil
		}
		return lo, addr6(s.v6[0].hi), nil
	case strings.Contains(e, "-"):
		i := strings.Index(e, "-")
		l, lerr := netip.ParseAddr(strings.TrimSpace(e[:i]))
		h, herr := netip.ParseAddr(strings.TrimSpace(e[i+1:]))
		if lerr != nil || herr != nil || l.Zone() != "" || h.Zone() != "" {
			return bad("a range is two addresses joined by '-'")
		}
		l, h = l.Unmap(), h.Unmap()
		if l.Is4() != h.Is4() {
			return bad("a range's ends must be of one address family")
		}
		if h.Less(l) {
			return bad("a range must go from the lower address to the higher")
		}
		return l, h, nil
	default:
		a, aerr := netip.ParseAddr(e)
		if aerr != nil {
			return bad("want an address, a CIDR prefix such as 10.0.0.0/8, or a range a-b")
		}
		if a.Zone() != "" {
			return bad("addresses with a zone are not accepted")
		}
		a = a.Unmap()
		return a, a, nil
	}
}

// Parse builds a Set from a list of entries separated by ';' or line
// breaks. The first bad entry is reported as an *EntryError. n is the
// number of entries.
func Parse(list string) (s *Set, n int, err error) {
	var b Builder
	for _, e := range Entries(list) {
		lo, hi, err := ParseEntry(e)
		if err != nil {
			return nil, 0, err
		}
		b.addRange(lo, hi)
		n++
	}
	return b.Build(), n, nil
}

// MustParse is Parse for lists known to be good (tests, constants).
func MustParse(list string) *Set {
	s, _, err := Parse(list)
	if err != nil {
		panic(err)
	}
	return s
}

func addr4(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func addr6(v u128) netip.Addr {
	var b [16]byte
	for i := range 8 {
		b[i] = byte(v.hi >> (56 - 8*i))
		b[8+i] = byte(v.lo >> (56 - 8*i))
	}
	return netip.AddrFrom16(b)
}
