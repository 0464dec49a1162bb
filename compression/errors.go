package compression

// Configuration error codes (ConfigError.Code). They are stable: the
// control plane answers them as InvalidParameterValue with this code in
// the message.
const (
	CodeUnsupportedCoding = "CompressionUnsupportedCoding"  // a coding the gateway does not produce
	CodeDuplicateCoding   = "CompressionDuplicateCoding"    // a coding listed twice
	CodeBadLevel          = "CompressionBadLevel"           // a level out of its range
	CodeBadMinSize        = "CompressionBadMinSize"         // a negative minimum size
	CodeBadType           = "CompressionBadType"            // a media-type pattern that does not parse
	CodeIncompressible    = "CompressionIncompressibleType" // a pattern naming only already-compressed media
	CodeTooManyTypes      = "CompressionTooManyTypes"       // more than MaxTypes patterns
)

// ConfigError reports a Config that cannot be compiled.
type ConfigError struct {
	Field string // the offending field, e.g. "Types[2]"
	Code  string
	Msg   string
}

func (e *ConfigError) Error() string { return e.Code + ": " + e.Field + ": " + e.Msg }
