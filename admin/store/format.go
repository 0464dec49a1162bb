package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"strconv"
	"strings"
)

// The file is BuntDB's append-only file: RESP arrays, one per command
// ("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n"), only SET, DEL and FLUSHDB.
// BuntDB writes one transaction with one write(2), its commands in random
// (map) order, and has no checksums and no transaction boundaries.
//
// This package adds both without changing the format BuntDB reads: every
// transaction it commits carries one extra command, a DEL of a key that never
// exists (the marker):
//
//	"\x00eg:tx1:" START ":" COUNT ":" SUM ":" CRC
//
// START is the file offset where the transaction's first command begins,
// COUNT the number of commands in the transaction including the marker, SUM
// (16 hex digits) the sum mod 2^64 of a CRC-64 of each other command (order
// independent, because BuntDB's order is random), and CRC (8 hex digits) a
// CRC-32C of "START:COUNT:SUM" so that a damaged marker is recognised as
// damaged. A file begins with a header, the marker of an empty transaction
// at offset 0 (START 0, COUNT 1, SUM 0). BuntDB replays a marker as the
// deletion of a missing key: a no-op.
//
// Where the marker sits among its transaction's commands is free: up to
// commit c9d808e it went into the transaction's own write, at a random place
// (testdata/v1.db); since then Update appends it as a write of its own right
// after the transaction's (store.go, seal), computed from the bytes read
// back. scanMarked reads both, so the format, and its name tx1, are
// unchanged. A transaction whose marker is missing is an unfinished final
// write, whether its commands are complete or not.
const markerPrefix = "\x00eg:tx1:"

var (
	crc64Table = crc64.MakeTable(crc64.ECMA)
	crc32cTab  = crc32.MakeTable(crc32.Castagnoli)

	// headerBytes starts every file this package writes.
	headerBytes = appendMarkerCommand(nil, 0, 1, 0)
)

// errNeedMore means the data ends inside a command: a torn write.
var errNeedMore = errors.New("command continues past the end of the file")

// command is one parsed command. name is lower-case; args follow it.
type command struct {
	off, end int
	name     string
	args     []string
}

// maxLenDigits bounds the digits of a "*N" or "$N" line; longer is damage.
const maxLenDigits = 12

// parseLenLine parses "<prefix><digits>\r\n" at data[off:], the way BuntDB
// does, but with a bounded length. It returns the number and the offset after
// the line.
func parseLenLine(data []byte, off int, prefix byte) (n, next int, err error) {
	if off >= len(data) {
		return 0, 0, errNeedMore
	}
	if data[off] != prefix {
		return 0, 0, fmt.Errorf("expected %q, found byte 0x%02x", prefix, data[off])
	}
	// A legal line is at most 1+maxLenDigits+2 bytes.
	limit := off + 1 + maxLenDigits + 2
	end := -1
	for i := off + 1; i < len(data) && i < limit; i++ {
		if data[i] == '\n' {
			end = i
			break
		}
	}
	if end < 0 {
		if len(data) < limit {
			return 0, 0, errNeedMore
		}
		return 0, 0, fmt.Errorf("length line %q is not terminated", data[off:limit])
	}
	line := data[off : end+1]
	if len(line) < 4 || line[len(line)-2] != '\r' {
		return 0, 0, fmt.Errorf("malformed length line %q", line)
	}
	for _, c := range line[1 : len(line)-2] {
		if c < '0' || c > '9' {
			return 0, 0, fmt.Errorf("malformed length line %q", line)
		}
		n = n*10 + int(c-'0')
	}
	return n, end + 1, nil
}

// parseCommand parses the command at data[off:]. It returns errNeedMore when
// the data ends inside it and a descriptive error when it is malformed or is
// not a command BuntDB accepts.
func parseCommand(data []byte, off int) (command, error) {
	cmd := command{off: off}
	nparts, p, err := parseLenLine(data, off, '*')
	if err != nil {
		return cmd, err
	}
	if nparts < 1 || nparts > 5 {
		return cmd, fmt.Errorf("command with %d parts", nparts)
	}
	parts := make([]string, 0, nparts)
	for i := 0; i < nparts; i++ {
		var n int
		n, p, err = parseLenLine(data, p, '$')
		if err != nil {
			return cmd, err
		}
		if avail := len(data) - p; avail < n+2 {
			// Reported as torn; the caller checks whether later
			// transactions follow, which would make it damage.
			if avail == n+1 && data[p+n] != '\r' {
				return cmd, fmt.Errorf("value of %d bytes not followed by CRLF", n)
			}
			return cmd, errNeedMore
		}
		if data[p+n] != '\r' || data[p+n+1] != '\n' {
			return cmd, fmt.Errorf("value of %d bytes not followed by CRLF", n)
		}
		parts = append(parts, string(data[p:p+n]))
		p += n + 2
	}
	cmd.end = p
	cmd.name = strings.ToLower(parts[0])
	cmd.args = parts[1:]
	switch cmd.name {
	case "set":
		switch len(cmd.args) {
		case 2:
		case 4:
			if a := strings.ToLower(cmd.args[2]); a != "ex" && a != "ae" {
				return cmd, fmt.Errorf("SET with unknown option %q", cmd.args[2])
			}
			if _, err := strconv.ParseInt(cmd.args[3], 10, 64); err != nil {
				return cmd, fmt.Errorf("SET with bad expiry %q", cmd.args[3])
			}
		default:
			return cmd, fmt.Errorf("SET with %d arguments", len(cmd.args))
		}
	case "del":
		if len(cmd.args) != 1 {
			return cmd, fmt.Errorf("DEL with %d arguments", len(cmd.args))
		}
	case "flushdb":
		if len(cmd.args) != 0 {
			return cmd, fmt.Errorf("FLUSHDB with %d arguments", len(cmd.args))
		}
	default:
		return cmd, fmt.Errorf("unknown command %q", truncateForMsg(parts[0]))
	}
	return cmd, nil
}

func truncateForMsg(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

// commandHash is the CRC-64 of a command's canonical form: the lower-case
// name and each argument, length-prefixed.
func commandHash(name string, args ...string) uint64 {
	var lb [binary.MaxVarintLen64]byte
	h := crc64.Update(0, crc64Table, []byte(name))
	for _, a := range args {
		h = crc64.Update(h, crc64Table, lb[:binary.PutUvarint(lb[:], uint64(len(a)))])
		h = crc64.Update(h, crc64Table, []byte(a))
	}
	return h
}

// hashOf hashes a parsed command (expiry option names are case-insensitive
// in BuntDB, so they are hashed lower-case).
func hashOf(c command) uint64 {
	if c.name == "set" && len(c.args) == 4 {
		return commandHash(c.name, c.args[0], c.args[1], strings.ToLower(c.args[2]), c.args[3])
	}
	return commandHash(c.name, c.args...)
}

// sumCommands counts the commands in b, which must be whole commands and
// nothing else, and sums their hashes: COUNT-1 and SUM of the marker that
// b's transaction needs. check, when not nil, may refuse a command.
func sumCommands(b []byte, check func(command) error) (n int, sum uint64, err error) {
	for off := 0; off < len(b); {
		c, err := parseCommand(b, off)
		if err != nil {
			return 0, 0, fmt.Errorf("unreadable command at offset %d: %w", off, err)
		}
		if check != nil {
			if err := check(c); err != nil {
				return 0, 0, err
			}
		}
		n++
		sum += hashOf(c)
		off = c.end
	}
	return n, sum, nil
}

// refuseReserved refuses a command on a key in the markers' namespace: a DEL
// of one would read as a damaged marker when the file is next opened.
func refuseReserved(c command) error {
	if len(c.args) > 0 && looksLikeMarker(c.args[0]) {
		return fmt.Errorf("key %q is reserved for the store's transaction markers", truncateForMsg(c.args[0]))
	}
	return nil
}

// marker is a decoded transaction marker.
type marker struct {
	start int64
	count int
	sum   uint64
}

func markerBody(start int64, count int, sum uint64) string {
	return strconv.FormatInt(start, 10) + ":" + strconv.Itoa(count) + ":" + fmt.Sprintf("%016x", sum)
}

// markerKey returns the key of the marker DEL.
func markerKey(start int64, count int, sum uint64) string {
	body := markerBody(start, count, sum)
	return markerPrefix + body + fmt.Sprintf(":%08x", crc32.Checksum([]byte(body), crc32cTab))
}

func appendMarkerCommand(b []byte, start int64, count int, sum uint64) []byte {
	return appendDel(b, markerKey(start, count, sum))
}

// appendDel appends a DEL of k as BuntDB writes it.
func appendDel(b []byte, k string) []byte {
	b = append(b, "*2\r\n$3\r\ndel\r\n$"...)
	b = strconv.AppendInt(b, int64(len(k)), 10)
	b = append(b, "\r\n"...)
	b = append(b, k...)
	return append(b, "\r\n"...)
}

// looksLikeMarker reports whether a DEL key is a marker, possibly damaged:
// a prefix within two bytes of markerPrefix still counts, so that a flipped
// byte there is reported as a damaged marker rather than taken for a user key.
func looksLikeMarker(key string) bool {
	if len(key) < len(markerPrefix) {
		return false
	}
	diff := 0
	for i := 0; i < len(markerPrefix); i++ {
		if key[i] != markerPrefix[i] {
			diff++
		}
	}
	return diff <= 2
}

// parseMarker decodes a marker key, verifying its CRC.
func parseMarker(key string) (marker, error) {
	var m marker
	if !strings.HasPrefix(key, markerPrefix) {
		return m, errors.New("damaged transaction marker (prefix)")
	}
	rest := key[len(markerPrefix):]
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return m, errors.New("damaged transaction marker (fields)")
	}
	body, crcHex := rest[:i], rest[i+1:]
	crc, err := strconv.ParseUint(crcHex, 16, 32)
	if err != nil || len(crcHex) != 8 || uint32(crc) != crc32.Checksum([]byte(body), crc32cTab) {
		return m, errors.New("damaged transaction marker (checksum)")
	}
	f := strings.Split(body, ":")
	if len(f) != 3 {
		return m, errors.New("damaged transaction marker (fields)")
	}
	if m.start, err = strconv.ParseInt(f[0], 10, 64); err != nil || m.start < 0 {
		return m, errors.New("damaged transaction marker (start)")
	}
	if m.count, err = strconv.Atoi(f[1]); err != nil || m.count < 1 {
		return m, errors.New("damaged transaction marker (count)")
	}
	if m.sum, err = strconv.ParseUint(f[2], 16, 64); err != nil {
		return m, errors.New("damaged transaction marker (sum)")
	}
	return m, nil
}
