// Package ipset is an immutable set of IPv4 and IPv6 addresses built from
// single addresses, CIDR prefixes and "a-b" ranges, with an
// allocation-free membership test.
//
// A Set keeps, per address family, a sorted slice of disjoint, merged
// closed ranges and answers Contains with one binary search: O(log n) over
// the merged ranges, no string parsing and no allocation per lookup. It is
// what the edge consults after routing (IP strategies and the IPControl
// plugin, seed 000 插件使用 → IP访问控制) and for trusted proxies.
//
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged as the IPv4
// address they carry, both in lists and in lookups, so a socket that
// reports a mapped peer matches an IPv4 rule.
//
// # Threading
//
// A Set is immutable once built: any number of goroutines may call
// Contains concurrently. A Builder is not safe for concurrent use.
//
// # Imports
//
// The standard library only: ipset is a leaf (a test enforces it).
package ipset
