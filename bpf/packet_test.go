package bpf

import (
	"encoding/binary"
	"net/netip"
)

// Crafted frames for BPF_PROG_TEST_RUN. Checksums are left zero: XDP runs
// before any checksum validation and the program does not read them.

func ether(proto uint16, payload []byte) []byte {
	b := make([]byte, 14, 14+len(payload))
	copy(b[0:6], []byte{0x02, 0, 0, 0, 0, 1})
	copy(b[6:12], []byte{0x02, 0, 0, 0, 0, 2})
	binary.BigEndian.PutUint16(b[12:], proto)
	return append(b, payload...)
}

// vlan inserts one tag (tpid 0x8100 or 0x88a8) after the MAC addresses.
func vlan(tpid uint16, frame []byte) []byte {
	b := make([]byte, 0, len(frame)+4)
	b = append(b, frame[:12]...)
	b = binary.BigEndian.AppendUint16(b, tpid)
	b = binary.BigEndian.AppendUint16(b, 42) // VID 42
	return append(b, frame[12:]...)
}

func tcpHeader(dport uint16) []byte {
	t := make([]byte, 20)
	binary.BigEndian.PutUint16(t[0:], 40000)
	binary.BigEndian.PutUint16(t[2:], dport)
	t[12] = 5 << 4
	t[13] = 0x02 // SYN
	binary.BigEndian.PutUint16(t[14:], 65535)
	return t
}

// ipv4 builds an IPv4 packet with optLen bytes of options (a multiple of 4).
func ipv4(src netip.Addr, proto byte, optLen int, fragOff uint16, payload []byte) []byte {
	hl := 20 + optLen
	b := make([]byte, hl, hl+len(payload))
	b[0] = 4<<4 | byte(hl/4)
	binary.BigEndian.PutUint16(b[2:], uint16(hl+len(payload)))
	binary.BigEndian.PutUint16(b[6:], fragOff)
	b[8] = 64
	b[9] = proto
	s := src.As4()
	copy(b[12:16], s[:])
	copy(b[16:20], []byte{192, 0, 2, 100})
	for i := 20; i < hl; i++ {
		b[i] = 1 // NOP options
	}
	return append(b, payload...)
}

func ipv6(src netip.Addr, next byte, payload []byte) []byte {
	b := make([]byte, 40, 40+len(payload))
	b[0] = 6 << 4
	binary.BigEndian.PutUint16(b[4:], uint16(len(payload)))
	b[6] = next
	b[7] = 64
	s := src.As16()
	copy(b[8:24], s[:])
	d := netip.MustParseAddr("2001:db8::100").As16()
	copy(b[24:40], d[:])
	return append(b, payload...)
}

// tcpFrame is the plain frame for a TCP SYN from src to dport.
func tcpFrame(src netip.Addr, dport uint16) []byte {
	if src.Is4() {
		return ether(0x0800, ipv4(src, 6, 0, 0, tcpHeader(dport)))
	}
	return ether(0x86dd, ipv6(src, 6, tcpHeader(dport)))
}

func arpFrame() []byte {
	p := make([]byte, 28)
	binary.BigEndian.PutUint16(p[0:], 1)
	binary.BigEndian.PutUint16(p[2:], 0x0800)
	p[4], p[5] = 6, 4
	binary.BigEndian.PutUint16(p[6:], 1)
	copy(p[14:18], []byte{203, 0, 113, 9})
	return ether(0x0806, p)
}
