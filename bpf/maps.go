package bpf

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
)

// LPM keys as the kernel sees them (struct key4/key6/pkey4/pkey6 in
// xdp_filter.c): prefixlen in host order, then (port, network order) and
// the address. Byte arrays marshal without copying or padding.
type (
	k4  [8]byte
	k6  [20]byte
	pk4 [10]byte
	pk6 [22]byte
)

// mapState is the content last written to the LPM maps, so an update
// writes only the difference, in place.
type mapState struct {
	deny4  map[k4]uint32
	deny6  map[k6]uint32
	allow4 map[pk4]uint32
	allow6 map[pk6]uint32
	ports  map[uint16]uint32 // nil: the ports array was never written
}

// keysOf encodes p's entries as map keys.
func keysOf(p *Policy) *mapState {
	s := &mapState{deny4: map[k4]uint32{}, deny6: map[k6]uint32{}, allow4: map[pk4]uint32{}, allow6: map[pk6]uint32{}, ports: map[uint16]uint32{}}
	for _, e := range p.Deny {
		a, n := e.Prefix.Addr(), uint32(e.Prefix.Bits())
		if a.Is4() {
			var k k4
			lpmKey(k[:], n, nil, a.AsSlice())
			putFirst(s.deny4, k, e.Rule)
		} else {
			var k k6
			lpmKey(k[:], n, nil, a.AsSlice())
			putFirst(s.deny6, k, e.Rule)
		}
	}
	for _, e := range p.Allow {
		a, n, port := e.Prefix.Addr(), uint32(16+e.Prefix.Bits()), binary.BigEndian.AppendUint16(nil, e.Port)
		if a.Is4() {
			var k pk4
			lpmKey(k[:], n, port, a.AsSlice())
			putFirst(s.allow4, k, e.Rule)
		} else {
			var k pk6
			lpmKey(k[:], n, port, a.AsSlice())
			putFirst(s.allow6, k, e.Rule)
		}
	}
	for port, f := range p.Ports {
		s.ports[port] = f
	}
	return s
}

// lpmKey fills k, an LPM trie key: the prefix length in bits (host
// order, as the kernel reads it), then the port (big-endian; nil for the
// deny maps), then the address.
func lpmKey(k []byte, bits uint32, port, addr []byte) {
	binary.NativeEndian.PutUint32(k[:4], bits)
	copy(k[4+copy(k[4:], port):], addr)
}

func putFirst[K comparable](m map[K]uint32, k K, v uint32) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

// readState reads the LPM maps' current content (pinned maps reused from a
// previous run), so the first update is a diff too.
func readState(o *xdpObjects) (*mapState, error) {
	s := &mapState{}
	var err error
	if s.deny4, err = readLPM[k4](o.DenyV4); err != nil {
		return nil, err
	}
	if s.deny6, err = readLPM[k6](o.DenyV6); err != nil {
		return nil, err
	}
	if s.allow4, err = readLPM[pk4](o.AllowV4); err != nil {
		return nil, err
	}
	if s.allow6, err = readLPM[pk6](o.AllowV6); err != nil {
		return nil, err
	}
	return s, nil
}

func readLPM[K comparable](m *ebpf.Map) (map[K]uint32, error) {
	out := map[K]uint32{}
	var k K
	var v uint32
	it := m.Iterate()
	for it.Next(&k, &v) {
		out[k] = v
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("read map %s: %w", m, err)
	}
	return out, nil
}

// writeState changes the maps from have to want in place: new and changed
// entries first, then removals, so a prefix kept in both sets is never
// absent. It returns the state now in the maps.
func writeState(o *xdpObjects, have, want *mapState) error {
	if err := syncLPM(o.DenyV4, have.deny4, want.deny4); err != nil {
		return err
	}
	if err := syncLPM(o.DenyV6, have.deny6, want.deny6); err != nil {
		return err
	}
	if err := syncLPM(o.AllowV4, have.allow4, want.allow4); err != nil {
		return err
	}
	if err := syncLPM(o.AllowV6, have.allow6, want.allow6); err != nil {
		return err
	}
	return syncPorts(o.Ports, have.ports, want.ports)
}

func syncLPM[K comparable](m *ebpf.Map, have, want map[K]uint32) error {
	var keys []K
	var vals []uint32
	for k, v := range want {
		if old, ok := have[k]; !ok || old != v {
			keys = append(keys, k)
			vals = append(vals, v)
		}
	}
	if err := putAll(m, keys, vals); err != nil {
		return err
	}
	keys = keys[:0]
	for k := range have {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	return deleteAll(m, keys)
}

// syncPorts writes the port flags; a nil have (first write after open)
// rewrites the whole array in one batch, so stale pinned flags vanish.
func syncPorts(m *ebpf.Map, have, want map[uint16]uint32) error {
	var keys, vals []uint32
	if have == nil {
		keys, vals = make([]uint32, 65536), make([]uint32, 65536)
		for i := range keys {
			keys[i] = uint32(i)
			vals[i] = want[uint16(i)]
		}
	} else {
		for port, f := range want {
			if have[port] != f {
				keys, vals = append(keys, uint32(port)), append(vals, f)
			}
		}
		for port := range have {
			if _, ok := want[port]; !ok {
				keys, vals = append(keys, uint32(port)), append(vals, 0)
			}
		}
	}
	return putAll(m, keys, vals)
}

// putAll writes entries with BPF_MAP_UPDATE_BATCH where the kernel has it
// (5.6+ for most map types), else one syscall per entry.
func putAll[K any, V any](m *ebpf.Map, keys []K, vals []V) error {
	if len(keys) == 0 {
		return nil
	}
	n, err := m.BatchUpdate(keys, vals, nil)
	if err == nil && n == len(keys) {
		return nil
	}
	if err != nil && !errors.Is(err, ebpf.ErrNotSupported) {
		return fmt.Errorf("update map %s: %w", m, err)
	}
	for i := range keys {
		if err := m.Put(keys[i], vals[i]); err != nil {
			return fmt.Errorf("update map %s: %w", m, err)
		}
	}
	return nil
}

func deleteAll[K any](m *ebpf.Map, keys []K) error {
	if len(keys) == 0 {
		return nil
	}
	n, err := m.BatchDelete(keys, nil)
	if err == nil && n == len(keys) {
		return nil
	}
	if err != nil && !errors.Is(err, ebpf.ErrNotSupported) && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("delete from map %s: %w", m, err)
	}
	for i := range keys {
		if err := m.Delete(keys[i]); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("delete from map %s: %w", m, err)
		}
	}
	return nil
}
