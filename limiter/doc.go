// Package limiter will hold the sliding-window rate limiters (issue 6):
// per-core shards reached with atomics only, no allocation on the check path.
// It is a leaf: it imports no other project package.
package limiter
