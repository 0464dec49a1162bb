package router

import "strings"

// Method indexes. Request methods outside the list share mOther, which only
// ANY APIs serve.
const (
	mGET = iota
	mHEAD
	mPOST
	mPUT
	mDELETE
	mPATCH
	mOPTIONS
	mOther
	numMethods

	mANY = -1 // an API defined with Method ANY
)

// methodNames are the methods an API may be defined with (besides ANY), in
// the order Allow lists them.
var methodNames = [mOther]string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}

// methodIndex maps a request method (case-sensitive, RFC 9110 §9.1) to its
// index.
func methodIndex(m []byte) int {
	switch string(m) {
	case "GET":
		return mGET
	case "HEAD":
		return mHEAD
	case "POST":
		return mPOST
	case "PUT":
		return mPUT
	case "DELETE":
		return mDELETE
	case "PATCH":
		return mPATCH
	case "OPTIONS":
		return mOPTIONS
	}
	return mOther
}

// apiMethod maps RequestConfig.Method (case-insensitive) to its index;
// empty means ANY.
func apiMethod(s string) (int, bool) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if u == "" || u == "ANY" {
		return mANY, true
	}
	for i, n := range methodNames {
		if n == u {
			return i, true
		}
	}
	return 0, false
}

// allowText holds the Allow value for every method mask, built once so that
// a 405 allocates nothing.
var allowText = func() (t [1 << mOther][]byte) {
	for mask := range t {
		var b []byte
		for i, n := range methodNames {
			if mask&(1<<i) != 0 {
				if b != nil {
					b = append(b, ", "...)
				}
				b = append(b, n...)
			}
		}
		t[mask] = b
	}
	return t
}()
