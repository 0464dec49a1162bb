package edge

import (
	"net"
	"net/netip"

	"github.com/panjf2000/gnet/v2"
)

// admitConn asks Config.AdmitConn about a new client connection. A refused
// one is closed without a response: the twin of an XDP drop.
func (s *Server) admitConn(c gnet.Conn) bool {
	ra, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return true
	}
	ip, ok := netip.AddrFromSlice(ra.IP)
	if !ok {
		return true
	}
	var port uint16
	if la, ok := c.LocalAddr().(*net.TCPAddr); ok {
		port = uint16(la.Port)
	}
	if s.cfg.AdmitConn(ip.Unmap(), port) {
		return true
	}
	return false
}
