package accesslog

import "errors"

// Sentinel errors.
var (
	// ErrClosed: Flush on a closed Log.
	ErrClosed = errors.New("accesslog: log closed")
	// errOptions: Options or a Searcher's directory refused.
	errOptions = errors.New("accesslog: bad options")
	// errSyntax: a line that is not one of ours (a torn last line after a
	// crash, or foreign text).
	errSyntax = errors.New("not an access-log line")
	// errIndex: an index file that is torn or not ours; the segment is
	// then read from its lines.
	errIndex = errors.New("damaged index")
)
