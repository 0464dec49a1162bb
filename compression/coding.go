package compression

import "github.com/edgegate/edgegate/ascii"

// Coding is a content coding (RFC 9110 §8.4.1).
type Coding uint8

// Codings. Identity is "no coding". Brotli is recognised in Accept-Encoding
// (so that its weight is read correctly) but never offered: see doc.go.
const (
	Identity Coding = iota
	Gzip
	Zstd
	Brotli
	numCodings
)

// String returns the coding's name as Content-Encoding carries it.
func (c Coding) String() string {
	switch c {
	case Identity:
		return "identity"
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	case Brotli:
		return "br"
	}
	return "unknown"
}

// offerable reports whether the gateway can produce c.
func (c Coding) offerable() bool { return c == Gzip || c == Zstd }

// Offer is the server's list of codings in preference order: the first
// wins when a client weighs two alike. Build it with NewOffer.
type Offer struct {
	list [numCodings]Coding
	n    uint8
}

// NewOffer returns the offer of cs, in that order. Every coding must be
// one the gateway produces (gzip, zstd) and appear once.
func NewOffer(cs ...Coding) (Offer, error) {
	var o Offer
	for _, c := range cs {
		if !c.offerable() {
			return Offer{}, &ConfigError{Field: "Codings", Code: CodeUnsupportedCoding, Msg: "the gateway does not produce " + c.String()}
		}
		for _, d := range o.list[:o.n] {
			if d == c {
				return Offer{}, &ConfigError{Field: "Codings", Code: CodeDuplicateCoding, Msg: c.String() + " is listed twice"}
			}
		}
		o.list[o.n] = c
		o.n++
	}
	return o, nil
}

// Len returns the number of codings offered.
func (o Offer) Len() int { return int(o.n) }

// At returns the i-th coding in preference order.
func (o Offer) At(i int) Coding { return o.list[:o.n][i] }

// codingByName maps a content-coding token, compared case-insensitively
// (RFC 9110 §8.4.1), to a Coding; ok is false for codings we don't know.
// "x-gzip" is gzip (RFC 9110 §8.4.1.3).
func codingByName(tok []byte) (c Coding, ok bool) {
	switch len(tok) {
	case 2:
		return Brotli, ascii.EqualFold(tok, "br")
	case 4:
		switch {
		case ascii.EqualFold(tok, "gzip"):
			return Gzip, true
		case ascii.EqualFold(tok, "zstd"):
			return Zstd, true
		}
	case 6:
		return Gzip, ascii.EqualFold(tok, "x-gzip")
	case 8:
		return Identity, ascii.EqualFold(tok, "identity")
	}
	return 0, false
}
