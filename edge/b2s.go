package edge

import "unsafe"

// b2s returns a string that aliases b. The caller must not modify b while the
// string is in use; used only for map lookups and comparisons.
func b2s(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// s2b returns the bytes of s without copying. The result must not be written.
func s2b(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
