package router

import "strings"

// Proto is the set of schemes a host is served over (seed: CreateService
// and BindSubDomain Protocol).
type Proto uint8

// Protocols. A host always has at least one.
const (
	ProtoHTTP  Proto = 1 << iota // plain HTTP
	ProtoHTTPS                   // HTTP over TLS
	ProtoBoth  = ProtoHTTP | ProtoHTTPS
)

// ParseProto reads the seed's protocol names, case-insensitively: "http",
// "https" and "http&https". An empty value is both: a service published
// without a protocol (the configuration file) is served on every listener.
func ParseProto(s string) (Proto, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return ProtoBoth, true
	case "http":
		return ProtoHTTP, true
	case "https":
		return ProtoHTTPS, true
	case "http&https":
		return ProtoBoth, true
	}
	return 0, false
}
