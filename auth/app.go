package auth

import (
	"bytes"

	"github.com/edgegate/edgegate/ascii"
)

// VerifyApp checks a Tencent Cloud API Gateway application signature
// (AuthType APP; Tencent Cloud API Gateway "应用认证方式"). The signing
// string is six fields joined by "\n":
//
//	Headers            the headers named in headers="…" as in key-pair
//	                   signing ("x-date: …"); must include x-date
//	HTTPMethod         as sent (upper case)
//	Accept             header value, or empty
//	Content-Type       header value, or empty
//	Content-MD5        header value, or empty (the gateway signs the value
//	                   as given; it does not hash the body)
//	PathAndParameters  the API path without the environment segment, then
//	                   "?" and the query's k=v pieces sorted by key (then by
//	                   the whole piece), joined by "&", raw as sent; no "?"
//	                   when there is no query
//
// and the signature is Base64(HMAC(ApiAppSecret, signing string)).
// X-Date is required and checked within MaxSkew by the caller.
func (v *Verifier) VerifyApp(p *Params, a Alg, s *Secret, hs Headers, method, path, query []byte) Code {
	if !listHas(p.Headers, "x-date") {
		return MissingDate
	}
	msg, c := appendSignedHeaders(v.msg[:0], p.Headers, hs)
	if c != OK {
		v.msg = msg[:0]
		return c
	}
	msg = append(msg, '\n')
	msg = append(msg, method...)
	for _, h := range [...][]byte{accept, contentType, contentMD5} {
		msg = append(msg, '\n')
		if val, ok := hs.Get(h); ok {
			msg = append(msg, val...)
		}
	}
	msg = append(msg, '\n')
	msg = append(msg, path...)
	msg = v.appendSortedQuery(msg, query)
	v.msg = msg[:0]
	if !v.equalSig(s, a, msg, p.Signature) {
		return SignatureMismatch
	}
	return OK
}

var (
	accept      = []byte("accept")
	contentType = []byte("content-type")
	contentMD5  = []byte("content-md5")
)

// AppendSortedQuery appends "?" and q's pieces sorted as VerifyApp signs
// them (exported for clients and tests).
func AppendSortedQuery(dst, q []byte) []byte {
	v := Verifier{}
	return v.appendSortedQuery(dst, q)
}

func (v *Verifier) appendSortedQuery(dst, q []byte) []byte {
	qs := v.qs[:0]
	for i := 0; i <= len(q); {
		j := bytes.IndexByte(q[i:], '&')
		if j < 0 {
			j = len(q) - i
		}
		if j > 0 {
			k := bytes.IndexByte(q[i:i+j], '=')
			if k < 0 {
				k = j
			}
			qs = append(qs, span{i, i + j, i + k})
		}
		i += j + 1
	}
	// Insertion sort: queries are short and this must not allocate.
	for i := 1; i < len(qs); i++ {
		for j := i; j > 0 && lessPiece(q, qs[j], qs[j-1]); j-- {
			qs[j], qs[j-1] = qs[j-1], qs[j]
		}
	}
	for i, sp := range qs {
		if i == 0 {
			dst = append(dst, '?')
		} else {
			dst = append(dst, '&')
		}
		dst = append(dst, q[sp.off:sp.end]...)
	}
	v.qs = qs[:0]
	return dst
}

func lessPiece(q []byte, a, b span) bool {
	if c := bytes.Compare(q[a.off:a.keyEnd], q[b.off:b.keyEnd]); c != 0 {
		return c < 0
	}
	return bytes.Compare(q[a.off:a.end], q[b.off:b.end]) < 0
}

func listHas(list []byte, name string) bool {
	for i := 0; i < len(list); {
		var n []byte
		if n, i = nextName(list, i); ascii.EqualFold(n, name) {
			return true
		}
	}
	return false
}
