package auth

// Code is the outcome of a check. OK is 0; every other value names why a
// request was refused. The names are stable (README "Error codes").
type Code uint8

// Outcomes.
const (
	OK Code = iota
	// 401: the request does not carry acceptable credentials.
	MissingAuthorization // no Authorization (or token) at all
	BadAuthorization     // Authorization not in the scheme's form
	UnsupportedAlgorithm // algorithm not hmac-sha1 / hmac-sha256
	MissingDate          // neither Date nor X-Date
	BadDate              // X-Date (or a checked Date) not an HTTP date
	DateExpired          // X-Date more than 15 minutes from now
	MissingSignedHeader  // a header named in headers="…" is absent
	UnknownSecretId      // no such key (or app)
	SecretDisabled       // the key (or app) is disabled
	SignatureMismatch    // the signature does not verify
	// 401, tokens.
	MissingToken
	MalformedToken
	TokenAlgNotAllowed // alg none, HS*, or not the key's algorithm
	TokenSignatureInvalid
	TokenExpired
	TokenNotYetValid
	TokenIssuedInFuture
	// 403: valid credentials, not allowed here.
	NotAllowed
)

var codeNames = [...]string{
	OK:                    "OK",
	MissingAuthorization:  "MissingAuthorization",
	BadAuthorization:      "InvalidAuthorization",
	UnsupportedAlgorithm:  "UnsupportedSignatureAlgorithm",
	MissingDate:           "MissingDate",
	BadDate:               "InvalidDate",
	DateExpired:           "RequestExpired",
	MissingSignedHeader:   "MissingSignedHeader",
	UnknownSecretId:       "InvalidSecretId",
	SecretDisabled:        "SecretIdDisabled",
	SignatureMismatch:     "SignatureMismatch",
	MissingToken:          "MissingToken",
	MalformedToken:        "InvalidToken",
	TokenAlgNotAllowed:    "TokenAlgorithmNotAllowed",
	TokenSignatureInvalid: "TokenSignatureInvalid",
	TokenExpired:          "TokenExpired",
	TokenNotYetValid:      "TokenNotYetValid",
	TokenIssuedInFuture:   "TokenIssuedInFuture",
	NotAllowed:            "AccessDenied",
}

// String is the stable wire name of c.
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "Unauthorized"
}
